#include "models/maml_policy.hpp"

#include <cmath>

namespace htrmrl {

MamlPolicyImpl::MamlPolicyImpl(const MamlPolicyOptions& options) : options_(options) {
  // Each layer initialised as LibTorch's Linear is (so the module twin in the tests matches).
  int in = options.obs_dim;
  std::vector<int> widths = options.hidden;
  widths.push_back(options.act_dim);
  for (size_t i = 0; i < widths.size(); ++i) {
    torch::nn::Linear layer(in, widths[i]);
    params_.push_back(register_parameter("w" + std::to_string(i), layer->weight.detach().clone()));
    params_.push_back(register_parameter("b" + std::to_string(i), layer->bias.detach().clone()));
    in = widths[i];
  }
  params_.push_back(register_parameter(
      "log_std", torch::full({options.act_dim}, std::log(options.init_std))));
}

torch::Tensor MamlPolicyImpl::features(const torch::Tensor& obs,
                                       const std::vector<torch::Tensor>& params) const {
  const size_t hidden_layers = (params.size() - 1) / 2 - 1;
  auto x = obs;
  for (size_t i = 0; i < hidden_layers; ++i)
    x = torch::tanh(torch::nn::functional::linear(x, params[2 * i], params[2 * i + 1]));
  return x;
}

PolicyOutput MamlPolicyImpl::forward(const torch::Tensor& obs,
                                     const std::vector<torch::Tensor>& params) const {
  const size_t last = params.size() - 3;  // the output layer's weight
  auto mean = torch::nn::functional::linear(features(obs, params), params[last], params[last + 1]);
  return {mean, params.back(), torch::Tensor()};
}

}  // namespace htrmrl

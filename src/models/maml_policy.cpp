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

PolicyOutput MamlPolicyImpl::forward(const torch::Tensor& obs,
                                     const std::vector<torch::Tensor>& params) const {
  const size_t layers = (params.size() - 1) / 2;
  auto x = obs;
  for (size_t i = 0; i < layers; ++i) {
    x = torch::nn::functional::linear(x, params[2 * i], params[2 * i + 1]);
    if (i + 1 < layers) x = torch::tanh(x);
  }
  return {x, params.back(), torch::Tensor()};
}

}  // namespace htrmrl

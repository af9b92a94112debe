// MAML's policy (Finn et al. 2017): a Gaussian MLP whose forward pass takes its parameters as
// an explicit list, so the inner loop's adapted parameters can be plain tensors computed from
// the meta-parameters (LibTorch has no functional call for modules). tanh hidden layers, a
// linear mean, and a state-independent log standard deviation, as every published MAML-RL
// setup (../shared/reference/maml.md). With no hidden layers it is a linear Gaussian policy
// (the tests' hand-derived case).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "models/distribution.hpp"

namespace htrmrl {

struct MamlPolicyOptions {
  int obs_dim = 0;
  int act_dim = 0;
  std::vector<int> hidden = {100, 100};  // widths of the tanh layers (Garage's Meta-World)
  double init_std = 1.0;
};

class MamlPolicyImpl : public torch::nn::Module {
 public:
  explicit MamlPolicyImpl(const MamlPolicyOptions& options);

  // The meta-parameters, in the order forward reads them: (weight, bias) per layer, then the
  // log standard deviation.
  std::vector<torch::Tensor> meta_parameters() const { return params_; }
  // Mean [..., act_dim] and log_std [act_dim] at observations obs [..., obs_dim] under the
  // given parameters (same shapes and order as meta_parameters()). Value: undefined. Its
  // distribution is the DiagonalGaussian (models/distribution.hpp).
  PolicyOutput forward(const torch::Tensor& obs, const std::vector<torch::Tensor>& params) const;
  PolicyOutput forward(const torch::Tensor& obs) const { return forward(obs, params_); }
  // The last tanh layer's activations [..., width] (the observations with no hidden layer):
  // what the policy's mean reads, the embedding of a (possibly adapted) policy's state.
  torch::Tensor features(const torch::Tensor& obs, const std::vector<torch::Tensor>& params) const;
  const MamlPolicyOptions& options() const { return options_; }

 private:
  MamlPolicyOptions options_;
  std::vector<torch::Tensor> params_;
};
TORCH_MODULE(MamlPolicy);

}  // namespace htrmrl

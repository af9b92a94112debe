#include "algorithms/learner.hpp"

#include <fmt/format.h>

#include "common/finite.hpp"

namespace htrmrl {

void require_finite_state(Agent& agent, const torch::optim::Optimizer& optimizer) {
  torch::NoGradGuard no_grad;
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& p : agent.named_parameters())
    tensors.emplace_back("parameter '" + p.key() + "'", p.value());
  for (const auto& b : agent.named_buffers())
    tensors.emplace_back("buffer '" + b.key() + "'", b.value());
  for (const auto& entry : optimizer.state())
    if (const auto* adam = dynamic_cast<const torch::optim::AdamParamState*>(entry.second.get())) {
      tensors.emplace_back("an Adam first moment", adam->exp_avg());
      tensors.emplace_back("an Adam second moment", adam->exp_avg_sq());
    }
  std::vector<torch::Tensor> finite;
  for (const auto& [name, t] : tensors) finite.push_back(torch::isfinite(t).all());
  const auto flags = torch::stack(finite).to(torch::kCPU);
  const bool* ok = flags.data_ptr<bool>();
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (ok[i]) continue;
    const torch::Tensor& t = tensors[i].second;
    const double first = t.masked_select(torch::isfinite(t).logical_not())[0].item<double>();
    throw NonFiniteError(fmt::format("{} holds {} after the update", tensors[i].first,
                                     non_finite_name(first)));
  }
}

}  // namespace htrmrl

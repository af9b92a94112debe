#include "training/checkpoint.hpp"

#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {
namespace {

// Archive keys may not contain dots: module paths use '/'.
std::string key_of(std::string name) {
  for (auto& ch : name)
    if (ch == '.') ch = '/';
  return name;
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes();
  return s.str();
}

}  // namespace

void save_checkpoint(const std::string& path, Agent& agent, const Learner* learner,
                     const TrainState& state) {
  torch::serialize::OutputArchive root, tensors, learned;
  for (const auto& p : agent.named_parameters()) tensors.write(key_of(p.key()), p.value());
  for (const auto& b : agent.named_buffers())
    tensors.write(key_of(b.key()), b.value(), /*is_buffer=*/true);
  root.write("agent", tensors);
  root.write("agent_kind", c10::IValue(agent.kind()));
  if (learner) {
    learner->save(learned);
    root.write("learner", learned);
  }
  root.write("iteration", torch::tensor(state.iteration));
  root.write("env_steps", torch::tensor(state.env_steps));
  root.write("wall_seconds", torch::tensor(state.wall_seconds, torch::kFloat64));
  // Serialised in memory, then written atomically with every write checked: a full disk
  // leaves the previous checkpoint as it was (torch's own file writer reports no errors).
  std::ostringstream bytes;
  root.save_to(bytes);
  write_file_atomic(path, std::move(bytes).str());
}

TrainState load_checkpoint(const std::string& path, Agent& agent, Learner* learner) {
  if (!std::filesystem::is_regular_file(path))
    throw Error("checkpoint file '" + path + "' does not exist");
  torch::serialize::InputArchive root, tensors, learned;
  // Tensors land on the agent's device, whichever device wrote them: a run trained on a GPU
  // is evaluated on a CPU, and optimiser moments sit beside the parameters they update.
  const torch::Device device = agent.parameters().front().device();
  try {
    root.load_from(path, device);
  } catch (const c10::Error&) {
    throw Error("checkpoint file '" + path + "' is not a readable htrmrl checkpoint");
  }
  if (!root.try_read("agent", tensors))
    throw Error("checkpoint file '" + path + "' has no agent tensors");

  // A checkpoint of another architecture is refused by name before any tensor is compared
  // (older checkpoints carry no kind; their tensors are checked as before).
  c10::IValue kind;
  if (root.try_read("agent_kind", kind) && kind.isString() && kind.toStringRef() != agent.kind())
    throw Error("checkpoint '" + path + "' does not fit the config: it holds a '" +
                kind.toStringRef() + "' agent but agent.kind is '" + agent.kind() + "'");

  // Every tensor of the configured agent must be present with the same shape.
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, torch::Tensor& target, bool is_buffer) {
    torch::Tensor stored;
    if (!tensors.try_read(key_of(name), stored, is_buffer))
      throw Error("checkpoint '" + path + "' does not fit the config: it has no tensor '" +
                  name + "'");
    if (!stored.sizes().equals(target.sizes()))
      throw Error("checkpoint '" + path + "' does not fit the config: tensor '" + name +
                  "' is " + shape_of(stored) + " there but " + shape_of(target) +
                  " in the config");
    target.copy_(stored);
  };
  for (auto& p : agent.named_parameters()) load(p.key(), p.value(), false);
  for (auto& b : agent.named_buffers()) load(b.key(), b.value(), true);

  // The learner's state under its own key; older checkpoints hold PPO's at the top level.
  if (learner) {
    try {
      learner->load(root.try_read("learner", learned) ? learned : root);
    } catch (const c10::Error&) {
      throw Error("checkpoint '" + path + "' has no optimiser state matching the config");
    }
  }
  // A fresh tensor per counter: reading into a defined tensor keeps its dtype, which would
  // reinterpret the float64 wall_seconds as the int64 read before it.
  const auto counter = [&](const char* key) {
    torch::Tensor t;
    root.read(key, t);
    return t;
  };
  TrainState state;
  state.iteration = counter("iteration").item<int64_t>();
  state.env_steps = counter("env_steps").item<int64_t>();
  state.wall_seconds = counter("wall_seconds").item<double>();
  return state;
}

}  // namespace htrmrl

// htrmrl._agents: trained agents and training from Python (docs/python.md). It links the
// learning library (LibTorch), so the package imports it on first use only: `import htrmrl`
// for the environments stays quick. Loading, meta-testing and training are the C++ functions
// the htrmrl command calls; nothing here re-implements them.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <pybind11/stl.h>  // std::optional arguments

#include "arrays.hpp"
#include "busy.hpp"
#include "common/error.hpp"
#include "trial_policy.hpp"
#include "training/config.hpp"
#include "training/trainer.hpp"

namespace htrmrl::python {
namespace {

// A loaded run, shared by the Agent and its policies, which act through the same network: one
// call at a time among all of them.
struct SharedRun {
  TrainedRun run;
  std::atomic<bool> busy{false};
};

py::object json_value(const nlohmann::json& value) {
  return py::module_::import("json").attr("loads")(value.dump());
}

class PyPolicy {
 public:
  PyPolicy(std::shared_ptr<SharedRun> shared, int rows, uint64_t seed, bool deterministic)
      : shared_(shared),
        policy_(std::shared_ptr<TrainedRun>(shared, &shared->run), rows, seed, deterministic) {}

  const TrialPolicy& policy() const { return policy_; }

  void reset(py::handle obs, py::handle mask) {
    const Busy busy(shared_->busy, "agent");
    auto o = float_array(obs, "obs", {policy_.rows(), policy_.spec().obs_dim});
    std::optional<std::vector<char>> m;
    if (!mask.is_none()) m = bool_vector(mask, "mask", policy_.rows());
    policy_.reset(o.data(), m ? &*m : nullptr);
  }

  py::array_t<float> act() {
    const Busy busy(shared_->busy, "agent");
    const std::vector<float>* actions = nullptr;
    {
      py::gil_scoped_release release;
      actions = &policy_.act();
    }
    return fresh_array<float>({policy_.rows(), policy_.spec().act_dim}, actions->data());
  }

  void observe(py::handle obs, py::handle rewards, py::handle dones) {
    const Busy busy(shared_->busy, "agent");
    auto o = float_array(obs, "obs", {policy_.rows(), policy_.spec().obs_dim});
    auto r = float_array(rewards, "rewards", {policy_.rows()});
    const std::vector<char> d = bool_vector(dones, "dones", policy_.rows());
    py::gil_scoped_release release;
    policy_.observe(o.data(), r.data(), d);
  }

  py::array_t<int64_t> episodes() {
    const Busy busy(shared_->busy, "agent");
    return fresh_array<int64_t>({policy_.rows()}, policy_.episodes().data());
  }

  py::array_t<float> embeddings() {
    const Busy busy(shared_->busy, "agent");
    const torch::Tensor z = policy_.embeddings();
    return fresh_array<float>({z.size(0), z.size(1)}, z.data_ptr<float>());
  }

 private:
  std::shared_ptr<SharedRun> shared_;
  TrialPolicy policy_;
};

class PyAgent {
 public:
  explicit PyAgent(std::shared_ptr<SharedRun> shared) : shared_(std::move(shared)) {}

  const TrainedRun& run() const { return shared_->run; }
  const Config& config() const { return shared_->run.setup.config; }

  // The run's meta-test, as `htrmrl eval` runs it with the same options (no eval.json is
  // written): eval.json's fields as a dict.
  py::object meta_test(std::optional<int> trials, std::optional<int> adaptation_episodes,
                       std::optional<int> evaluation_episodes,
                       std::optional<bool> deterministic) {
    const Busy busy(shared_->busy, "agent");
    EvalRunOptions options;
    options.trials = trials.value_or(0);
    options.adaptation_episodes = adaptation_episodes;
    options.evaluation_episodes = evaluation_episodes;
    options.deterministic = deterministic;
    if (trials && *trials < 1)
      throw Error("trials must be at least 1, got " + std::to_string(*trials));
    Config protocol = config();
    apply_eval_options(protocol, options);
    validate(protocol);  // the config's own ranges, naming the eval.* key
    EvalRecord record;
    {
      py::gil_scoped_release release;
      record = meta_test_run(shared_->run, protocol.eval);
    }
    return json_value(to_detailed_json(record));
  }

  PyPolicy* policy(int num_trials, int64_t seed, bool deterministic) {
    if (num_trials < 1)
      throw Error("num_trials must be at least 1, got " + std::to_string(num_trials));
    if (seed < 0) throw Error("seed must be a non-negative integer, got " + std::to_string(seed));
    const Busy busy(shared_->busy, "agent");
    return new PyPolicy(shared_, num_trials, static_cast<uint64_t>(seed), deterministic);
  }

 private:
  std::shared_ptr<SharedRun> shared_;
};

PyAgent* load_agent(const std::string& run, std::optional<std::string> checkpoint,
                    std::optional<std::string> device) {
  EvalRunOptions options;
  options.checkpoint = checkpoint.value_or("");
  options.device = device.value_or("");
  // Building a tabletop benchmark compiles its MuJoCo scenes: let other threads run meanwhile.
  py::gil_scoped_release release;
  auto shared = std::make_shared<SharedRun>();
  shared->run = load_trained_run(run, options);
  return new PyAgent(std::move(shared));
}

// The fully resolved config (every key) as TOML text: defaults, a file, or TOML text.
std::string resolve_config(const std::string& text, const std::string& origin) {
  return to_toml(parse_config(text, origin));
}

void train(const std::string& config_text, const std::string& out) {
  const Config config = parse_config(config_text, "config");
  py::gil_scoped_release release;
  train_new(config, out);
}

void resume(const std::string& dir) {
  py::gil_scoped_release release;
  train_resume(dir);
}

void bind_policy(py::module_& m) {
  py::class_<PyPolicy>(m, "Policy",
                       "A trained agent acting for a batch of trials, one per row, their "
                       "memories kept inside; make one with Agent.policy.")
      .def("reset", &PyPolicy::reset, py::arg("obs"), py::arg("mask") = py::none(),
           "Starts fresh trials (memory wiped) in the rows of mask (all without one); obs is "
           "their first observation.")
      .def("act", &PyPolicy::act, "The action of every row, float32 [num_trials, act_dim].")
      .def("observe", &PyPolicy::observe, py::arg("obs"), py::arg("rewards"), py::arg("dones"),
           "Feeds the step's results: next observations, rewards, episode ends "
           "(terminated | truncated).")
      .def("embeddings", &PyPolicy::embeddings,
           "The embedding (z_task for HTrMRL) each row acted on at the last act().")
      .def_property_readonly("num_trials", [](const PyPolicy& p) { return p.policy().rows(); })
      .def_property_readonly("episodes", &PyPolicy::episodes,
                             "Episodes each row's trial has completed, int64 [num_trials].");
}

void bind_agent(py::module_& m) {
  py::class_<PyAgent>(m, "Agent", "A run's trained agent; load one with htrmrl.load_agent.")
      .def("meta_test", &PyAgent::meta_test, py::kw_only(), py::arg("trials") = py::none(),
           py::arg("adaptation_episodes") = py::none(),
           py::arg("evaluation_episodes") = py::none(), py::arg("deterministic") = py::none(),
           "Meta-World's meta-test on the held-out tasks, as `htrmrl eval` runs it; returns "
           "eval.json's fields (written nowhere).")
      .def("policy", &PyAgent::policy, py::arg("num_trials"), py::arg("seed") = 0, py::kw_only(),
           py::arg("deterministic") = false,
           "A Policy acting for num_trials trials at once; deterministic: the mean action.")
      .def_property_readonly("run", [](const PyAgent& a) { return a.run().dir; })
      .def_property_readonly("config", [](const PyAgent& a) {
        return py::module_::import("tomllib").attr("loads")(to_toml(a.config()));
      })
      .def_property_readonly("kind", [](const PyAgent& a) { return a.config().agent.kind; })
      .def_property_readonly("benchmark", [](const PyAgent& a) { return a.config().env.benchmark; })
      .def_property_readonly("seed", [](const PyAgent& a) { return a.config().seed; })
      .def_property_readonly("episodes_per_trial",
                             [](const PyAgent& a) { return a.config().env.episodes_per_trial; })
      .def_property_readonly("iteration", [](const PyAgent& a) { return a.run().state.iteration; })
      .def_property_readonly("env_steps", [](const PyAgent& a) { return a.run().state.env_steps; })
      .def_property_readonly("obs_dim",
                             [](const PyAgent& a) { return a.run().setup.layout.obs_dim; })
      .def_property_readonly("act_dim",
                             [](const PyAgent& a) { return a.run().setup.layout.act_dim; })
      .def("__repr__", [](const PyAgent& a) {
        const Config& c = a.config();
        return "Agent('" + a.run().dir + "', kind='" + c.agent.kind + "', benchmark='" +
               c.env.benchmark + "', iteration=" + std::to_string(a.run().state.iteration) + ")";
      });
}

void define_module(py::module_& m) {
  m.doc() = "htrmrl's trained agents and training (docs/python.md); LibTorch inside.";
  // Bad input raises the package's one error type, htrmrl.Error, defined by _envs. Kept alive
  // for the interpreter's life: the translator may run at any call.
  static const auto* error = new py::object(py::module_::import("htrmrl._envs").attr("Error"));
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(error->ptr(), e.what());
    }
  });
  bind_policy(m);
  bind_agent(m);
  m.def("load_agent", &load_agent, py::arg("run"), py::arg("checkpoint") = py::none(),
        py::kw_only(), py::arg("device") = py::none(),
        "The agent of a run directory, from its latest checkpoint or the one named.");
  m.def("resolve_config", &resolve_config, py::arg("text"), py::arg("origin"),
        "TOML text of a config -> the fully resolved config's TOML (every key); raises on an "
        "unknown key or bad value.");
  m.def("train", &train, py::arg("config_text"), py::arg("out"),
        "Starts a run in out from a TOML config text, as `htrmrl train` does.");
  m.def("resume", &resume, py::arg("run"), "Continues a run, as `htrmrl train --resume`.");
}

}  // namespace
}  // namespace htrmrl::python

PYBIND11_MODULE(_agents, m) { htrmrl::python::define_module(m); }

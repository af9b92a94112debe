// htrmrl._envs: the benchmarks as batched NumPy environments in Gymnasium's vector-env calling
// convention (docs/python.md). Links the environment library alone, no LibTorch, so importing
// it is quick; agents and training will come as modules of their own beside it.
#include <atomic>
#include <cstdint>
#include <optional>

#include <pybind11/stl.h>  // std::optional arguments, lists of names and tasks

#include "arrays.hpp"
#include "batched_env.hpp"
#include "busy.hpp"
#include "common/error.hpp"
#include "testing.hpp"

namespace htrmrl::python {
namespace {

// Python ints for seeds: negative ones are refused here with a message of our own.
uint64_t seed_value(int64_t seed, const char* what) {
  if (seed < 0) throw Error(std::string(what) + " must be a non-negative integer, got " +
                            std::to_string(seed));
  return static_cast<uint64_t>(seed);
}

// The Python object: a BatchedEnv, NumPy in and out, the GIL released while environments run.
class PyVectorEnv {
 public:
  PyVectorEnv(const std::string& benchmark, int num_envs, uint64_t seed, const std::string& split,
              int threads, Autoreset autoreset)
      : env_(benchmark, num_envs, seed, split, threads, autoreset) {}

  const BatchedEnv& env() const { return env_; }

  py::tuple reset(std::optional<int64_t> seed, std::optional<py::dict> options) {
    const Busy busy(busy_, "VectorEnv");
    std::optional<uint64_t> base;
    if (seed) base = seed_value(*seed, "seed");
    std::optional<std::vector<char>> mask;
    if (options) {
      for (auto item : *options) {
        const std::string key = py::str(item.first);
        if (key != "reset_mask")
          throw Error("unknown reset option '" + key + "' (known: reset_mask)");
      }
      if (options->contains("reset_mask"))
        mask = bool_vector((*options)["reset_mask"], "reset_mask", env_.num_envs());
    }
    {
      py::gil_scoped_release release;
      env_.reset(base, mask ? &*mask : nullptr);
    }
    py::dict info;
    info["task_index"] = task_indices_unguarded();
    return py::make_tuple(observations(), info);
  }

  py::tuple step(py::handle actions) {
    const Busy busy(busy_, "VectorEnv");
    // A private copy (float_array's): the values checked are the values stepped, whatever
    // other threads do to the caller's array while the GIL is released.
    auto a = float_array(actions, "actions", {env_.num_envs(), env_.spec().act_dim});
    {
      py::gil_scoped_release release;
      env_.step(a.data());
    }
    const StepOutputs& out = env_.outputs();
    py::dict info;
    info["success"] = fresh_bools(out.success);
    info["unstable"] = fresh_bools(out.unstable);
    info["autoreset"] = fresh_bools(out.autoreset);
    info["task_index"] = task_indices_unguarded();
    return py::make_tuple(observations(),
                          fresh_array<float>({env_.num_envs()}, out.rewards.data()),
                          fresh_bools(out.terminated), fresh_bools(out.truncated), info);
  }

  void set_task(int env_index, int task_index) {
    const Busy busy(busy_, "VectorEnv");
    env_.set_task(env_index, task_index);
  }

  py::array_t<int64_t> task_indices() {
    const Busy busy(busy_, "VectorEnv");
    return task_indices_unguarded();
  }

 private:
  py::array_t<float> observations() const {
    return fresh_array<float>({env_.num_envs(), env_.spec().obs_dim}, env_.obs().data());
  }
  py::array_t<int64_t> task_indices_unguarded() const {
    return fresh_array<int64_t>({env_.num_envs()}, env_.task_indices().data());
  }

  BatchedEnv env_;
  std::atomic<bool> busy_{false};
};

PyVectorEnv* make(const std::string& benchmark, int num_envs, int64_t seed,
                  const std::string& split, int threads, const std::string& autoreset_mode) {
  const uint64_t s = seed_value(seed, "seed");
  const Autoreset mode = parse_autoreset(autoreset_mode);
  // Building a tabletop benchmark compiles its MuJoCo scenes: let other threads run meanwhile.
  py::gil_scoped_release release;
  return new PyVectorEnv(benchmark, num_envs, s, split, threads, mode);
}

void bind_task(py::module_& m) {
  py::class_<Task>(m, "Task", "One task of a benchmark: everything that defines the MDP.")
      .def_readonly("family", &Task::family)
      .def_readonly("name", &Task::name)
      .def_property_readonly(
          "params",
          [](const Task& t) {
            return fresh_array<double>({py::ssize_t(t.params.size())}, t.params.data());
          },
          "The task's parameter vector (a goal position, an object placement), float64.")
      .def("__repr__", [](const Task& t) {
        return "Task(family='" + t.family + "', name='" + t.name + "', params=" +
               py::repr(py::cast(t.params)).cast<std::string>() + ")";
      });
}

void bind_vector_env(py::module_& m) {
  py::class_<PyVectorEnv>(m, "VectorEnv",
                          "A batch of environments of one benchmark split; make one with "
                          "htrmrl.make. Calling convention of Gymnasium's vector envs.")
      .def("reset", &PyVectorEnv::reset, py::arg("seed") = py::none(),
           py::arg("options") = py::none(),
           "Starts episodes; returns (obs, info). options={'reset_mask': bool array} resets "
           "only those rows.")
      .def("step", &PyVectorEnv::step, py::arg("actions"),
           "Steps every row; returns (obs, rewards, terminated, truncated, info).")
      .def("set_task", &PyVectorEnv::set_task, py::arg("env_index"), py::arg("task_index"),
           "Row env_index runs tasks[task_index] from its next reset on.")
      .def_property_readonly("task_indices", &PyVectorEnv::task_indices)
      .def_property_readonly("num_envs", [](const PyVectorEnv& e) { return e.env().num_envs(); })
      .def_property_readonly("obs_dim", [](const PyVectorEnv& e) { return e.env().spec().obs_dim; })
      .def_property_readonly("act_dim", [](const PyVectorEnv& e) { return e.env().spec().act_dim; })
      .def_property_readonly("observation_shape", [](const PyVectorEnv& e) {
        return py::make_tuple(e.env().num_envs(), e.env().spec().obs_dim);
      })
      .def_property_readonly("action_shape", [](const PyVectorEnv& e) {
        return py::make_tuple(e.env().num_envs(), e.env().spec().act_dim);
      })
      .def_property_readonly("action_low",
                             [](const PyVectorEnv& e) { return e.env().spec().action_low; })
      .def_property_readonly("action_high",
                             [](const PyVectorEnv& e) { return e.env().spec().action_high; })
      .def_property_readonly("max_episode_steps",
                             [](const PyVectorEnv& e) { return e.env().spec().max_episode_steps; })
      .def_property_readonly("tasks", [](const PyVectorEnv& e) { return e.env().tasks(); })
      .def_property_readonly("benchmark", [](const PyVectorEnv& e) { return e.env().name(); })
      .def_property_readonly("split", [](const PyVectorEnv& e) { return e.env().split(); })
      .def_property_readonly("autoreset_mode", [](const PyVectorEnv& e) {
        return e.env().autoreset() == Autoreset::kNextStep ? "next_step" : "disabled";
      })
      .def("__repr__", [](const PyVectorEnv& e) {
        return "VectorEnv('" + e.env().name() + "', num_envs=" +
               std::to_string(e.env().num_envs()) + ", split='" + e.env().split() + "')";
      });
}

}  // namespace
}  // namespace htrmrl::python

PYBIND11_MODULE(_envs, m) {
  using namespace htrmrl;
  using namespace htrmrl::python;
  m.doc() = "htrmrl's benchmarks as batched NumPy environments (docs/python.md).";
  // htrmrl::Error is bad input: htrmrl.Error, a ValueError, so `except ValueError` catches it.
  py::register_exception<Error>(m, "Error", PyExc_ValueError);
  bind_task(m);
  bind_vector_env(m);
  m.def("benchmarks", &benchmark_names, "Every registered benchmark name, sorted.");
  m.def("make", &make, py::arg("benchmark"), py::arg("num_envs"), py::arg("seed"),
        py::arg("split") = "train", py::kw_only(), py::arg("threads") = 1,
        py::arg("autoreset_mode") = "next_step",
        "A VectorEnv of num_envs rows of a benchmark's split; seed draws the benchmark's "
        "tasks and every reset seed.");
  py::module_ testing = m.def_submodule("_testing", "Helpers for htrmrl's own tests.");
  bind_testing(testing);
}

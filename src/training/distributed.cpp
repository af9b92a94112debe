// c10d behind htrmrl's Collective. Written against LibTorch 1.13's c10d; 2.x moved the
// process groups' operations to c10d::Backend (same signatures), hence the one alias below.
// Debian's LibTorch has Gloo compiled in but its headers only declare it under USE_C10D_GLOO;
// NCCL needs a CUDA LibTorch built with it and -DHTRMRL_NCCL=ON (defines USE_C10D_NCCL).
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include "training/distributed.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <limits>

#include "common/error.hpp"

namespace htrmrl {
namespace {

#if TORCH_VERSION_MAJOR >= 2
using Backend = c10d::Backend;
#else
using Backend = c10d::ProcessGroup;
#endif

// The value of environment variable `name` as an integer in [lo, hi], or an Error naming it.
int env_int(const char* name, const char* text, int lo, int hi) {
  int value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [at, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || at != end || *text == '\0')
    throw Error(fmt::format("environment variable {}='{}' is not an integer", name, text));
  if (value < lo || value > hi)
    throw Error(fmt::format("environment variable {}={} must be between {} and {}", name, value,
                            lo, hi));
  return value;
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// c10::Error carries a C++ backtrace after its message: keep the message.
std::string message_of(const std::exception& e) {
  if (const auto* c10 = dynamic_cast<const c10::Error*>(&e)) return c10->msg();
  return e.what();
}

class C10dCollective : public Collective {
 public:
  C10dCollective(const World& world, double timeout_s, const torch::Device& device)
      : world_(world), timeout_s_(timeout_s), device_(device) {
    const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
    // Rendezvous: rank 0 serves the store and waits for every rank to connect.
    try {
      c10d::TCPStoreOptions options;
      options.port = static_cast<uint16_t>(world.master_port);
      options.isServer = world.rank == 0 && !world.agent_store;
      options.numWorkers = static_cast<size_t>(world.size);
      options.waitWorkers = true;
      options.timeout = timeout;
      store_ = c10::make_intrusive<c10d::TCPStore>(world.master_addr, options);
      // torchrun's convention (torch.distributed.rendezvous): one key space per attempt.
      if (world.agent_store)
        store_ = c10::make_intrusive<c10d::PrefixStore>(
            "/worker/attempt_" + world.restart_attempt, store_);
    } catch (const std::exception& e) {
      throw Error(fmt::format(
          "rank {} of {}: no rendezvous at MASTER_ADDR:MASTER_PORT = {}:{} within "
          "dist.timeout_s = {} s (are all {} ranks started, and is the port free on rank 0?): {}",
          world.rank, world.size, world.master_addr, world.master_port, timeout_s, world.size,
          message_of(e)));
    }
    // The group proper, over the store.
    try {
#ifdef USE_C10D_NCCL
      if (device.is_cuda()) {
        auto options = c10d::ProcessGroupNCCL::Options::create();
        options->timeout = timeout;
        backend_ = c10::make_intrusive<c10d::ProcessGroupNCCL>(store_, world.rank, world.size,
                                                               options);
        return;
      }
#endif
      auto options = c10d::ProcessGroupGloo::Options::create(timeout);
      options->devices.push_back(gloo_device());
      backend_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, world.rank, world.size,
                                                             options);
      device_ = torch::kCPU;  // Gloo reduces CPU tensors
    } catch (const std::exception& e) {
      throw Error(lost("connecting", e));
    }
  }

  int rank() const override { return world_.rank; }
  int size() const override { return world_.size; }

  void all_reduce(torch::Tensor& values, Op op) override {
    std::vector<at::Tensor> tensors{values.to(device_).contiguous()};
    c10d::AllreduceOptions options;
    options.reduceOp = op == Op::kMax ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM;
    wait(backend_->allreduce(tensors, options), "all-reduce");
    if (!tensors[0].is_same(values)) values.copy_(tensors[0]);
  }

  torch::Tensor all_gather(const torch::Tensor& values) override {
    std::vector<at::Tensor> input{values.to(device_).contiguous()};
    std::vector<std::vector<at::Tensor>> output(1);
    for (int r = 0; r < world_.size; ++r) output[0].push_back(torch::empty_like(input[0]));
    wait(backend_->allgather(output, input), "all-gather");
    return torch::stack(output[0]).to(values.device());
  }

  void barrier() override { wait(backend_->barrier(), "barrier"); }

 private:
  // Loopback rendezvous: every rank is on this machine, so talk over loopback too; otherwise
  // GLOO_SOCKET_IFNAME's interface, or the address this host's name resolves to.
  std::shared_ptr<::gloo::transport::Device> gloo_device() const {
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"))
      return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
    if (is_loopback(world_.master_addr))
      return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
  }

  // Waits for one operation; a failure means a peer exited or stayed silent too long.
  void wait(const c10::intrusive_ptr<c10d::Work>& work, const char* operation) {
    try {
      work->wait();
    } catch (const std::exception& e) {
      throw Error(lost(operation, e));
    }
  }

  std::string lost(const char* operation, const std::exception& e) const {
    const std::string peer =
        world_.size == 2 ? fmt::format("rank {}", 1 - world_.rank) : std::string("a peer");
    std::string cause = message_of(e);
    cause = cause.substr(0, cause.find('\n'));
    return fmt::format(
        "rank {} of {} lost {} during {}: it exited, or was silent for longer than "
        "dist.timeout_s = {} s ({})",
        world_.rank, world_.size, peer, operation, timeout_s_, cause);
  }

  World world_;
  double timeout_s_;
  torch::Device device_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<Backend> backend_;
};

// FNV-1a: a digest that is the same in every process (std::hash need not be).
int64_t digest(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  return static_cast<int64_t>(h);
}

}  // namespace

World parse_world(const std::function<const char*(const char*)>& lookup) {
  World world;
  const char* size = lookup("WORLD_SIZE");
  if (!size) return world;
  world.size = env_int("WORLD_SIZE", size, 1, 65536);
  const auto require = [&](const char* name) {
    const char* value = lookup(name);
    if (!value || !*value)
      throw Error(fmt::format("environment variable {} is not set, but WORLD_SIZE={} asks for "
                              "a distributed run (set RANK, MASTER_ADDR and MASTER_PORT too)",
                              name, world.size));
    return value;
  };
  const char* rank = world.distributed() ? require("RANK") : lookup("RANK");
  if (rank) world.rank = env_int("RANK", rank, 0, std::numeric_limits<int>::max());
  if (world.rank >= world.size)
    throw Error(fmt::format("environment variable RANK={} must be below WORLD_SIZE={} (ranks "
                            "are 0 to {})",
                            world.rank, world.size, world.size - 1));
  if (!world.distributed()) return world;
  world.master_addr = require("MASTER_ADDR");
  world.master_port = env_int("MASTER_PORT", require("MASTER_PORT"), 1, 65535);
  const char* local = lookup("LOCAL_RANK");
  world.local_rank = local ? env_int("LOCAL_RANK", local, 0, 65535) : world.rank;
  const char* agent_store = lookup("TORCHELASTIC_USE_AGENT_STORE");
  world.agent_store = agent_store && std::string(agent_store) == "True";
  if (const char* attempt = lookup("TORCHELASTIC_RESTART_COUNT"))
    world.restart_attempt = std::to_string(env_int("TORCHELASTIC_RESTART_COUNT", attempt, 0,
                                                   std::numeric_limits<int>::max()));
  return world;
}

World world_from_environment() {
  return parse_world([](const char* name) { return std::getenv(name); });
}

std::string rank_device(const World& world, const std::string& device) {
  return world.distributed() && device == "cuda" ? "cuda:" + std::to_string(world.local_rank)
                                                 : device;
}

std::unique_ptr<Collective> connect(const World& world, double timeout_s,
                                    const torch::Device& device) {
  return std::make_unique<C10dCollective>(world, timeout_s, device);
}

void on_rank0(Collective* group, const std::function<void()>& work) {
  if (!group) return work();
  std::exception_ptr error;
  auto failed = torch::zeros({1}, torch::kFloat64);
  if (group->rank() == 0) {
    try {
      work();
    } catch (...) {
      error = std::current_exception();
      failed.fill_(1);
    }
  }
  group->all_reduce(failed);
  if (error) std::rethrow_exception(error);
  if (failed.item<double>() > 0)
    throw Error(fmt::format("rank {} of {}: rank 0 refused to start (its output says why)",
                            group->rank(), group->size()));
}

void check_same_config(Collective& group, const std::string& resolved_config) {
  const std::vector<int64_t> digests = all_gather_counts(group, digest(resolved_config));
  for (int r = 1; r < group.size(); ++r)
    if (digests[r] != digests[0])
      throw Error(fmt::format("rank {} of {}: rank {}'s configuration differs from rank 0's; "
                              "start every rank with the same --config and --set options",
                              group.rank(), group.size(), r));
}

}  // namespace htrmrl

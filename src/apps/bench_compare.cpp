// The flat-vs-hierarchical cost comparison (see bench_compare.hpp). Memory is the increase
// of the process's peak resident set (VmHWM) over its resident set just before the first
// step: LibTorch 1.13 keeps no allocator statistics on the CPU. On CUDA only time is reported.
#include "apps/bench_compare.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <new>
#include <sstream>

#include "common/runtime.hpp"
#include "training/setup.hpp"

namespace htrmrl {
namespace {

using Clock = std::chrono::steady_clock;

// Resets VmHWM to the current RSS (Linux >= 4.0); false where the kernel refuses.
bool reset_peak() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

// The agent of one cell: the default network (d_model 32, 4 heads, ff 128), HTrMRL with 2+2
// blocks and the flat stack with 4, so both have the same depth.
Config cell_config(const std::string& kind, int k, int s, const CompareOptions& o) {
  Config c;
  c.agent.kind = kind;
  c.agent.episodes = k;
  c.agent.seq_len = s;
  c.agent.blocks = 4;
  c.env.episodes_per_trial = k;
  c.device = o.device;
  c.threads = o.threads;
  return c;
}

// Attention score entries of one forward pass per context (all blocks, all heads).
double attention_entries(const std::string& kind, int k, int s, int heads) {
  if (kind == "flat") return 4.0 * heads * double(k * s) * double(k * s);
  return 2.0 * heads * (double(k) * s * s) + 2.0 * heads * double(k) * k;
}

nlohmann::json measure(const std::string& kind, int k, int s, const CompareOptions& o) {
  Config c = cell_config(kind, k, s, o);
  // point-robot-sparse's token layout; trials of K episodes give K slots.
  RunSetup setup = make_setup(c);
  const TokenLayout layout = setup.layout;
  auto& agent = setup.agent;
  torch::optim::Adam optimizer(agent->parameters(), torch::optim::AdamOptions(1e-4));
  // A minibatch of contexts with every slot full: one distinct sequence per slot.
  const int64_t b = o.contexts;
  Context context = dense_context(torch::randn({b, k, s, layout.size()}),
                                  torch::ones({b, k, s}))
                        .to(setup.device);
  auto actions = torch::randn({b, layout.act_dim}).to(setup.device);
  auto advantages = torch::randn({b}).to(setup.device);
  auto returns = torch::randn({b}).to(setup.device);

  // One PPO minibatch step: the surrogate's gradient needs the same graph as the clipped
  // one, so a plain policy-gradient loss plus the value loss costs the same.
  auto step = [&] {
    auto out = agent->forward(context);
    auto loss = -(agent->distribution().log_prob(out, actions) * advantages).mean() +
                0.5 * (out.value - returns).pow(2).mean();
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    return loss.item<double>();  // waits for the device
  };
  const int64_t rss_before = process_status_bytes("VmRSS");
  const bool peak_reset = reset_peak();
  std::vector<double> times;
  for (int r = 0; r <= o.repeats; ++r) {
    auto t0 = Clock::now();
    step();
    if (r > 0) times.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  const int64_t peak = process_status_bytes("VmHWM");
  nlohmann::json result{{"status", "ok"},
                        {"seconds_per_step", times[times.size() / 2]},
                        {"peak_rss_increase_mb", (peak - rss_before) / 1048576.0},
                        {"peak_reset", peak_reset}};
  return result;
}

}  // namespace

nlohmann::json run_compare_cell(const CompareOptions& o, const std::string& cell) {
  std::string kind;
  int k = 0, s = 0;
  {
    std::string part;
    std::istringstream in(cell);
    std::getline(in, kind, ':');
    std::getline(in, part, ':');
    k = std::stoi(part);
    std::getline(in, part, ':');
    s = std::stoi(part);
  }
  nlohmann::json head{{"kind", kind},
                      {"K", k},
                      {"S", s},
                      {"tokens_per_context", k * s},
                      {"attention_entries_per_context", attention_entries(kind, k, s, 4)}};
  // Cap the address space on the CPU, so an oversized cell fails its allocation here (a
  // bad_alloc or c10::Error) instead of waking the kernel's OOM killer on a shared machine.
  if (o.device == "cpu" && o.memory_limit_gb > 0) {
    const auto cap = static_cast<rlim_t>(process_status_bytes("VmSize") + o.memory_limit_gb * (1 << 30));
    rlimit limit{cap, cap};
    setrlimit(RLIMIT_AS, &limit);
  }
  try {
    head.update(measure(kind, k, s, o));
  } catch (const std::bad_alloc&) {
    head["status"] = "out of memory";
  } catch (const c10::Error& e) {
    const std::string what = e.what();
    head["status"] = what.find("alloc") != std::string::npos ? "out of memory" : "error";
    head["error"] = what.substr(0, what.find('\n'));
  }
  return head;
}

nlohmann::json run_compare_flat(const CompareOptions& o) {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  nlohmann::json cells = nlohmann::json::array();
  for (int s : o.ss)
    for (int k : o.ks)
      for (const char* kind : {"htrmrl", "flat"}) {
        const std::string cell = fmt::format("{}:{}:{}", kind, k, s);
        const std::string cmd = fmt::format(
            "'{}' bench --cell {} --device {} --threads {} --repeats {} --contexts {} "
            "--memory-limit-gb {}",
            self, cell, o.device, o.threads, o.repeats, o.contexts, o.memory_limit_gb);
        // The child prints one JSON object; anything else means it died (e.g. killed).
        std::string out;
        FILE* pipe = popen(cmd.c_str(), "r");
        if (!pipe) throw std::runtime_error("cannot start " + cmd);
        char buf[4096];
        for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
        const int status = pclose(pipe);
        nlohmann::json r;
        if (status == 0 && nlohmann::json::accept(out)) {
          r = nlohmann::json::parse(out);
        } else {
          r = {{"kind", kind}, {"K", k}, {"S", s}};
          r["status"] = WIFSIGNALED(status) ? fmt::format("killed by signal {}", WTERMSIG(status))
                                            : fmt::format("failed (exit {})", WEXITSTATUS(status));
        }
        std::cerr << fmt::format("{:>6} K={:>2} S={:>2}: {}\n", kind, k, s,
                                 r["status"] == "ok"
                                     ? fmt::format("{:.4f} s/step, {:.0f} MB",
                                                   r["seconds_per_step"].get<double>(),
                                                   r["peak_rss_increase_mb"].get<double>())
                                     : r["status"].get<std::string>());
        cells.push_back(r);
      }
  return {{"what", "one PPO minibatch step (forward, backward, Adam step), median of repeats"},
          {"memory", "peak RSS increase over the RSS before the first step (VmHWM, CPU only)"},
          {"device", o.device},
          {"threads", o.threads},
          {"contexts_per_minibatch", o.contexts},
          {"repeats", o.repeats},
          {"memory_limit_gb", o.memory_limit_gb},
          {"htrmrl", "d_model 32, 4 heads, ff 128, T1 2 blocks + T2 2 blocks"},
          {"flat", "d_model 32, 4 heads, ff 128, 4 blocks over K*S tokens"},
          {"cells", cells}};
}

}  // namespace htrmrl

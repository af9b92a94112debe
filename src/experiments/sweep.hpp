// Multi-seed sweeps: a grid of config overrides times a list of seeds, each combination one
// `htrmrl train` run in its own directory under SWEEP/runs/, described by SWEEP/sweep.json.
//
//   sweep.json   {"config", "sets", "seeds", "grid", "runs": [{"name", "dir", "method",
//                "seed", "overrides"}], "base_config": the resolved base (config + sets)}
//   runs/<name>/ a run directory (config.toml, metrics.csv, ..., status.json once finished)
//                plus train.log, the child process's output
//
// A run's name is "<key>=<value>" for each grid key in the order given, then "seed=<s>",
// joined by ","; its method is the same without the seed ("default" without a grid).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/config.hpp"

namespace htrmrl {

// One --grid option: a config key and the values to try, in the order given.
struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

// What the user asked for on the command line.
struct SweepRequest {
  std::string config_path;
  std::vector<std::string> sets;
  std::vector<int64_t> seeds;
  std::vector<GridAxis> grid;
};

struct SweepRun {
  std::string name;    // e.g. "agent.kind=htrmrl,seed=1"
  std::string method;  // the name without the seed, or "default"
  int64_t seed = 0;
  std::vector<std::pair<std::string, std::string>> overrides;  // grid values, then the seed
  Config config;       // base + sets + overrides, validated
  std::string dir() const { return "runs/" + name; }
};

// A validated sweep: every run's config resolved.
struct SweepPlan {
  SweepRequest request;
  std::string base_toml;  // to_toml of the config file plus the --set overrides
  std::vector<SweepRun> runs;
};

// "N" -> 1..N; "A-B" -> A..B; "a,b,c" -> those seeds. Throws htrmrl::Error otherwise.
std::vector<int64_t> parse_seeds(const std::string& text);
// "key=v1,v2,..." -> an axis; an empty key, value or value list throws htrmrl::Error.
GridAxis parse_grid(const std::string& text);

// Expands the grid (first key outermost) for each seed (seeds outermost, so a stopped sweep
// has every method at the same seeds) and validates every combination's config; any bad key,
// value or combination throws htrmrl::Error naming it.
SweepPlan plan_sweep(const SweepRequest& request);

// The sweep.json document.
nlohmann::ordered_json sweep_manifest(const SweepPlan& plan);
// Throws htrmrl::Error saying what differs when the stored manifest describes another sweep
// (base config, grid or seeds; the config path and the split between file and --set may
// change as long as the resolved runs are the same).
void check_same_sweep(const nlohmann::json& stored, const SweepPlan& plan,
                      const std::string& manifest_path);

struct SweepOptions {
  std::string out;  // the sweep directory
  int jobs = 1;     // runs at a time
};

// Runs every unfinished run of the plan in OUT (creating it and sweep.json, or resuming the
// sweep already there), at most jobs at a time. Throws htrmrl::Error if runs failed or the
// sweep was interrupted, saying which and how to resume.
void run_sweep(const SweepPlan& plan, const SweepOptions& options);

}  // namespace htrmrl

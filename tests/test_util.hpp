// Helpers shared by the test programs.
#pragma once

#include <fstream>
#include <string>
#include <vector>

#include "training/config.hpp"
#include "training/metrics.hpp"

namespace htrmrl {

// The agent keys of TrMRL as published (trmrl.md): the current episode only, causal, no layer
// norm, T-Fixup, policy on the encoder output alone, value on the state.
inline void set_published_trmrl(Config& c) {
  c.agent.kind = "trmrl";
  c.agent.episodes = 1;
  c.agent.causal = true;
  c.agent.layer_norm = "none";
  c.agent.init = "t_fixup";
  c.agent.use_state = false;
  c.agent.value_input = "state";
}

// Rows of a metrics.csv with the timing columns left out: what must repeat exactly.
inline std::vector<std::string> stable_metrics_rows(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  const auto columns = metrics_columns();
  std::vector<std::string> rows;
  while (std::getline(in, line)) {
    std::string kept;
    size_t p = 0;
    for (const auto& c : columns) {
      size_t q = line.find(',', p);
      if (q == std::string::npos) q = line.size();
      if (!is_timing_column(c)) kept += line.substr(p, q - p) + ",";
      p = q + 1;
    }
    rows.push_back(kept);
  }
  return rows;
}

}  // namespace htrmrl

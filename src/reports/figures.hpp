// The report's figures and tables, computed from a loaded sweep. Figures come out as plot
// specifications (JSON: panels of series with their bands already computed) that
// plots.py only draws; tables come out as Markdown.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "reports/sweep_data.hpp"

namespace htrmrl {

// A figure spec: {"name": file stem, "title", "caption" (Markdown), "columns",
// "panels": [{"title", "xlabel", "ylabel", "ylim", "yticks"?, "steps_axis", "vline"?,
// "series": [{"label", "color", "x", "y", "lo", "hi", "dashed", "markers"}]}]}. Each builder
// returns null when the sweep has nothing to draw for it, and appends to notes what it left
// out and why.
using Notes = std::vector<std::string>;

// Meta-train and meta-test success against env steps (the paper's Figures 4 and 5).
nlohmann::json success_figure(const SweepData& sweep, Notes& notes);
// Average rank of the methods against env steps, one panel per split (Figure 6).
nlohmann::json rank_figure(const SweepData& sweep, Notes& notes);
// Meta-test success per task against env steps, one small panel per task.
nlohmann::json task_figure(const SweepData& sweep, Notes& notes);
// Success by episode index within the trial at the final evaluation (adaptation).
nlohmann::json episode_figure(const SweepData& sweep, Notes& notes);

// Final meta-train and meta-test success per method, mean +- standard error over seeds.
std::string final_table(const SweepData& sweep);
// Final meta-train success as a K x S table (the paper's Table 1), one table per value of the
// other grid keys; empty unless agent.episodes and agent.seq_len are both grid keys.
std::string episodes_by_length_tables(const SweepData& sweep);

// "0.83 ± 0.04 (n=5)"; without the ± part for one seed; "–" for none.
std::string format_mean_se(const std::vector<double>& values);

}  // namespace htrmrl

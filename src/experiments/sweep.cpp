// Sweep planning: parsing --seeds and --grid, expanding and validating the combinations, and
// the sweep.json manifest that identifies a sweep directory.
#include "experiments/sweep.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <sstream>

#include "common/error.hpp"

namespace htrmrl {
namespace {

// Characters a grid value may hold: it becomes part of a directory name.
bool is_name_safe(const std::string& value) {
  const std::string punctuation = "._+-:";
  return std::all_of(value.begin(), value.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           punctuation.find(c) != std::string::npos;
  });
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.push_back("");
  return parts;
}

int64_t parse_seed(const std::string& text, const std::string& whole) {
  // At most 18 digits: every such number fits an int64_t.
  const bool digits = !text.empty() && text.size() <= 18 &&
                      std::all_of(text.begin(), text.end(), [](char c) {
                        return std::isdigit(static_cast<unsigned char>(c)) != 0;
                      });
  if (!digits)
    throw Error("--seeds expects N (seeds 1..N), A-B (seeds A..B) or a list a,b,c of "
                "non-negative integers, got '" + whole + "'");
  return std::stoll(text);
}

// apply_override's messages start with "--set: "; a grid value is not a --set.
std::string without_set_prefix(const std::string& message) {
  const std::string prefix = "--set: ";
  return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
}

std::string describe_grid(const std::vector<GridAxis>& grid) {
  if (grid.empty()) return "no grid";
  std::string text;
  for (const auto& axis : grid) {
    text += (text.empty() ? "" : " ") + axis.key + "=";
    for (size_t i = 0; i < axis.values.size(); ++i) text += (i ? "," : "") + axis.values[i];
  }
  return text;
}

std::string describe_seeds(const std::vector<int64_t>& seeds) {
  std::string text;
  for (size_t i = 0; i < seeds.size(); ++i) text += (i ? "," : "") + std::to_string(seeds[i]);
  return text;
}

// The first key whose value differs between two resolved configs (to_toml of one binary:
// same tables and keys in the same order), as "config key 'k' is a there and b here".
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream in_a(a), in_b(b);
  std::string line_a, line_b, section;
  while (std::getline(in_a, line_a) && std::getline(in_b, line_b)) {
    if (!line_a.empty() && line_a[0] == '[') section = line_a.substr(1, line_a.find(']') - 1);
    if (line_a == line_b) continue;
    const std::string key = line_a.substr(0, line_a.find(" = "));
    const auto value = [&](const std::string& line) { return line.substr(line.find(" = ") + 3); };
    return "config key '" + (section.empty() ? key : section + "." + key) + "' is " +
           value(line_a) + " there and " + value(line_b) + " here";
  }
  return "the config differs";
}

}  // namespace

std::vector<int64_t> parse_seeds(const std::string& text) {
  std::vector<int64_t> seeds;
  if (text.find(',') != std::string::npos) {
    for (const auto& part : split(text, ',')) seeds.push_back(parse_seed(part, text));
    if (std::set<int64_t>(seeds.begin(), seeds.end()).size() != seeds.size())
      throw Error("--seeds '" + text + "' lists a seed twice");
    return seeds;
  }
  if (const auto dash = text.find('-'); dash != std::string::npos) {
    const int64_t first = parse_seed(text.substr(0, dash), text);
    const int64_t last = parse_seed(text.substr(dash + 1), text);
    if (last < first) throw Error("--seeds '" + text + "': the range is empty");
    for (int64_t s = first; s <= last; ++s) seeds.push_back(s);
    return seeds;
  }
  const int64_t count = parse_seed(text, text);
  if (count < 1) throw Error("--seeds N needs N >= 1, got '" + text + "'");
  for (int64_t s = 1; s <= count; ++s) seeds.push_back(s);
  return seeds;
}

GridAxis parse_grid(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Error("--grid expects key=value1,value2,..., got '" + text + "'");
  GridAxis axis{text.substr(0, eq), split(text.substr(eq + 1), ',')};
  if (axis.values.empty()) throw Error("--grid " + axis.key + ": no values given");
  for (const auto& value : axis.values) {
    if (value.empty()) throw Error("--grid " + axis.key + ": empty value in '" + text + "'");
    if (!is_name_safe(value))
      throw Error("--grid " + axis.key + ": value '" + value +
                  "' may hold only letters, digits and . _ + - : (it names a directory)");
  }
  return axis;
}

SweepPlan plan_sweep(const SweepRequest& request) {
  // Refuse ambiguous requests: the seed swept by hand, a key swept twice or also --set.
  if (request.seeds.empty()) throw Error("--seeds: no seeds given");
  std::set<std::string> swept;
  for (const auto& axis : request.grid) {
    if (axis.key == "seed") throw Error("--grid seed: seeds come from --seeds");
    if (!swept.insert(axis.key).second) throw Error("--grid " + axis.key + " is given twice");
    if (std::set<std::string>(axis.values.begin(), axis.values.end()).size() != axis.values.size())
      throw Error("--grid " + axis.key + " lists a value twice");
  }
  for (const auto& set : request.sets) {
    const std::string key = set.substr(0, set.find('='));
    if (key == "seed") throw Error("--set seed: seeds come from --seeds");
    if (swept.count(key)) throw Error("config key '" + key + "' is both --set and --grid");
  }

  // The base: the file plus the --set overrides.
  SweepPlan plan{request, "", {}};
  Config base = load_config(request.config_path);
  for (const auto& set : request.sets) apply_override(base, set);
  plan.base_toml = to_toml(base);

  // Seeds outermost, then the grid like an odometer whose first key turns slowest.
  std::map<std::string, std::string> name_of_config;
  for (int64_t seed : request.seeds) {
    std::vector<size_t> index(request.grid.size(), 0);
    while (true) {
      SweepRun run;
      run.seed = seed;
      for (size_t k = 0; k < request.grid.size(); ++k)
        run.overrides.emplace_back(request.grid[k].key, request.grid[k].values[index[k]]);
      for (const auto& [key, value] : run.overrides)
        run.method += (run.method.empty() ? "" : ",") + key + "=" + value;
      run.name = (run.method.empty() ? "" : run.method + ",") + "seed=" + std::to_string(seed);
      if (run.method.empty()) run.method = "default";
      run.overrides.emplace_back("seed", std::to_string(seed));
      run.config = base;
      try {
        for (const auto& [key, value] : run.overrides)
          apply_override(run.config, key + "=" + value);
      } catch (const Error& e) {
        throw Error("run " + run.name + ": " + without_set_prefix(e.what()));
      }
      const auto [it, fresh] = name_of_config.emplace(to_toml(run.config), run.name);
      if (!fresh)
        throw Error("runs " + it->second + " and " + run.name +
                    " would be the same run (same resolved config)");
      plan.runs.push_back(std::move(run));
      // Advance the odometer: the last key turns fastest.
      size_t k = request.grid.size();
      while (k > 0 && ++index[k - 1] == request.grid[k - 1].values.size()) index[--k] = 0;
      if (k == 0) break;
    }
  }
  return plan;
}

nlohmann::ordered_json sweep_manifest(const SweepPlan& plan) {
  const SweepRequest& r = plan.request;
  nlohmann::ordered_json grid = nlohmann::ordered_json::array();
  for (const auto& axis : r.grid) grid.push_back({{"key", axis.key}, {"values", axis.values}});
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (const auto& run : plan.runs) {
    nlohmann::ordered_json overrides = nlohmann::ordered_json::object();
    for (const auto& [key, value] : run.overrides) overrides[key] = value;
    runs.push_back({{"name", run.name}, {"dir", run.dir()}, {"method", run.method},
                    {"seed", run.seed}, {"overrides", overrides}});
  }
  return {{"config", r.config_path}, {"sets", r.sets},         {"seeds", r.seeds},
          {"grid", grid},            {"runs", runs},           {"base_config", plan.base_toml}};
}

void check_same_sweep(const nlohmann::json& stored, const SweepPlan& plan,
                      const std::string& manifest_path) {
  const std::string refuse = "'" + manifest_path + "' holds another sweep: ";
  const std::string advice = "; use another --out, or repeat that sweep's options to resume it";
  std::vector<GridAxis> grid;
  std::vector<int64_t> seeds;
  std::string base_text;
  try {
    for (const auto& axis : stored.at("grid"))
      grid.push_back({axis.at("key").get<std::string>(),
                      axis.at("values").get<std::vector<std::string>>()});
    seeds = stored.at("seeds").get<std::vector<int64_t>>();
    base_text = stored.at("base_config").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + manifest_path + "' is not a sweep manifest: " + e.what());
  }
  if (describe_grid(grid) != describe_grid(plan.request.grid))
    throw Error(refuse + "its grid is '" + describe_grid(grid) + "', this command's is '" +
                describe_grid(plan.request.grid) + "'" + advice);
  if (seeds != plan.request.seeds)
    throw Error(refuse + "its seeds are " + describe_seeds(seeds) + ", this command's are " +
                describe_seeds(plan.request.seeds) + advice);
  // Re-resolved by this binary, so keys added since take their defaults on both sides.
  const std::string stored_base =
      to_toml(parse_config(base_text, manifest_path + " (base_config)"));
  if (stored_base != plan.base_toml)
    throw Error(refuse + first_difference(stored_base, plan.base_toml) + advice);
}

}  // namespace htrmrl

#include "evaluation/evaluation_log.hpp"

#include <filesystem>
#include <sstream>

#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {

std::vector<std::string> evaluation_lines_until(const std::string& text, const std::string& path,
                                                int64_t keep_until) {
  std::vector<std::string> kept;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("iteration") || !j["iteration"].is_number_integer())
      throw Error("'" + path + "' line " + std::to_string(number) +
                  " is not an evaluation record");
    if (j["iteration"].get<int64_t>() <= keep_until) kept.push_back(line);
  }
  return kept;
}

EvaluationLog::EvaluationLog(std::string path, int64_t keep_until) : path_(std::move(path)) {
  if (!std::filesystem::exists(path_)) return;  // a new run
  lines_ = evaluation_lines_until(read_file(path_), path_, keep_until);
  write();
}

void EvaluationLog::append(const EvalRecord& record) {
  lines_.push_back(to_json(record).dump());
  write();
}

void EvaluationLog::write() const {
  std::string text;
  for (const auto& l : lines_) text += l + "\n";
  write_file_atomic(path_, text);
}

}  // namespace htrmrl

#include "evaluation/evaluation_log.hpp"

#include <fstream>

#include "common/error.hpp"
#include "common/files.hpp"

namespace htrmrl {

EvaluationLog::EvaluationLog(std::string path, int64_t keep_until) : path_(std::move(path)) {
  std::ifstream in(path_);
  if (!in) return;  // a new run
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("iteration") || !j["iteration"].is_number_integer())
      throw Error("'" + path_ + "' line " + std::to_string(number) +
                  " is not an evaluation record");
    if (j["iteration"].get<int64_t>() <= keep_until) lines_.push_back(line);
  }
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

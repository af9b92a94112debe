// evaluations.jsonl: one JSON object per line, one per (evaluation, split), in the order
// they ran. Rewritten whole and atomically at each append, so a reader (or a killed run)
// never sees a torn line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evaluation/evaluate.hpp"

namespace htrmrl {

// The lines of an evaluations.jsonl text whose iteration is <= keep_until; throws
// htrmrl::Error naming `path` and the line when a line is not an evaluation record.
std::vector<std::string> evaluation_lines_until(const std::string& text, const std::string& path,
                                                int64_t keep_until);

class EvaluationLog {
 public:
  // Keeps only the lines of iterations <= keep_until: a resumed run re-runs the iterations
  // after its checkpoint, evaluations included.
  EvaluationLog(std::string path, int64_t keep_until);
  void append(const EvalRecord& record);

 private:
  void write() const;

  std::string path_;
  std::vector<std::string> lines_;
};

}  // namespace htrmrl

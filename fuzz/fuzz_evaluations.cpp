// evaluations.jsonl, as `htrmrl report` reads it and as `htrmrl train --resume` keeps its
// lines up to the checkpoint's iteration.
#include "evaluation/evaluation_log.hpp"
#include "fuzz_reader.hpp"
#include "reports/sweep_data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  htrmrl::fuzz::read_or_refuse(data, size, [](const std::string& text) {
    htrmrl::parse_evaluations(text, "evaluations.jsonl");
  });
  return htrmrl::fuzz::read_or_refuse(data, size, [](const std::string& text) {
    htrmrl::evaluation_lines_until(text, "evaluations.jsonl", 20);
  });
}

// metrics.csv, as a resumed run reads it to keep the rows up to its checkpoint. The first byte
// picks the iteration kept up to; the rest is the file. Beyond reading or refusing: what is
// kept, read again with the same bound, is kept unchanged (a second resume changes nothing).
#include <cstdlib>

#include "fuzz_reader.hpp"
#include "training/metrics.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t keep_until = data[0];
  const std::vector<std::string> header = {"iteration", "env_steps", "train_success"};
  return htrmrl::fuzz::read_or_refuse(data + 1, size - 1, [&](const std::string& text) {
    const htrmrl::KeptMetrics kept =
        htrmrl::keep_metrics_rows(text, keep_until, header, "metrics.csv");
    const htrmrl::KeptMetrics again =
        htrmrl::keep_metrics_rows(kept.text, keep_until, header, "metrics.csv");
    if (again.text != kept.text || again.env_steps != kept.env_steps) std::abort();
  });
}

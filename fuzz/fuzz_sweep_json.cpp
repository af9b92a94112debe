// sweep.json, a sweep's manifest, as `htrmrl report` reads it.
#include "fuzz_reader.hpp"
#include "reports/sweep_data.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return htrmrl::fuzz::read_or_refuse(data, size, [](const std::string& text) {
    htrmrl::parse_sweep_manifest(text, "sweep", "sweep/sweep.json");
  });
}

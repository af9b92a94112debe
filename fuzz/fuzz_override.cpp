// `--set key=value` overrides, applied to the default config.
#include "fuzz_reader.hpp"
#include "training/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const htrmrl::Config defaults = htrmrl::parse_config("", "defaults");
  return htrmrl::fuzz::read_or_refuse(data, size, [](const std::string& assignment) {
    htrmrl::Config config = defaults;
    htrmrl::apply_override(config, assignment);
  });
}

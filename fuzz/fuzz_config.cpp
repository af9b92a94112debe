// The TOML config reader (`htrmrl train --config`), and its writer: a config it accepts
// must survive the trip through to_toml unchanged, since resume and sweeps re-read the
// resolved file a run writes.
#include <cstdlib>

#include "fuzz_reader.hpp"
#include "training/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return htrmrl::fuzz::read_or_refuse(data, size, [](const std::string& text) {
    const std::string resolved = htrmrl::to_toml(htrmrl::parse_config(text, "fuzz.toml"));
    if (htrmrl::to_toml(htrmrl::parse_config(resolved, "resolved.toml")) != resolved) std::abort();
  });
}

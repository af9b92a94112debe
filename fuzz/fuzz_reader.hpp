// The one rule every fuzz target checks: a reader of outside input either reads it or refuses
// it with htrmrl::Error (the command line's "error: ..." and exit 2). Any other exception
// escapes LLVMFuzzerTestOneInput and libFuzzer reports it as a crash, because the command line
// would report it as an internal error (exit 3); memory errors are the sanitizers' to find.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace htrmrl::fuzz {

template <typename Read>
int read_or_refuse(const uint8_t* data, size_t size, Read&& read) {
  try {
    read(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace htrmrl::fuzz

// One exception type for every input the user can get wrong (config, CLI, files, checkpoints).
// Commands catch it at the top, print its message once and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace htrmrl {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace htrmrl

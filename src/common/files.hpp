// Small file helpers shared by the commands.
#pragma once

#include <string>

namespace htrmrl {

// Writes text to path through a temporary file and a rename: never half-written.
void write_file_atomic(const std::string& path, const std::string& text);
// The whole file, or htrmrl::Error naming it.
std::string read_file(const std::string& path);

}  // namespace htrmrl

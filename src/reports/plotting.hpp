// Drawing: the report's figures are drawn by plots.py (embedded in the binary at build time,
// run with Debian's python3 and python3-matplotlib; t-SNE with python3-sklearn).
#pragma once

#include <string>

namespace htrmrl {

// The Python interpreter used: $HTRMRL_PYTHON if set, else /usr/bin/python3 (where Debian's
// python3-matplotlib installs) if it exists, else python3 from PATH.
std::string python_interpreter();

// Writes the embedded script to a temporary file and runs it on spec_path, drawing every
// figure into out_dir. A missing interpreter or module throws htrmrl::Error naming the
// Debian package to install; any other failure throws with the script's output.
void draw_figures(const std::string& spec_path, const std::string& out_dir);

}  // namespace htrmrl

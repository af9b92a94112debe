#include "reports/plotting.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "common/error.hpp"
#include "common/files.hpp"
#include "reports/plots_script.hpp"

namespace htrmrl {
namespace {

// A shell word that stands for s exactly.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a shell command; returns its exit code and its output (stdout and stderr).
std::pair<int, std::string> run_capturing(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw Error("cannot start '" + command + "'");
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

std::string python_interpreter() {
  if (const char* chosen = std::getenv("HTRMRL_PYTHON"); chosen && *chosen) return chosen;
  if (access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

void draw_figures(const std::string& spec_path, const std::string& out_dir) {
  namespace fs = std::filesystem;
  const fs::path script =
      fs::temp_directory_path() / ("htrmrl_plots_" + std::to_string(getpid()) + ".py");
  write_file_atomic(script.string(), kPlotsScript);
  const std::string python = python_interpreter();
  const auto [code, output] = run_capturing(quoted(python) + " " + quoted(script.string()) + " " +
                                            quoted(spec_path) + " " + quoted(out_dir));
  fs::remove(script);
  if (code == 127)
    throw Error("cannot run '" + python + "' to draw the plots: install Debian's "
                "python3-matplotlib (apt-get install python3-matplotlib)");
  if (code == 3) {
    const auto at = output.find("missing: ");
    const std::string package =
        at == std::string::npos ? "python3-matplotlib" : output.substr(at + 9, output.find('\n', at) - at - 9);
    throw Error("drawing the plots needs " + package + " for " + python + ": apt-get install " +
                package);
  }
  if (code != 0) throw Error("the plotting script failed (exit " + std::to_string(code) + "):\n" + output);
}

}  // namespace htrmrl

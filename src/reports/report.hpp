// htrmrl report: a sweep's figures and tables as SWEEP/report/ (report.md embedding PNG plots,
// an SVG beside each, and the plotted numbers under data/).
#pragma once

#include <string>

namespace htrmrl {

struct ReportOptions {
  std::string command;  // the command line that made the report, quoted in report.md
  bool embeddings = true;  // play trials for the t-SNE map of task embeddings
};

// Reads the sweep, computes every figure and table, draws them and replaces SWEEP/report
// as a whole (built in a staging directory, then renamed): a failure leaves any previous
// report as it was. Returns the report directory.
std::string write_report(const std::string& sweep_dir, const ReportOptions& options);

}  // namespace htrmrl

// quotecast-loadgen: a WebSocket load generator for quotecast and other Socket.IO
// servers of the same contract (docs: apps/loadgen/README.md, --help). Loopback only.

#include <sys/resource.h>

#include <fstream>
#include <iostream>

#include "apps/loadgen/options.hpp"
#include "apps/loadgen/runner.hpp"

namespace {

// Many connections need many descriptors: the soft limit goes up to the hard one.
void raise_descriptor_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

} // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto opts = qc::loadgen::parse_options(argc, argv, exit_code);
  if (!opts)
    return exit_code;
  raise_descriptor_limit();
  try {
    const auto report = qc::loadgen::run(*opts);
    const auto json = qc::loadgen::summary_json(*opts, report);
    std::cout << json << std::flush;
    if (!opts->output.empty()) {
      std::ofstream out(opts->output);
      out << json;
      if (!out) {
        std::cerr << "quotecast-loadgen: cannot write " << opts->output << "\n";
        return 1;
      }
    }
    if (report.interrupted || report.counts.made == 0 || !report.notes.empty())
      return 1;
  } catch (const std::exception& e) {
    std::cerr << "quotecast-loadgen: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

#pragma once
// Runs one loaded scenario from its first step to its last (or first failure) against
// a broker it starts or one given by URL, and says how it went.
#include "apps/scenario/scenario.hpp"

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

namespace qc::scenario {

struct run_options {
  std::filesystem::path broker_binary;  // used when url is empty
  std::string url;                      // a running broker, e.g. http://127.0.0.1:8080
  std::vector<std::string> broker_args; // before the scenario's own broker args
  bool verbose = false;                 // print each step as it runs
};

struct scenario_result {
  std::string name;
  std::filesystem::path path;
  bool passed = false;
  std::chrono::milliseconds elapsed{0};
  std::string failure;  // what failed, readable; empty when passed
};

// Never throws: a broker that does not start is a failed scenario too.
// Progress (verbose) goes to `log`.
scenario_result run_scenario(const scenario& sc, const run_options& options, std::ostream& log);

}  // namespace qc::scenario

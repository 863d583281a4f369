// quotecast-scenario: runs scenario files (tests/scenarios/*.json, docs/SCENARIOS.md)
// against a broker it starts per file, or against a running one (--url).
//   quotecast-scenario [--broker=PATH | --url=http://127.0.0.1:PORT] [--broker-arg=--x=y ...]
//                      [--verbose] FILE_OR_DIR...
// Exit code 0 when every scenario passed, 1 when one failed, 2 on bad usage.

#include "apps/scenario/loader.hpp"
#include "apps/scenario/report.hpp"
#include "apps/scenario/runner.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;
using namespace qc::scenario;

namespace {

constexpr const char* kUsage =
    "usage: quotecast-scenario [--broker=PATH | --url=http://HOST:PORT] [--broker-arg=--x=y ...] [--verbose] "
    "FILE_OR_DIR...\n"
    "  Runs each scenario file (a directory: its *.json files, sorted). Without --url, a fresh broker is\n"
    "  started per file (default binary: `quotecast` next to this program). See docs/SCENARIOS.md.\n";

// The broker built beside this runner, as the build lays them out.
fs::path default_broker() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path("quotecast") : self.parent_path() / "quotecast";
}

// Files as given; directories as their *.json files in name order (not recursive, so
// tests/scenarios/failing/ is not picked up by running tests/scenarios/).
std::vector<fs::path> collect(const std::vector<std::string>& inputs, std::vector<std::string>& errors) {
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    if (fs::is_directory(in)) {
      std::vector<fs::path> found;
      for (const auto& e : fs::directory_iterator(in))
        if (e.is_regular_file() && e.path().extension() == ".json") found.push_back(e.path());
      std::sort(found.begin(), found.end());
      if (found.empty()) errors.push_back(in + ": no *.json scenario files");
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(in)) {
      files.emplace_back(in);
    } else {
      errors.push_back(in + ": no such file or directory");
    }
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  run_options options;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--broker=", 0) == 0) options.broker_binary = a.substr(9);
    else if (a.rfind("--url=", 0) == 0) options.url = a.substr(6);
    else if (a.rfind("--broker-arg=", 0) == 0) options.broker_args.push_back(a.substr(13));
    else if (a == "--verbose" || a == "-v") options.verbose = true;
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a.rfind("--", 0) == 0) {
      std::cerr << "unknown option " << a << "\n" << kUsage;
      return 2;
    } else inputs.push_back(a);
  }
  if (inputs.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (!options.url.empty() && !options.broker_binary.empty()) {
    std::cerr << "--broker and --url exclude each other\n";
    return 2;
  }
  if (options.url.empty() && options.broker_binary.empty()) options.broker_binary = default_broker();

  std::vector<std::string> errors;
  const auto files = collect(inputs, errors);
  for (const auto& e : errors) std::cerr << e << "\n";
  if (!errors.empty()) return 2;

  std::vector<scenario_result> results;
  for (const auto& file : files) {
    scenario_result r;
    try {
      const scenario sc = load_scenario(file);
      if (options.verbose) std::cout << "RUN  " << sc.name << ": " << sc.description << std::endl;
      r = run_scenario(sc, options, std::cout);
    } catch (const load_error& e) {
      r = scenario_result{file.stem().string(), file, false, std::chrono::milliseconds(0),
                          std::string("bad scenario file: ") + e.what()};
    }
    print_result(std::cout, r);
    results.push_back(std::move(r));
  }
  print_summary(std::cout, results);
  const bool all_passed = std::all_of(results.begin(), results.end(), [](const auto& r) { return r.passed; });
  return all_passed ? 0 : 1;
}

#include "apps/scenario/report.hpp"

#include <ostream>

namespace qc::scenario {

void print_result(std::ostream& out, const scenario_result& r) {
  out << (r.passed ? "PASS " : "FAIL ") << r.name << " (" << r.elapsed.count() << " ms)";
  if (!r.passed) out << "  " << r.path.string() << "\n  " << r.failure;
  out << std::endl;
}

void print_summary(std::ostream& out, const std::vector<scenario_result>& results) {
  std::size_t passed = 0;
  std::chrono::milliseconds total{0};
  for (const auto& r : results) {
    passed += r.passed ? 1 : 0;
    total += r.elapsed;
  }
  const std::size_t failed = results.size() - passed;
  if (failed > 0) {
    out << "failed:";
    for (const auto& r : results)
      if (!r.passed) out << " " << r.name;
    out << "\n";
  }
  out << passed << " passed, " << failed << " failed (" << total.count() << " ms)" << std::endl;
}

}  // namespace qc::scenario

#pragma once
// What the runner prints: one line per scenario (with the failure under it) and the
// final `N passed, M failed` line.
#include "apps/scenario/runner.hpp"

#include <iosfwd>
#include <vector>

namespace qc::scenario {

void print_result(std::ostream& out, const scenario_result& r);
void print_summary(std::ostream& out, const std::vector<scenario_result>& results);

}  // namespace qc::scenario

#pragma once
// Partial matching of a received JSON payload against a pattern from a scenario:
//   objects     only the pattern's keys are checked; "$absent" means the key must not be there
//   arrays      same length, element by element
//   scalars     equal (numbers by value: 2 matches 2.0)
//   "$any"                  present, any value
//   "$capture:NAME"         present, any value, remembered as ${NAME}
//   {"$range":[lo,hi]}      a number with lo <= x <= hi
//   {"$type":"string"}      string, number, integer, boolean, array, object or null
//   {"$contains":[p, ...]}  an array with, for each p, an element matching p (any order)
//   {"$size":N}             an array (or object) with N elements (members)
// The pattern's ${NAME} references are substituted by the caller (variables.hpp).
#include "apps/scenario/variables.hpp"

#include <optional>
#include <string>

namespace qc::scenario {

// nullopt on a match; otherwise the first difference, e.g.
// `at /members: expected 2, got 3` or `at /sid: missing`.
// Captures are stored in `vars` as they match.
std::optional<std::string> match_json(const std::string& pattern, const std::string& actual, variables& vars);

}  // namespace qc::scenario

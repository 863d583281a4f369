#pragma once
// Reads a scenario file (JSON, schema in docs/SCENARIOS.md). A bad file is an error
// that names the file and the place: `x.json: steps[3] (expect): unknown field "evnet"`.
// Unknown fields are errors rather than ignored, so a typo cannot silently weaken a test.
#include "apps/scenario/scenario.hpp"

#include <filesystem>
#include <stdexcept>

namespace qc::scenario {

struct load_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws load_error.
scenario load_scenario(const std::filesystem::path& file);

}  // namespace qc::scenario

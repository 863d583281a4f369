#pragma once
// One load-generator run: the workers, the coordinator that moves the run through its
// phases (connect, settle, publish or hold, drain), the progress lines, and the report.

#include "apps/loadgen/options.hpp"
#include "apps/loadgen/report.hpp"

namespace qc::loadgen {

/// Runs the load as the options say; stops by itself. SIGINT or SIGTERM end it early
/// (the report says `interrupted`).
run_report run(const options& o);

} // namespace qc::loadgen

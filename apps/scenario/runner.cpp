#include "apps/scenario/runner.hpp"

#include "apps/scenario/broker_target.hpp"
#include "apps/scenario/step_executor.hpp"

#include <optional>
#include <ostream>
#include <stdexcept>

namespace qc::scenario {

namespace {

using clock = std::chrono::steady_clock;

ms since(clock::time_point t) { return std::chrono::duration_cast<ms>(clock::now() - t); }

std::optional<broker_target> make_target(const scenario& sc, const run_options& o) {
  if (!o.url.empty()) {
    if (!sc.auth_mode.empty())
      throw std::runtime_error("\"auth\" scenarios need a broker the runner starts (its JWT secret is made per run), "
                               "not --url");
    return broker_target::at_url(o.url);
  }
  std::vector<std::string> args = o.broker_args;
  args.insert(args.end(), sc.broker_args.begin(), sc.broker_args.end());
  if (!sc.auth_mode.empty()) return broker_target::start_with_jwt(o.broker_binary, sc.auth_mode, args);
  return broker_target::start(o.broker_binary, args);
}

}  // namespace

scenario_result run_scenario(const scenario& sc, const run_options& options, std::ostream& log) {
  scenario_result result{sc.name, sc.path, false, ms(0), ""};
  const auto start = clock::now();
  std::optional<broker_target> broker;
  try {
    broker = make_target(sc, options);
  } catch (const std::exception& e) {
    result.failure = std::string("the broker did not start: ") + e.what();
    result.elapsed = since(start);
    return result;
  }
  if (options.verbose) {
    const auto where = broker->where();
    log << "  " << sc.name << ": broker at " << where.host << ":" << where.port << "\n";
  }
  {
    step_executor exec(sc, *broker);
    for (std::size_t i = 0; i < sc.steps.size(); ++i) {
      const step& s = sc.steps[i];
      const auto step_start = clock::now();
      try {
        exec.run(s);
      } catch (const step_failure& e) {
        result.failure = "step " + std::to_string(i + 1) + "/" + std::to_string(sc.steps.size()) + " `" + s.summary +
                         "`" + (s.note.empty() ? "" : " (" + s.note + ")") + " failed after " +
                         std::to_string(since(step_start).count()) + " ms:\n    " + e.what();
        if (options.verbose && broker->started_here()) result.failure += "\n  broker output:\n" + broker->output_tail();
        break;
      }
      if (options.verbose)
        log << "    ok   " << (i + 1) << " " << s.summary << " (" << since(step_start).count() << " ms)\n";
    }
  }
  result.passed = result.failure.empty();
  result.elapsed = since(start);
  return result;
}

}  // namespace qc::scenario

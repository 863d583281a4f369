#pragma once
// Carries out steps one at a time for one scenario run: owns the clients' connections,
// the captured variables and the broker target. A failed step throws step_failure with
// a readable account of what was expected and what arrived.
#include "apps/scenario/broker_target.hpp"
#include "apps/scenario/connection.hpp"
#include "apps/scenario/scenario.hpp"
#include "apps/scenario/variables.hpp"

#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace qc::scenario {

struct step_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class step_executor {
public:
  step_executor(const scenario& sc, broker_target& broker) : sc_(sc), broker_(broker) {
    if (broker.jwt_secret()) vars_.set_jwt_secret(*broker.jwt_secret());
  }
  ~step_executor();  // drops every connection still open

  void run(const step& s);

private:
  void do_step(const connect_step& s);
  void do_step(const reconnect_step& s);
  void do_step(const emit_step& s);
  void do_step(const send_raw_step& s);
  void do_step(const expect_step& s);
  void do_step(const expect_none_step& s);
  void do_step(const expect_closed_step& s);
  void do_step(const wait_step& s);
  void do_step(const disconnect_step& s);
  void do_step(const drop_step& s);
  void do_step(const restart_broker_step& s);
  void do_step(const publish_step& s);
  void do_step(const http_step& s);

  connection& conn(const std::string& client);
  void open(const std::string& client, std::optional<recovery_data> recovery, const std::optional<std::string>& reply,
            const std::optional<std::string>& refused);
  // Matches `pattern` (after ${} substitution) against `actual`; throws step_failure
  // with `what` on a mismatch.
  void check(const std::string& what, const std::string& pattern, const std::string& actual);
  void emit_with_ack(const std::string& client, const std::string& event, const std::string& data,
                     const std::optional<std::string>& ack_pattern);

  // Waits on one connection in short slices and lets every other open connection read
  // in between, so no client misses its heartbeat while a step waits on another one.
  // `attempt(slice)` returns its result when done; the last attempt's result is returned.
  template <class Attempt>
  auto wait_on(connection& c, ms timeout, Attempt attempt);
  void let_others_read(const connection& busy);

  const scenario& sc_;
  broker_target& broker_;
  std::map<std::string, std::unique_ptr<connection>> conns_;
  variables vars_;
  std::uint64_t next_ack_ = 1;
  ms timeout_{3000};  // the current step's
};

}  // namespace qc::scenario

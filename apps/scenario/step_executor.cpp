#include "apps/scenario/step_executor.hpp"

#include "apps/scenario/matcher.hpp"
#include "tests/support/http_client.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

namespace qc::scenario {

namespace {

std::string shorten(const std::string& s, std::size_t n = 400) { return s.size() > n ? s.substr(0, n) + "..." : s; }

}  // namespace

step_executor::~step_executor() {
  for (auto& [name, c] : conns_)
    if (c && c->is_open()) c->drop();
}

void step_executor::run(const step& s) {
  timeout_ = s.timeout.value_or(sc_.default_timeout);
  try {
    std::visit([this](const auto& action) { do_step(action); }, s.action);
  } catch (const unknown_variable& e) {
    throw step_failure(e.what());
  } catch (const std::invalid_argument& e) {
    throw step_failure(e.what());
  }
}

template <class Attempt>
auto step_executor::wait_on(connection& c, ms timeout, Attempt attempt) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const ms slice{20};
  for (;;) {
    const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    auto r = attempt(std::max(ms(0), std::min(slice, left)));
    if (r || left <= slice || !c.is_open()) return r;
    let_others_read(c);
  }
}

void step_executor::let_others_read(const connection& busy) {
  for (auto& [name, c] : conns_)
    if (c && c.get() != &busy && c->is_open()) c->idle(ms(5));  // long enough for the client to run its I/O at least once
}

connection& step_executor::conn(const std::string& client) {
  auto it = conns_.find(client);
  if (it == conns_.end() || !it->second) throw step_failure("client " + client + " has not connected yet (add a connect step)");
  return *it->second;
}

void step_executor::check(const std::string& what, const std::string& pattern, const std::string& actual) {
  const std::string expected = vars_.substitute_json(pattern);
  if (auto diff = match_json(expected, actual, vars_))
    throw step_failure(what + " did not match\n    expected: " + shorten(expected) + "\n    arrived:  " + shorten(actual) +
                       "\n    mismatch: " + *diff);
}

void step_executor::open(const std::string& client, std::optional<recovery_data> recovery,
                         const std::optional<std::string>& reply, const std::optional<std::string>& refused) {
  const client_spec& spec = sc_.clients.at(client);
  connect_request req;
  req.user = vars_.substitute_text(spec.user);
  for (const auto& [k, v] : spec.headers) req.headers[k] = vars_.substitute_text(v);
  req.query = vars_.substitute_text(spec.query);
  if (spec.auth) req.auth = vars_.substitute_json(*spec.auth);
  req.auto_pong = spec.auto_pong;
  req.recovery = std::move(recovery);

  auto c = make_connection(spec.kind);
  const auto result = c->connect(broker_.where(), req, timeout_);
  const auto where = broker_.where();
  const std::string to = " to " + where.host + ":" + std::to_string(where.port);
  conns_[client] = std::move(c);  // kept even when refused: expect_closed may follow
  if (!result.answered) throw step_failure("no answer" + to + ": " + result.error);
  if (refused) {
    if (result.accepted) throw step_failure("expected the connection to be refused, but it was accepted: " + result.reply);
    check("the refusal", *refused, result.reply);
    return;
  }
  if (!result.accepted) throw step_failure("the connection" + to + " was refused: " + result.reply);
  if (reply) check("the CONNECT reply", *reply, result.reply);
}

void step_executor::do_step(const connect_step& s) {
  if (auto it = conns_.find(s.client); it != conns_.end() && it->second && it->second->is_open())
    throw step_failure("client " + s.client + " is already connected (disconnect or drop it first, or use reconnect)");
  open(s.client, std::nullopt, s.reply, s.refused);
}

void step_executor::do_step(const reconnect_step& s) {
  connection& old = conn(s.client);
  std::optional<recovery_data> recovery;
  if (s.recover) {
    recovery = old.recovery();
    if (!recovery)
      throw step_failure("cannot recover " + s.client +
                         ": the broker offered no recovery id (no \"pid\" in the socket.io CONNECT reply, no "
                         "\"resume_token\" in the ws connect_response)");
  }
  if (old.is_open()) old.drop();
  open(s.client, std::move(recovery), s.reply, std::nullopt);
}

void step_executor::emit_with_ack(const std::string& client, const std::string& event, const std::string& data,
                                  const std::optional<std::string>& ack_pattern) {
  connection& c = conn(client);
  std::optional<std::uint64_t> id;
  if (ack_pattern) id = next_ack_++;
  if (!c.emit(event, vars_.substitute_json(data), id))
    throw step_failure("could not send " + event + " from " + client + "; " + c.describe());
  if (!id) return;
  auto ack = wait_on(c, timeout_, [&](ms slice) { return c.wait_ack(*id, slice); });
  if (!ack) throw step_failure("no ack for " + event + " within " + std::to_string(timeout_.count()) + " ms: " + ack.error());
  check("the ack of " + event, *ack_pattern, *ack);
}

void step_executor::do_step(const emit_step& s) {
  for (int i = 0; i < s.repeat; ++i) emit_with_ack(s.client, s.event, s.data, s.ack);
}

void step_executor::do_step(const send_raw_step& s) {
  connection& c = conn(s.client);
  if (!c.send_raw(vars_.substitute_text(s.frame))) throw step_failure("could not send the frame; " + c.describe());
}

void step_executor::do_step(const expect_step& s) {
  connection& c = conn(s.client);
  auto e = wait_on(c, timeout_, [&](ms slice) { return c.next_event(s.event, slice); });
  if (!e)
    throw step_failure("expected " + s.event + (s.data ? " " + shorten(vars_.substitute_json(*s.data)) : "") +
                       " within " + std::to_string(timeout_.count()) + " ms\n    " + e.error());
  if (s.data) check("the " + s.event + " payload", *s.data, e->payload);
}

void step_executor::do_step(const expect_none_step& s) {
  connection& c = conn(s.client);
  struct quiet {  // "true" ends the wait early: an event arrived
    bool arrived;
    explicit operator bool() const { return arrived; }
  };
  const quiet q = wait_on(c, s.duration, [&](ms slice) { return quiet{!c.expect_no_event(s.event, slice)}; });
  if (!q.arrived) return;
  auto e = c.next_event(s.event, ms(0));
  throw step_failure("expected no " + s.event + " for " + std::to_string(s.duration.count()) + " ms, but one arrived: " +
                     (e ? shorten(e->raw) : e.error()));
}

void step_executor::do_step(const expect_closed_step& s) {
  connection& c = conn(s.client);
  auto closed = wait_on(c, timeout_, [&](ms slice) { return c.wait_closed(slice); });
  if (!closed)
    throw step_failure("expected the connection to close within " + std::to_string(timeout_.count()) + " ms: " +
                       closed.error());
  if (s.code && closed->close_code != *s.code)
    throw step_failure("expected close code " + std::to_string(*s.code) + ", got " + closed->describe());
}

void step_executor::do_step(const wait_step& s) {
  // Keep reading every open connection meanwhile, so pings are answered and nothing stalls.
  const auto deadline = std::chrono::steady_clock::now() + s.duration;
  const ms slice{20};
  for (;;) {
    bool any_open = false;
    for (auto& [name, c] : conns_) {
      const auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return;
      if (c && c->is_open()) {
        any_open = true;
        c->idle(std::min(slice, left));
      }
    }
    if (!any_open) {
      std::this_thread::sleep_until(deadline);
      return;
    }
  }
}

void step_executor::do_step(const disconnect_step& s) { conn(s.client).close(); }

void step_executor::do_step(const drop_step& s) { conn(s.client).drop(); }

void step_executor::do_step(const restart_broker_step& s) {
  try {
    broker_.restart(s.kill9);
  } catch (const std::runtime_error& e) {
    throw step_failure(e.what());
  }
}

void step_executor::do_step(const publish_step& s) {
  if (s.client != "http") {
    // Without an expected ack, still ask for one: a publish is confirmed by its ack.
    emit_with_ack(s.client, "publish", s.ticks, s.ack.value_or("\"$any\""));
    return;
  }
  http_step h{"POST", "/publish", s.ticks, s.status, s.ack, s.headers};
  do_step(h);
}

void step_executor::do_step(const http_step& s) {
  const auto where = broker_.where();
  std::map<std::string, std::string> headers;
  if (!s.body.empty()) headers["Content-Type"] = "application/json";
  for (const auto& [k, v] : s.headers) headers[k] = vars_.substitute_text(v);
  auto r = qc::test::http_request(s.method, where.host, where.port, s.target, vars_.substitute_json(s.body), headers,
                                  timeout_);
  if (r.status == 0) throw step_failure("no HTTP answer: " + r.describe());
  if (s.status && r.status != *s.status)
    throw step_failure("expected HTTP " + std::to_string(*s.status) + ", got " + std::to_string(r.status) + ": " +
                       shorten(r.body));
  if (s.response) check("the response body", *s.response, r.body);
}

}  // namespace qc::scenario

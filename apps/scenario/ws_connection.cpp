#include "apps/scenario/ws_connection.hpp"

#include "tests/support/json_doc.hpp"

namespace qc::scenario {

using clock = std::chrono::steady_clock;
using qc::test::json_doc;
using qc::test::json_quote;

namespace {
constexpr std::size_t kRecentFrames = 20;

// "a=1" + "b=2" -> "a=1&b=2"
std::string join_query(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  return b.empty() ? a : a + "&" + b;
}
}  // namespace

connect_result ws_connection::connect(const endpoint& where, const connect_request& req, ms timeout) {
  std::map<std::string, std::string> headers = req.headers;
  if (!req.user.empty()) headers["X-User-Id"] = req.user;
  std::string query = req.query;
  if (req.recovery) {
    std::string resume = "resume=" + req.recovery->id;
    if (!req.recovery->offset.empty()) resume += "&offset=" + req.recovery->offset;
    query = join_query(resume, query);
  }
  auto c = ws_.connect(where.host, where.port, query.empty() ? "/ws" : "/ws?" + query, headers, timeout);
  connect_result out;
  if (!c.ok && c.http_status == 0) {
    out.error = c.error;
    return out;
  }
  out.answered = true;
  out.accepted = c.ok;
  out.reply = c.ok ? "{}" : "{\"http_status\":" + std::to_string(c.http_status) + ",\"body\":" + json_quote(c.body) + "}";
  return out;
}

bool ws_connection::emit(const std::string& event, const std::string& data, std::optional<std::uint64_t> ack_id) {
  std::string msg = "{\"event\":" + json_quote(event) + ",\"data\":" + (data.empty() ? "null" : data);
  if (ack_id) msg += ",\"id\":" + std::to_string(*ack_id);
  return ws_.send_text(msg + "}");
}

bool ws_connection::pump(clock::time_point deadline) {
  if (end_) return false;
  auto remaining = std::chrono::duration_cast<ms>(deadline - clock::now());
  if (remaining.count() <= 0) return false;
  auto m = ws_.read(remaining);
  if (m.is_timeout()) return false;
  recent_.push_back(m.describe());
  if (recent_.size() > kRecentFrames) recent_.pop_front();
  if (m.is_closed()) {
    end_ = m;
    return false;
  }
  json_doc j(m.data);
  if (j.is_string("/event")) {
    const std::string name = j.str("/event");
    if (name == "connect_response" && j.is_string("/data/resume_token")) resume_token_ = j.str("/data/resume_token");
    inbox_.add_event({name, j.has("/data") ? j.text("/data") : "", m.data});
  } else if (j.is_integer("/ack") && *j.integer("/ack") >= 0) {
    inbox_.add_ack(static_cast<std::uint64_t>(*j.integer("/ack")), j.has("/data") ? j.text("/data") : "");
  }
  return true;
}

outcome<received_event> ws_connection::next_event(const std::string& name, ms timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto e = inbox_.take_event(name)) {
      json_doc j(e->raw);
      if (j.has("/offset")) last_offset_ = j.is_string("/offset") ? j.str("/offset") : j.text("/offset");
      return outcome<received_event>::success(std::move(*e));
    }
    if (!pump(deadline))
      return outcome<received_event>::failure((end_ ? "connection ended while waiting for '" : "timeout waiting for '") +
                                              name + "'; " + describe());
  }
}

outcome<std::string> ws_connection::wait_ack(std::uint64_t id, ms timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto a = inbox_.take_ack(id)) return outcome<std::string>::success(std::move(*a));
    if (!pump(deadline)) return outcome<std::string>::failure("no ack " + std::to_string(id) + "; " + describe());
  }
}

bool ws_connection::expect_no_event(const std::string& name, ms duration) {
  const auto deadline = clock::now() + duration;
  while (!inbox_.has_event(name))
    if (!pump(deadline)) return !inbox_.has_event(name);
  return false;
}

outcome<ws_message> ws_connection::wait_closed(ms timeout) {
  const auto deadline = clock::now() + timeout;
  while (!end_)
    if (!pump(deadline) && !end_) return outcome<ws_message>::failure("still open after timeout; " + describe());
  return outcome<ws_message>::success(*end_);
}

void ws_connection::idle(ms duration) {
  const auto deadline = clock::now() + duration;
  while (pump(deadline)) {
  }
}

std::optional<recovery_data> ws_connection::recovery() const {
  if (resume_token_.empty()) return std::nullopt;
  return recovery_data{resume_token_, last_offset_};
}

std::string ws_connection::describe() const {
  std::string out = inbox_.describe();
  if (end_) out += "; " + end_->describe();
  out += "; last frames:";
  for (const auto& f : recent_) out += "\n  " + f;
  return out;
}

}  // namespace qc::scenario

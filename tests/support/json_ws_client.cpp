#include "tests/support/json_ws_client.hpp"

#include "tests/support/json_doc.hpp"

namespace qc::test {

using clock = std::chrono::steady_clock;

ws_connect_result json_ws_client::connect(const std::string& host, std::uint16_t port, const std::string& query,
                                          const std::map<std::string, std::string>& headers) {
  return ws_.connect(host, port, query.empty() ? "/ws" : "/ws?" + query, headers);
}

bool json_ws_client::send(const std::string& event, const std::string& data_json, std::optional<std::uint64_t> id) {
  std::string msg = "{\"event\":" + json_quote(event) + ",\"data\":" + (data_json.empty() ? "null" : data_json);
  if (id) msg += ",\"id\":" + std::to_string(*id);
  return ws_.send_text(msg + "}");
}

bool json_ws_client::pump(clock::time_point deadline) {
  if (end_) return false;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  if (remaining.count() <= 0) return false;
  auto m = ws_.read(remaining);
  if (m.is_timeout()) return false;
  if (m.is_closed()) {
    end_ = m;
    return false;
  }
  json_doc j(m.data);
  if (j.is_string("/event")) {
    inbox_.add_event({j.str("/event"), j.has("/data") ? j.text("/data") : "", m.data});
  } else if (j.is_integer("/ack") && *j.integer("/ack") >= 0) {
    inbox_.add_ack(static_cast<std::uint64_t>(*j.integer("/ack")), j.has("/data") ? j.text("/data") : "");
  } else {
    unparsed_.push_back(m.data);
    if (unparsed_.size() > 20) unparsed_.pop_front();
  }
  return true;
}

outcome<std::string> json_ws_client::wait_event(const std::string& name, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto e = inbox_.take_event(name)) return outcome<std::string>::success(std::move(e->payload));
    if (!pump(deadline)) return outcome<std::string>::failure("no '" + name + "' event; " + describe());
  }
}

outcome<std::string> json_ws_client::wait_ack(std::uint64_t id, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto a = inbox_.take_ack(id)) return outcome<std::string>::success(std::move(*a));
    if (!pump(deadline)) return outcome<std::string>::failure("no ack " + std::to_string(id) + "; " + describe());
  }
}

bool json_ws_client::expect_no_event(const std::string& name, std::chrono::milliseconds duration) {
  const auto deadline = clock::now() + duration;
  while (!inbox_.has_event(name))
    if (!pump(deadline)) return !inbox_.has_event(name);
  return false;
}

outcome<ws_message> json_ws_client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!end_)
    if (!pump(deadline) && !end_) return outcome<ws_message>::failure("still open after timeout; " + describe());
  return outcome<ws_message>::success(*end_);
}

std::string json_ws_client::describe() const {
  std::string out = inbox_.describe();
  if (end_) out += "; " + end_->describe();
  for (const auto& u : unparsed_) out += "\n  unparsed: " + u.substr(0, 200);
  return out;
}

}  // namespace qc::test

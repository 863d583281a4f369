#include "apps/scenario/sio_connection.hpp"

#include "tests/support/json_doc.hpp"
#include "tests/support/sio_packet.hpp"

namespace qc::scenario {

using qc::test::json_doc;

connect_result sio_connection::connect(const endpoint& where, const connect_request& req, ms timeout) {
  std::map<std::string, std::string> headers = req.headers;
  if (!req.user.empty()) headers["X-User-Id"] = req.user;
  client_.set_auto_pong(req.auto_pong);
  connect_result out;
  auto opened = client_.open(where.host, where.port, req.query, headers, timeout);
  if (!opened) {
    out.error = opened.error();
    return out;
  }
  // Recovery rides in the CONNECT auth, merged with the client's own auth object.
  std::string auth = req.auth.value_or("");
  if (req.recovery) {
    std::string fields = "\"pid\":" + qc::test::json_quote(req.recovery->id);
    if (!req.recovery->offset.empty()) fields += ",\"offset\":" + qc::test::json_quote(req.recovery->offset);
    if (auth.empty() || auth == "{}") auth = "{" + fields + "}";
    else auth = "{" + fields + "," + auth.substr(auth.find('{') + 1);
  }
  auto reply = client_.connect_namespace("/", auth, timeout);
  if (!reply) {
    out.error = reply.error();
    return out;
  }
  out.answered = true;
  out.accepted = reply->accepted;
  out.reply = reply->data.empty() ? "{}" : reply->data;
  if (out.accepted) {
    json_doc j(out.reply);
    pid_ = j.is_string("/pid") ? j.str("/pid") : "";
  }
  return out;
}

bool sio_connection::emit(const std::string& event, const std::string& data, std::optional<std::uint64_t> ack_id) {
  return client_.emit(event, data, ack_id);
}

outcome<received_event> sio_connection::next_event(const std::string& name, ms timeout) {
  auto e = client_.wait_event_full(name, timeout);
  if (e) {
    // With recovery on, room and stream packets carry their offset as the last argument.
    if (auto p = qc::test::parse_sio_packet(std::string_view(e->raw).substr(1))) {
      json_doc j(p->data);
      const long n = j.size("");
      if (n > 2 && j.is_string("/" + std::to_string(n - 1))) last_offset_ = j.str("/" + std::to_string(n - 1));
    }
  }
  return e;
}

std::optional<recovery_data> sio_connection::recovery() const {
  if (pid_.empty()) return std::nullopt;
  return recovery_data{pid_, last_offset_};
}

}  // namespace qc::scenario

#include "tests/support/sio_client.hpp"

#include "tests/support/json_doc.hpp"

namespace qc::test {

using clock = std::chrono::steady_clock;

namespace {
constexpr std::size_t kRecentFrames = 20;

std::chrono::milliseconds left(clock::time_point deadline) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return d.count() > 0 ? d : std::chrono::milliseconds(0);
}
}  // namespace

outcome<eio_handshake> sio_client::open(const std::string& host, std::uint16_t port, const std::string& query,
                                        const std::map<std::string, std::string>& headers,
                                        std::chrono::milliseconds timeout) {
  std::string target = "/socket.io/?EIO=4&transport=websocket";
  if (!query.empty()) target += "&" + query;
  auto c = ws_.connect(host, port, target, headers, timeout);
  if (!c.ok)
    return outcome<eio_handshake>::failure("WebSocket connect to " + target + " failed: " + c.error + " (HTTP " +
                                           std::to_string(c.http_status) + " " + c.body + ")");
  auto m = ws_.read(timeout);
  if (!m.is_text() || m.data.empty() || m.data[0] != '0')
    return outcome<eio_handshake>::failure("expected the Engine.IO open packet, got " + m.describe());
  handshake_.raw = m.data.substr(1);
  json_doc j(handshake_.raw);
  if (!j.ok()) return outcome<eio_handshake>::failure("open packet is not JSON: " + m.data);
  handshake_.sid = j.str("/sid");
  handshake_.upgrades = j.strings("/upgrades");
  handshake_.ping_interval = j.integer("/pingInterval").value_or(-1);
  handshake_.ping_timeout = j.integer("/pingTimeout").value_or(-1);
  handshake_.max_payload = j.integer("/maxPayload").value_or(-1);
  return outcome<eio_handshake>::success(handshake_);
}

outcome<std::string> sio_client::open_and_connect(const std::string& host, std::uint16_t port,
                                                  const std::string& query,
                                                  const std::map<std::string, std::string>& headers) {
  auto h = open(host, port, query, headers);
  if (!h) return outcome<std::string>::failure(h.error());
  auto r = connect_namespace();
  if (!r) return outcome<std::string>::failure(r.error());
  if (!r->accepted) return outcome<std::string>::failure("CONNECT refused: " + r->data);
  return outcome<std::string>::success(r->data);
}

outcome<sio_connect_reply> sio_client::connect_namespace(const std::string& nsp, const std::string& auth_json,
                                                         std::chrono::milliseconds timeout) {
  sio_packet p;
  p.type = sio_type::connect;
  p.nsp = nsp;
  p.data = auth_json;
  if (!ws_.send_text(encode_sio_packet(p))) return outcome<sio_connect_reply>::failure("could not send CONNECT");
  const auto deadline = clock::now() + timeout;
  for (;;) {
    for (auto it = others_.begin(); it != others_.end(); ++it) {
      if (it->nsp != nsp || (it->type != sio_type::connect && it->type != sio_type::connect_error)) continue;
      sio_connect_reply r{it->type == sio_type::connect, it->nsp, it->data};
      others_.erase(it);
      return outcome<sio_connect_reply>::success(r);
    }
    if (!pump(deadline)) return outcome<sio_connect_reply>::failure("no CONNECT reply for " + nsp + "; " + describe());
  }
}

bool sio_client::emit(const std::string& event, const std::string& payload_json, std::optional<std::uint64_t> ack_id,
                      const std::string& nsp) {
  sio_packet p;
  p.type = sio_type::event;
  p.nsp = nsp;
  p.ack_id = ack_id;
  p.data = "[" + json_quote(event) + (payload_json.empty() ? "" : "," + payload_json) + "]";
  return ws_.send_text(encode_sio_packet(p));
}

outcome<received_event> sio_client::failure_while_waiting(const std::string& what) const {
  return outcome<received_event>::failure((end_ ? "connection ended while waiting for " : "timeout waiting for ") +
                                          what + "; " + describe());
}

outcome<received_event> sio_client::wait_event_full(const std::string& name, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto e = inbox_.take_event(name)) return outcome<received_event>::success(std::move(*e));
    if (!pump(deadline)) return failure_while_waiting("event '" + name + "'");
  }
}

outcome<std::string> sio_client::wait_event(const std::string& name, std::chrono::milliseconds timeout) {
  auto e = wait_event_full(name, timeout);
  if (!e) return outcome<std::string>::failure(e.error());
  return outcome<std::string>::success(e->payload);
}

outcome<std::string> sio_client::wait_ack(std::uint64_t id, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto a = inbox_.take_ack(id)) return outcome<std::string>::success(std::move(*a));
    if (!pump(deadline))
      return outcome<std::string>::failure(failure_while_waiting("ack " + std::to_string(id)).error());
  }
}

bool sio_client::read_for(std::chrono::milliseconds duration) {
  const auto deadline = clock::now() + duration;
  while (pump(deadline)) {
  }
  return !end_;
}

bool sio_client::expect_no_event(const std::string& name, std::chrono::milliseconds duration) {
  const auto deadline = clock::now() + duration;
  while (!inbox_.has_event(name)) {
    if (!pump(deadline)) return !inbox_.has_event(name);
  }
  return false;
}

outcome<ws_message> sio_client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!end_) {
    if (!pump(deadline) && !end_) return outcome<ws_message>::failure("still open after timeout; " + describe());
  }
  return outcome<ws_message>::success(*end_);
}

std::optional<sio_packet> sio_client::take_other_packet() {
  if (others_.empty()) return std::nullopt;
  sio_packet p = std::move(others_.front());
  others_.pop_front();
  return p;
}

ws_message sio_client::read_raw(std::chrono::milliseconds timeout) {
  auto m = ws_.read(timeout);
  if (m.is_text() && m.data == "2") {
    ++pings_;
    if (auto_pong_) ws_.send_text("3");
  }
  if (m.is_closed()) end_ = m;
  return m;
}

bool sio_client::pump(clock::time_point deadline) {
  if (end_) return false;
  auto m = ws_.read(left(deadline));
  if (m.is_timeout()) return false;
  file_frame(m);
  return !end_;
}

void sio_client::file_frame(const ws_message& m) {
  recent_.push_back(m.describe());
  if (recent_.size() > kRecentFrames) recent_.pop_front();
  if (m.is_closed()) {
    end_ = m;
    return;
  }
  if (!m.is_text() || m.data.empty()) return;  // binary attachments are not used by these tests
  if (m.data == "2") {  // Engine.IO ping from the server
    ++pings_;
    if (auto_pong_) ws_.send_text("3");
    return;
  }
  if (m.data[0] != '4') return;  // other Engine.IO packets (noop, close) only show up in describe()
  auto p = parse_sio_packet(std::string_view(m.data).substr(1));
  if (!p) return;
  if (p->type == sio_type::event) {
    if (auto parts = split_event(p->data)) {
      inbox_.add_event({parts->name, parts->first_arg, m.data});
      return;
    }
  }
  if (p->type == sio_type::ack && p->ack_id) {
    json_doc j(p->data);
    inbox_.add_ack(*p->ack_id, j.has("/0") ? j.text("/0") : "");
    return;
  }
  others_.push_back(std::move(*p));
}

std::string sio_client::describe() const {
  std::string out = inbox_.describe() + "; other packets: " + std::to_string(others_.size());
  if (end_) out += "; " + end_->describe();
  out += "; last frames:";
  for (const auto& f : recent_) out += "\n  " + f;
  return out;
}

}  // namespace qc::test

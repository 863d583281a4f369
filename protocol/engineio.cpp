#include "protocol/engineio.hpp"

#include <charconv>

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

} // namespace

std::optional<eio_packet> parse_eio_text(std::string_view frame) {
  if (frame.empty() || frame[0] < '0' || frame[0] > '6')
    return std::nullopt;
  return eio_packet{static_cast<eio_packet_type>(frame[0]), frame.substr(1)};
}

std::string encode_eio_open(const eio_handshake& h) {
  return "0" + json_object{}
                   .string("sid", h.sid)
                   .strings("upgrades", h.upgrades)
                   .number("pingInterval", h.ping_interval_ms)
                   .number("pingTimeout", h.ping_timeout_ms)
                   .number("maxPayload", h.max_payload)
                   .done();
}

std::string encode_eio_message(std::string_view text) {
  return encode_eio(eio_packet_type::message, text);
}

std::string encode_eio(eio_packet_type type, std::string_view data) {
  std::string out;
  out.reserve(1 + data.size());
  out.push_back(static_cast<char>(type));
  out += data;
  return out;
}

eio_query parse_query(std::string_view target) {
  eio_query q;
  const auto question = target.find('?');
  if (question == std::string_view::npos)
    return q;
  std::string_view rest = target.substr(question + 1);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty())
      continue;
    const auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? std::string{} : percent_decode(pair.substr(eq + 1));
    q.params.try_emplace(std::move(key), std::move(value));
  }
  if (auto it = q.params.find("EIO"); it != q.params.end()) {
    const std::string& v = it->second;
    int n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec == std::errc{} && end == v.data() + v.size() && n >= 0)
      q.eio = n;
  }
  if (auto it = q.params.find("transport"); it != q.params.end())
    q.transport = it->second;
  if (auto it = q.params.find("sid"); it != q.params.end())
    q.sid = it->second;
  return q;
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

std::string encode_eio_http_error(int code) {
  std::string_view message;
  switch (code) {
  case eio_error::unknown_transport: message = "Transport unknown"; break;
  case eio_error::unknown_sid: message = "Session ID unknown"; break;
  case eio_error::bad_handshake_method: message = "Bad handshake method"; break;
  case eio_error::forbidden: message = "Forbidden"; break;
  case eio_error::unsupported_protocol_version: message = "Unsupported protocol version"; break;
  default:
    code = eio_error::bad_request;
    message = "Bad request";
    break;
  }
  return json_object{}.number("code", code).string("message", message).done();
}

std::optional<int> check_eio_query(const eio_query& query) {
  if (query.transport != "websocket")
    return eio_error::unknown_transport;
  if (!query.sid.empty())
    return eio_error::unknown_sid;
  if (query.eio != 4)
    return eio_error::unsupported_protocol_version;
  return std::nullopt;
}

} // namespace qc::protocol

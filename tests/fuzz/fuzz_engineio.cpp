// Engine.IO text packets (every WebSocket text frame on /socket.io/ and /engine.io/) and
// the upgrade request's target (path and query), as actors/session/session.cpp and
// actors/net/gateway.cpp read them.
//
// Properties: a packet re-encodes to the same frame, and only frames starting with a
// type character parse; the query's parameters, percent-encoded again, parse back to the
// same map; the handshake check agrees with the parsed fields; error bodies are JSON.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/engineio.hpp"
#include "protocol/json.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace qc::protocol;

void check_packet(std::string_view frame) {
  auto packet = parse_eio_text(frame);
  const bool typed = !frame.empty() && frame[0] >= '0' && frame[0] <= '6';
  FUZZ_CHECK(packet.has_value() == typed);
  if (!packet)
    return;
  FUZZ_CHECK(packet->data == frame.substr(1));
  FUZZ_CHECK(encode_eio(packet->type, packet->data) == frame);
  if (packet->type == eio_packet_type::message)
    FUZZ_CHECK(encode_eio_message(packet->data) == frame);
}

std::string percent_encode(std::string_view s) {
  constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out.push_back('%');
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 0xF]);
  }
  return out;
}

void check_target(std::string_view target) {
  const auto path = target_path(target);
  FUZZ_CHECK(target.starts_with(path));
  FUZZ_CHECK(path.find_first_of("?#") == std::string_view::npos);

  const auto q = parse_query(target);
  if (target.find('?') == std::string_view::npos)
    FUZZ_CHECK(q.params.empty());
  // The fields the handshake reads come from the parameters.
  auto param = [&](const std::string& key) {
    auto it = q.params.find(key);
    return it == q.params.end() ? std::string{} : it->second;
  };
  FUZZ_CHECK(q.transport == param("transport"));
  FUZZ_CHECK(q.sid == param("sid"));
  FUZZ_CHECK(q.eio >= 0);
  if (q.eio != 0)
    FUZZ_CHECK(param("EIO").find_first_not_of("0123456789") == std::string::npos);

  const auto refusal = check_eio_query(q);
  FUZZ_CHECK(!refusal == (q.transport == "websocket" && q.sid.empty() && q.eio == 4));
  if (refusal) {
    const limits lim;
    FUZZ_CHECK(parse_json(encode_eio_http_error(*refusal), lim).ok());
  }

  // Written again with every byte escaped, the parameters read back the same.
  std::string again = "/socket.io/?";
  for (const auto& [key, value] : q.params)
    again += percent_encode(key) + "=" + percent_encode(value) + "&";
  FUZZ_CHECK(parse_query(again).params == q.params);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_packet(input);
  check_target(input);
  // Most inputs lack a '?': also read each as the query of an Engine.IO upgrade.
  check_target("/socket.io/?" + std::string(input));
  return 0;
}

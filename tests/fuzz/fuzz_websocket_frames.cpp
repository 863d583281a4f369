// WebSocket frames as the connection reads them (actors/net/ws_connection.cpp): bytes from
// the socket in slices of any size, one event per parse call.
//
// Input: byte 0 picks the message size limit, bytes 1-4 seed the slice sizes, the rest
// is the client's byte stream. Properties: reading in slices gives exactly the events of
// reading it whole; every call makes progress or completes an event; after an error
// nothing more is consumed; events respect the limits they are documented to respect;
// a data message sent back as a client frame parses to the same message.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/json.hpp"
#include "protocol/websocket_frames.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using qc::protocol::ws_event;
using qc::protocol::ws_frame_parser;
using qc::protocol::ws_opcode;

bool same(const ws_event& a, const ws_event& b) {
  return a.type == b.type && a.payload == b.payload && a.code == b.code && a.reason == b.reason;
}

void check_event(const ws_event& e, std::size_t max_message) {
  switch (e.type) {
  case ws_event::kind::text:
    FUZZ_CHECK(qc::protocol::valid_utf8(e.payload));
    [[fallthrough]];
  case ws_event::kind::binary:
    FUZZ_CHECK(e.payload.size() <= max_message);
    break;
  case ws_event::kind::ping:
  case ws_event::kind::pong:
    FUZZ_CHECK(e.payload.size() <= 125);
    break;
  case ws_event::kind::close:
    FUZZ_CHECK(e.payload.size() <= 123);
    FUZZ_CHECK(qc::protocol::valid_utf8(e.payload));
    break;
  case ws_event::kind::error:
    FUZZ_CHECK(e.code == 1002 || e.code == 1007 || e.code == 1009);
    FUZZ_CHECK(!e.reason.empty() && e.reason.size() <= 123);
    break;
  }
}

// Feeds `stream` in slices whose sizes `next_slice` picks, as the socket would deliver
// them, and collects every event.
template <class NextSlice>
std::vector<ws_event> read_all(std::string_view stream, std::size_t max_message, NextSlice next_slice) {
  ws_frame_parser parser(max_message);
  std::vector<ws_event> events;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::string_view slice = stream.substr(pos, next_slice());
    pos += slice.size();
    while (!slice.empty()) {
      const bool failed_before = parser.failed();
      auto step = parser.parse(slice);
      FUZZ_CHECK(step.consumed <= slice.size());
      if (failed_before) // after an error the parser takes nothing more
        FUZZ_CHECK(step.consumed == 0 && !step.event);
      slice.remove_prefix(step.consumed);
      if (!step.event) {
        // No event: either it took the whole slice (a partial frame) or it had failed.
        FUZZ_CHECK(slice.empty() || parser.failed());
        break;
      }
      check_event(*step.event, max_message);
      FUZZ_CHECK((step.event->type == ws_event::kind::error) == parser.failed());
      events.push_back(std::move(*step.event));
    }
    if (parser.failed())
      break;
  }
  return events;
}

// The message as a client would send it: one masked frame (mask key 0 keeps the bytes).
std::string client_frame(const ws_event& e) {
  std::string out;
  qc::protocol::append_frame_header(out, e.type == ws_event::kind::text ? ws_opcode::text : ws_opcode::binary,
                                    e.payload.size());
  out[1] = static_cast<char>(out[1] | 0x80);
  out.append(4, '\0');
  out += e.payload;
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5)
    return 0;
  constexpr std::array<std::size_t, 8> limits{0, 1, 2, 125, 126, 1000, 65536, 1 << 20};
  const std::size_t max_message = limits[data[0] % limits.size()];
  std::uint32_t seed = static_cast<std::uint32_t>(data[1]) | (static_cast<std::uint32_t>(data[2]) << 8) |
                       (static_cast<std::uint32_t>(data[3]) << 16) | (static_cast<std::uint32_t>(data[4]) << 24);
  const std::string_view stream(reinterpret_cast<const char*>(data) + 5, size - 5);

  const auto whole = read_all(stream, max_message, [&] { return stream.size(); });
  // A small xorshift picks slice sizes 1..16, mostly tiny, so headers split anywhere.
  const auto sliced = read_all(stream, max_message, [&] {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return static_cast<std::size_t>(seed % 16) + 1;
  });
  FUZZ_CHECK(whole.size() == sliced.size());
  for (std::size_t i = 0; i < whole.size(); ++i)
    FUZZ_CHECK(same(whole[i], sliced[i]));

  for (const auto& e : whole) {
    if (e.type != ws_event::kind::text && e.type != ws_event::kind::binary)
      continue;
    const std::string frame = client_frame(e);
    ws_frame_parser again(max_message);
    auto step = again.parse(frame);
    FUZZ_CHECK(step.event && step.consumed == frame.size() && same(*step.event, e));
  }
  return 0;
}

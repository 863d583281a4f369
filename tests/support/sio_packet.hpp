#pragma once
// The test side's own reading of Socket.IO v5 packets (inside Engine.IO "4" messages).
// Deliberately independent of protocol/: the tests must not trust the codec under test.
//   <type>[<attachments>-][<nsp>,][<ack id>][<JSON>]     e.g. 42["room_message",{...}]  43 7[{...}]  44/x,{...}
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qc::test {

enum class sio_type : int { connect = 0, disconnect = 1, event = 2, ack = 3, connect_error = 4, binary_event = 5, binary_ack = 6 };

struct sio_packet {
  sio_type type = sio_type::event;
  std::string nsp = "/";
  std::optional<std::uint64_t> ack_id;
  std::string data;  // JSON text; empty when the packet has none
};

// Parses the part after the Engine.IO "4"; nullopt if it is not a Socket.IO packet.
std::optional<sio_packet> parse_sio_packet(std::string_view text);
// The Engine.IO message text ("4" included) carrying the packet.
std::string encode_sio_packet(const sio_packet& p);

// An event's name and first argument from its JSON array data ("" if absent).
struct sio_event_parts {
  std::string name;
  std::string first_arg;
};
std::optional<sio_event_parts> split_event(const std::string& data);

}  // namespace qc::test

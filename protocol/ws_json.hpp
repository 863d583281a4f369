#pragma once
// Plain JSON over /ws (PROTOCOL.md §6), for clients without a Socket.IO library:
//   {"event":"subscribe_market_stream","data":{"symbol":"600519"},"id":7}

#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "protocol/limits.hpp"
#include "protocol/result.hpp"

namespace qc::protocol {

struct ws_inbound {
  std::string event;
  rapidjson::Document payload;        // "data"; Null when absent
  std::optional<std::string> id_json; // raw JSON of "id" (number or string), echoed in the ack
};

/// The message must be an object with a non-empty string "event"; "data" may be any
/// value; "id", when present and not null, must be a number or a string. Errors are
/// invalid_message_format.
result<ws_inbound> parse_ws_message(std::string_view text, const limits& lim);

} // namespace qc::protocol

#pragma once
// Bounds on everything inbound input can make the broker build (PROTOCOL.md §9). One
// struct so the configuration can set them all and every parser takes the same one.

#include <cstddef>

namespace qc::protocol {

struct limits {
  std::size_t max_json_depth = 32;        // nesting depth of any inbound JSON
  std::size_t max_attachments = 10;       // binary attachments per Socket.IO packet
  std::size_t max_fields = 32;            // fields per stream filter
  std::size_t max_ticks_per_publish = 1000;
  std::size_t max_content_bytes = 65536;  // room_message content (and metadata, and request data)
  std::size_t max_tick_fields = 64;       // fields per published tick, symbol included
  std::size_t max_namespace_bytes = 128;  // Socket.IO namespace names (echoed back in replies)
  std::size_t max_tick_name_bytes = 64;   // one field name of a tick
  std::size_t max_tick_value_bytes = 4096; // one field value of a tick, as its JSON text
  std::size_t max_tick_bytes = 16384;     // a whole tick (tick_bytes in client_events.hpp)
  std::size_t max_token_bytes = 8192;     // a JWT in auth_refresh (auth.max-token-bytes)
};

} // namespace qc::protocol

#pragma once
// The wire side of recovery and the offline queue (PROTOCOL.md §7): what a reconnecting
// client sends, what a restored or recovered session is told, and how queued messages
// are marked when they are finally delivered.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "protocol/limits.hpp"

namespace qc::protocol {

/// A recovery id is ours (16 bytes of base64url); anything longer is not one.
inline constexpr std::size_t max_recovery_id_bytes = 64;

/// What a client asks to recover: Socket.IO CONNECT auth {"pid","offset"}, or /ws
/// ?resume=<pid>&offset=<offset>. No offset: the client got no packet before the drop.
struct recovery_request {
  std::string pid;
  std::optional<std::string> offset;
};

/// Reads {"pid":"...","offset":"..."} out of a CONNECT payload (other members, such as
/// "token", are left to others). Nothing: not a recovery (no payload, no "pid", or a
/// pid or offset that is not a short string).
std::optional<recovery_request> parse_recovery_auth(std::string_view connect_data,
                                                    const limits& lim);

/// The same from a CONNECT payload already parsed (parse_sio's `doc`); null: none.
std::optional<recovery_request> parse_recovery_auth(const rapidjson::Value* connect_data);

/// The same from /ws query parameters; an empty resume means none.
std::optional<recovery_request> recovery_from_query(std::string_view resume,
                                                    std::optional<std::string_view> offset);

/// connect_response's "restored": {"rooms":[..],"streams":[..symbols..]}.
std::string encode_restored(const std::vector<std::string>& rooms,
                            const std::vector<std::string>& symbols);

/// A queued payload as delivered from the offline queue: the object with
/// "offline":true added ({"a":1} -> {"a":1,"offline":true}). Not an object: unchanged.
std::string with_offline_flag(std::string_view payload_object_json);

struct offline_entry {
  std::string event;
  std::string payload; // as queued
  std::int64_t created_ms;
};

/// get_offline_messages: {"messages":[{"event","data","created"},...],"count":N}, each
/// data marked "offline":true.
std::string encode_offline_messages(const std::vector<offline_entry>& messages);

} // namespace qc::protocol

#pragma once
// Whole server -> client frames, ready for the socket. A broadcast builds each frame
// once and every recipient shares it, so these are the only place where a payload is
// wrapped for a transport.
//
// Socket.IO frames are Engine.IO message packets and start with the '4'.
// payload_json is already-encoded JSON; empty means "no payload" where the format
// allows it (an event with no argument) and null where it does not.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qc::protocol {

/// 42["name",payload], or 42/ns,["name",payload] for a namespace other than "/".
std::string frame_sio_event(std::string_view event, std::string_view payload_json, std::string_view nsp = "/");

/// 42["name",payload,"offset"]: an event that carries its connection-state-recovery
/// offset as the last argument (PROTOCOL.md §7), as the official server appends it.
std::string frame_sio_event_with_offset(std::string_view event, std::string_view payload_json,
                                        std::string_view offset, std::string_view nsp = "/");

/// 43<id>[payload], or 43/ns,<id>[payload].
std::string frame_sio_ack(std::uint64_t ack_id, std::string_view payload_json, std::string_view nsp = "/");

/// 40{"sid":"..."} (with "pid" when connection state recovery is on): CONNECT accepted.
std::string frame_sio_connect(std::string_view sid, const std::optional<std::string>& pid = std::nullopt,
                              std::string_view nsp = "/");

/// 44{"message":"...","data":{"error_code":"..."}}: CONNECT refused. Without a code,
/// just {"message":"..."}, as for 44/ns,{"message":"Invalid namespace"}.
std::string frame_sio_connect_error(std::string_view message, std::string_view error_code = {},
                                    std::string_view nsp = "/");

/// {"event":"name","data":payload}
std::string frame_ws_event(std::string_view event, std::string_view payload_json);

/// {"event":"name","offset":"...","data":payload}: a room or stream packet with its
/// recovery offset. "data" stays last so the envelope still ends in "}}".
std::string frame_ws_event_with_offset(std::string_view event, std::string_view payload_json,
                                       std::string_view offset);

/// {"ack":<id_json>,"data":payload}
std::string frame_ws_ack(std::string_view id_json, std::string_view payload_json);

} // namespace qc::protocol

#pragma once
// Building outgoing frames: once per broadcast for every transport, or once for one
// session's own transport.

#include <string>
#include <string_view>

#include "actors/net/connection.hpp"
#include "actors/messages.hpp"

namespace qc {

/// Encodes `event` with `payload_json` for both transports, once, to be shared by
/// every recipient of a broadcast.
/// `conflate_key` (stream_data: the symbol) lets a slow consumer keep only the newest.
/// `offset` (room and stream packets, when recovery is on) goes into both encodings
/// and makes the frame replayable after a reconnect (PROTOCOL.md §7).
shared_frame make_shared_frame(std::string_view event, std::string_view payload_json,
                               std::string_view conflate_key = {},
                               std::string_view offset = {});

/// A message a user is owed even while away (room_message, notification): it keeps
/// event, payload and `id` for the offline queue, and with `replayable` (recovery on)
/// carries `id` as its offset. `sender`: the user who sent it, whose part of a user's
/// offline queue is bounded (storage.offline-max-sender-bytes).
shared_frame make_user_frame(std::string_view event, std::string payload_json,
                             std::string_view id, bool replayable, std::string_view sender = {});

/// The part of a shared frame that a session of `kind` writes; shares ownership with
/// `frame`, so no bytes are copied.
out_frame frame_for(const shared_frame& frame, transport_kind kind);

/// Wraps freshly encoded bytes for one connection.
out_frame make_out_frame(std::string bytes);

} // namespace qc

#pragma once
// The message vocabulary of the broker: every atom and every struct that actors send
// each other. Which actor takes which message is its typed interface, next to it
// (e.g. actors/market/market_interface.hpp). Handlers take these by const& so a
// broadcast payload is never copied per receiver.
//
// Every struct that may cross nodes has an `inspect` overload (round-tripped through
// CAF's binary serializer in tests/unit/test_serialization.cpp); the ones that share
// memory by pointer are local only and listed at the end.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "actors/session/identity.hpp"
#include "protocol/client_events.hpp"
#include "protocol/error_codes.hpp"

namespace qc {

// -- atoms -------------------------------------------------------------------------

// socket -> session
using ws_text_atom = caf::atom_constant<caf::atom("ws_text")>;
using ws_binary_atom = caf::atom_constant<caf::atom("ws_binary")>;
using ws_closed_atom = caf::atom_constant<caf::atom("ws_closed")>;
// session timers
using ping_tick_atom = caf::atom_constant<caf::atom("ping_tick")>;
using pong_due_atom = caf::atom_constant<caf::atom("pong_due")>;
using connect_due_atom = caf::atom_constant<caf::atom("conn_due")>;
using incomplete_due_atom = caf::atom_constant<caf::atom("incomplete")>;
// rooms and fan-out
using join_atom = caf::atom_constant<caf::atom("join")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using members_atom = caf::atom_constant<caf::atom("members")>;
using away_atom = caf::atom_constant<caf::atom("away")>;
using room_done_atom = caf::atom_constant<caf::atom("room_done")>;
using retire_atom = caf::atom_constant<caf::atom("retire")>;
// room administration: kick_member and set_member_role (session -> room), and what the
// room tells the sessions concerned
using kick_atom = caf::atom_constant<caf::atom("kick")>;
using set_role_atom = caf::atom_constant<caf::atom("set_role")>;
using kicked_atom = caf::atom_constant<caf::atom("kicked")>;
using role_changed_atom = caf::atom_constant<caf::atom("role_chgd")>;
// directory
using register_atom = caf::atom_constant<caf::atom("register")>;
using unregister_atom = caf::atom_constant<caf::atom("unregist")>;
using list_rooms_atom = caf::atom_constant<caf::atom("list_rooms")>;
using listing_atom = caf::atom_constant<caf::atom("listing")>;
// market data
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using stream_sub_atom = caf::atom_constant<caf::atom("stream_sub")>;
using stream_unsub_atom = caf::atom_constant<caf::atom("stream_uns")>;
using stream_filter_atom = caf::atom_constant<caf::atom("stream_flt")>;
using market_data_atom = caf::atom_constant<caf::atom("mkt_data")>;
using stream_idle_atom = caf::atom_constant<caf::atom("strm_idle")>;
using idle_check_atom = caf::atom_constant<caf::atom("idle_chk")>;
// feeds
using feed_tick_atom = caf::atom_constant<caf::atom("feed_tick")>;
// persistence (saved subscriptions, offline queue)
using save_room_atom = caf::atom_constant<caf::atom("save_room")>;
using forget_room_atom = caf::atom_constant<caf::atom("forget_rm")>;
using save_stream_atom = caf::atom_constant<caf::atom("save_strm")>;
using forget_stream_atom = caf::atom_constant<caf::atom("forget_st")>;
using load_saved_atom = caf::atom_constant<caf::atom("load_saved")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using offline_peek_atom = caf::atom_constant<caf::atom("offl_peek")>;
using offline_done_atom = caf::atom_constant<caf::atom("offl_done")>;
using offline_page_atom = caf::atom_constant<caf::atom("offl_page")>;
using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
using room_offline_atom = caf::atom_constant<caf::atom("room_offl")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using purge_atom = caf::atom_constant<caf::atom("purge")>;
// recovery (the parked-session registry and sessions)
using park_atom = caf::atom_constant<caf::atom("park")>;
using unpark_atom = caf::atom_constant<caf::atom("unpark")>;
using resume_atom = caf::atom_constant<caf::atom("resume")>;
using handover_atom = caf::atom_constant<caf::atom("handover")>;
using takeover_atom = caf::atom_constant<caf::atom("takeover")>;
using detached_atom = caf::atom_constant<caf::atom("detached")>;
using detach_due_atom = caf::atom_constant<caf::atom("detach_due")>;
using recovered_atom = caf::atom_constant<caf::atom("recovered")>;
using window_due_atom = caf::atom_constant<caf::atom("window_due")>;
using written_atom = caf::atom_constant<caf::atom("written")>; // connection -> drain gate
using drain_wait_atom = caf::atom_constant<caf::atom("drain_wait")>;
using gate_due_atom = caf::atom_constant<caf::atom("gate_due")>;
// statistics and lifecycle
using get_stats_atom = caf::atom_constant<caf::atom("get_stats")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;

// -- shared frames -------------------------------------------------------------------

/// One event encoded once per transport. A broadcast builds one of these and every
/// recipient session picks the encoding of its own transport; nobody re-encodes.
struct wire_frame {
  std::string socketio; // Engine.IO message packet, e.g. 42["room_message",{...}]
  std::string json;     // plain JSON, e.g. {"event":"room_message","data":{...}}
  std::string conflate_key; // stream_data: the symbol; a slow consumer keeps only the newest per key
  /// Room and stream packets: the recovery offset both encodings carry (PROTOCOL.md
  /// §7); a session keeps such frames to replay them. Empty: not replayable.
  std::string offset;
  /// Messages a user is owed even while away (room_message, notification): the event
  /// and its payload as the offline queue stores them. Empty event: market data and
  /// membership news, which are not queued.
  std::string event;
  std::string payload;
  std::string id; // its identity: a message reaching a queue by two paths is stored once
  std::string sender; // who sent it (user id; "" for the broker): the offline queue bounds each sender's part

  bool queueable() const { return !event.empty(); }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, wire_frame& x) {
  return f(caf::meta::type_name("wire_frame"), x.socketio, x.json, x.conflate_key, x.offset,
           x.event, x.payload, x.id, x.sender);
}

using shared_frame = std::shared_ptr<const wire_frame>;

/// What a kept frame holds: both encodings, the queueable copy and the keys. Counted
/// in full even when other connections share the frame, so that a bound on what one
/// connection keeps does not depend on who else is in the room.
struct frame_weight {
  std::size_t operator()(const shared_frame& f) const {
    if (!f)
      return 0;
    return sizeof(wire_frame) + f->socketio.size() + f->json.size() + f->conflate_key.size()
           + f->offset.size() + f->event.size() + f->payload.size() + f->id.size();
  }
};

enum class transport_kind : std::uint8_t { socketio, json };

/// One filter group of one stream (actors/net/fanout.hpp): every member gets the same bytes.
struct topic_id {
  std::uint64_t stream = 0; // the stream actor's id
  std::uint64_t group = 0;  // the group's number within that stream
  bool operator==(const topic_id&) const = default;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_id& x) {
  return f(caf::meta::type_name("topic_id"), x.stream, x.group);
}

struct topic_hash {
  std::size_t operator()(const topic_id& t) const noexcept {
    return static_cast<std::size_t>(t.stream * 0x9E3779B97F4A7C15ull ^ t.group);
  }
};

/// A connection that takes a stream's frames straight from its I/O shard; null for a
/// session whose connection cannot (it then gets them as messages).
class fanout_sink;
using sink_ptr = std::shared_ptr<fanout_sink>;

/// What a connection hands its session when it closes: the replayable frames it was
/// last given, in order (PROTOCOL.md §7), and how many frames its shard wrote to it
/// directly, for the session's statistics.
struct closed_state {
  std::vector<shared_frame> kept;
  std::uint64_t direct_frames = 0;
};

// -- membership ----------------------------------------------------------------------

/// A session as a room sees it.
struct member_info {
  std::string sid;
  std::string user_id;
  std::vector<std::string> roles;
  caf::actor session;
  /// The room role the session asks for: the strongest the policy's g2 lines give it
  /// in this room, else room_member (identified) or room_guest (anonymous). The room
  /// grants the stronger of this and what set_member_role stored for the user; empty
  /// counts as room_guest.
  std::string room_role;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("member_info"), x.sid, x.user_id, x.roles, x.session,
           x.room_role);
}

/// Narrows a room broadcast to a role or a user (PROTOCOL.md §3 `target`); empty
/// fields mean "everyone".
struct audience {
  std::string role;
  std::string user_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audience& x) {
  return f(caf::meta::type_name("audience"), x.role, x.user_id);
}

struct member_brief {
  std::string sid;
  std::string user_id;
  std::string room_role; // the role the room grants it now ("room_member", ...)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_brief& x) {
  return f(caf::meta::type_name("member_brief"), x.sid, x.user_id, x.room_role);
}

/// kick_member as the room gets it. The caller is named by its sid so the room checks
/// the rank of the member it knows, not one the caller claims; the target is a user
/// id, or (target_user empty) the user of the member `target_sid`.
struct kick_request {
  std::string caller_sid;
  std::string caller_user;
  std::string target_user;
  std::string target_sid;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kick_request& x) {
  return f(caf::meta::type_name("kick_request"), x.caller_sid, x.caller_user, x.target_user,
           x.target_sid);
}

/// set_member_role as the room gets it; `role` is a room role ("room_moderator").
struct role_request {
  std::string caller_sid;
  std::string caller_user;
  std::string target_user;
  std::string role;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, role_request& x) {
  return f(caf::meta::type_name("role_request"), x.caller_sid, x.caller_user, x.target_user,
           x.role);
}

/// The room's answer to a kick or a role change.
struct room_admin_reply {
  bool ok = false;
  protocol::error_code code = protocol::error_code::invalid_parameters; // when !ok
  std::string error;            // why not, when !ok
  std::string user_id;          // the target user
  std::uint32_t sessions = 0;   // kick: the sessions removed
  std::string role;             // set-role: the role the user holds now
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_admin_reply& x) {
  return f(caf::meta::type_name("room_admin_reply"), x.ok, x.code, x.error, x.user_id,
           x.sessions, x.role);
}

/// A room as listed by `list_rooms`.
struct room_brief {
  std::string name;
  std::uint32_t members = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_brief& x) {
  return f(caf::meta::type_name("room_brief"), x.name, x.members);
}

// -- statistics ----------------------------------------------------------------------

struct room_stats {
  std::string name;
  std::uint64_t members = 0;
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  std::uint64_t messages = 0;
  std::int64_t created_ms = 0;
  std::int64_t last_message_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, room_stats& x) {
  return f(caf::meta::type_name("room_stats"), x.name, x.members, x.joins, x.leaves,
           x.messages, x.created_ms, x.last_message_ms);
}

struct connection_stats {
  std::string sid;
  std::string user_id;
  std::string transport;
  std::uint64_t messages_in = 0;
  std::uint64_t messages_out = 0;
  std::uint64_t errors = 0;
  std::uint64_t rooms = 0;
  std::int64_t connected_ms = 0;
  std::int64_t last_activity_ms = 0;
  bool parked = false; // dropped, waiting for recovery: not a connection any more
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connection_stats& x) {
  return f(caf::meta::type_name("connection_stats"), x.sid, x.user_id, x.transport,
           x.messages_in, x.messages_out, x.errors, x.rooms, x.connected_ms,
           x.last_activity_ms, x.parked);
}

struct stream_stats {
  std::string symbol;
  std::uint64_t subscriber_count = 0;
  std::uint64_t peak_subscribers = 0;
  std::uint64_t ticks = 0;              // accepted
  std::uint64_t duplicates_dropped = 0;
  std::uint64_t messages_sent = 0;      // deliveries to subscribers
  std::uint64_t filters = 0;            // distinct field sets, i.e. encodings per tick
  std::uint64_t buffer_size = 0;
  std::uint64_t buffer_bytes = 0;       // the ring's bytes (protocol::tick_bytes)
  std::uint64_t seq = 0;
  std::int64_t last_update_ms = 0;
  std::int64_t created_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stream_stats& x) {
  return f(caf::meta::type_name("stream_stats"), x.symbol, x.subscriber_count,
           x.peak_subscribers, x.ticks, x.duplicates_dropped, x.messages_sent, x.filters,
           x.buffer_size, x.buffer_bytes, x.seq, x.last_update_ms, x.created_ms);
}

// -- market data -------------------------------------------------------------------

/// Ticks on their way to their streams: from feeds, `publish` events, POST /publish.
using tick_batch = std::vector<protocol::tick>;

} // namespace qc

namespace qc::protocol {

/// CAF 0.17's inspectors know no std::optional: each optional field travels as a
/// presence flag and a value, put back together after loading.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tick& x) {
  bool has_id = x.id.has_value();
  std::string id = x.id.value_or(std::string{});
  bool has_timestamp = x.timestamp_ms.has_value();
  std::int64_t timestamp = x.timestamp_ms.value_or(0);
  auto rebuild = [&]() -> caf::error {
    x.id = has_id ? std::optional<std::string>(std::move(id)) : std::nullopt;
    x.timestamp_ms = has_timestamp ? std::optional<std::int64_t>(timestamp) : std::nullopt;
    return caf::none;
  };
  return f(caf::meta::type_name("tick"), x.symbol, has_id, id, has_timestamp, timestamp,
           x.fields, caf::meta::load_callback(rebuild));
}

} // namespace qc::protocol

namespace qc {

/// The market's answer to a publish: ticks taken, and ticks dropped as duplicates.
struct publish_result {
  std::uint32_t accepted = 0;
  std::uint32_t duplicates = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, publish_result& x) {
  return f(caf::meta::type_name("publish_result"), x.accepted, x.duplicates);
}

/// A stream's answer to a subscribe or a filter update.
struct stream_reply {
  bool ok = false;
  /// When !ok: STREAM_NOT_FOUND, SUBSCRIBER_NOT_FOUND or SUBSCRIPTION_FAILED; spelled
  /// out only when the session writes it to the wire.
  protocol::error_code code = protocol::error_code::subscription_failed;
  std::string error;                // human text when !ok
  std::vector<std::string> fields;  // the filter as applied
  shared_frame snapshot;            // last value for this filter, or null; "snapshot":true
  /// The subscriber's filter group. A connection subscribed directly holds its frames
  /// until the session releases this topic (after the reply and the snapshot).
  topic_id topic;
};

// -- persistence and recovery ------------------------------------------------------

/// A user's saved subscriptions (PROTOCOL.md §7), rooms and streams sorted by name.
struct saved_state {
  std::vector<std::string> rooms;
  std::vector<std::pair<std::string, std::vector<std::string>>> streams; // symbol, fields
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, saved_state& x) {
  return f(caf::meta::type_name("saved_state"), x.rooms, x.streams);
}

/// One message waiting in a user's offline queue.
struct offline_item {
  std::int64_t id = 0;
  std::string event;
  std::string payload; // as sent live; delivery adds "offline":true
  std::int64_t created_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, offline_item& x) {
  return f(caf::meta::type_name("offline_item"), x.id, x.event, x.payload, x.created_ms);
}

using offline_batch = std::vector<offline_item>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, identity& x) {
  return f(caf::meta::type_name("identity"), x.user_id, x.roles, x.anonymous);
}

/// What a session that dropped hands to the session its client came back on.
struct handover_state {
  std::string sid;
  std::string pid;
  identity who;
  std::vector<std::string> rooms;
  std::vector<std::pair<std::string, std::vector<std::string>>> streams; // symbol, fields
  std::vector<shared_frame> frames; // room/stream packets kept, oldest first
  bool overrun = false;             // older packets were dropped: a gap is possible
};

struct persistence_stats {
  std::uint64_t saved_rooms = 0;
  std::uint64_t saved_streams = 0;
  std::uint64_t queued_offline = 0;    // enqueued since start
  std::uint64_t delivered_offline = 0; // written to a socket and removed
  std::uint64_t dropped_offline = 0;   // pushed out by the per-user bound
  std::uint64_t expired_offline = 0;   // past the TTL
  std::uint64_t refused_offline = 0;   // not queued: the store was full (offline-max-total, -total-bytes)
  std::uint64_t total_offline_messages = 0; // waiting now
  std::uint64_t total_offline_bytes = 0;    // their bytes (event + payload)
  std::uint64_t users_with_offline_messages = 0;
  std::uint64_t commits = 0;
  std::uint64_t write_errors = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, persistence_stats& x) {
  return f(caf::meta::type_name("persistence_stats"), x.saved_rooms, x.saved_streams,
           x.queued_offline, x.delivered_offline, x.dropped_offline, x.expired_offline,
           x.refused_offline, x.total_offline_messages, x.total_offline_bytes,
           x.users_with_offline_messages, x.commits,
           x.write_errors);
}

struct recovery_stats {
  std::uint64_t parked_sessions = 0; // dropped, waiting for their client now
  std::uint64_t parked_total = 0;
  std::uint64_t recovered = 0;       // came back with nothing missing
  std::uint64_t recovery_gaps = 0;   // came back after an overrun: fresh state, snapshots
  std::uint64_t expired = 0;         // the window passed
  std::uint64_t refused_parks = 0;   // max-parked reached
  std::uint64_t replayed_packets = 0;
  std::uint64_t parked_bytes = 0;    // what dropped sessions keep now (recovery.parked-total-bytes)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_stats& x) {
  return f(caf::meta::type_name("recovery_stats"), x.parked_sessions, x.parked_total,
           x.recovered, x.recovery_gaps, x.expired, x.refused_parks, x.replayed_packets,
           x.parked_bytes);
}

/// How a finished statistics document gets back to an HTTP request on an Asio
/// thread: the stats actor calls it (it posts to the socket's strand). Local only.
struct json_callback {
  std::function<void(std::string)> deliver;
};

} // namespace qc

// Local only: these share memory (a frame encoded once, a connection, a callback into
// an Asio thread) by pointer, which is what keeps the hot path free of copies; they
// cannot cross nodes (docs/arch-fragments/arch-typed.md says what would have to).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qc::shared_frame)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qc::json_callback)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qc::stream_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qc::handover_state)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qc::sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(qc::closed_state)

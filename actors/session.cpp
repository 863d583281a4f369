#include "actors/session.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <unordered_map>
#include <variant>

#include <caf/all.hpp>

#include "actors/clock.hpp"
#include "actors/frames.hpp"
#include "actors/heartbeat.hpp"
#include "actors/ids.hpp"
#include "actors/log.hpp"
#include "actors/replay_buffer.hpp"
#include "actors/rate_limiter.hpp"
#include "protocol/client_events.hpp"
#include "protocol/engineio.hpp"
#include "protocol/framing.hpp"
#include "protocol/json.hpp"
#include "protocol/names.hpp"
#include "protocol/recovery.hpp"
#include "protocol/request_data.hpp"
#include "protocol/server_events.hpp"
#include "protocol/socketio.hpp"
#include "protocol/ws_json.hpp"

namespace qc {

namespace {

using protocol::error_code;

/// How a client asked to be answered: a Socket.IO ack id, a /ws message id, or not.
struct ack_token {
  std::optional<std::uint64_t> socketio;
  std::optional<std::string> json;

  bool wanted() const {
    return socketio || json;
  }
};

/// User ids come from a header or query string: keep them to a safe alphabet.
bool valid_user_id(std::string_view id) {
  if (id.empty() || id.size() > 128)
    return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'
          || c == '.' || c == ':' || c == '@'))
      return false;
  return true;
}

class session_core {
public:
  session_core(caf::event_based_actor* self, session_params params)
    : self_(self),
      p_(std::move(params)),
      limiter_(p_.cfg->limits.events_per_second),
      heartbeat_(self, p_.cfg->engineio) {
    stats_.sid = random_id();
    stats_.transport = p_.transport == transport_kind::socketio ? "websocket" : "json";
    stats_.connected_ms = now_ms();
    stats_.last_activity_ms = stats_.connected_ms;
  }

  // -- lifecycle ---------------------------------------------------------------------

  void start() {
    if (p_.transport == transport_kind::json) {
      // /ws has no namespace handshake: the connection is the session.
      if (!decide_identity()) {
        send_error("error", error_code::auth_failed, "invalid user id", {});
        close(close_code::policy_violation, "invalid user id");
        return;
      }
      open_session(protocol::recovery_from_query(p_.upgrade.resume, p_.upgrade.resume_offset));
      return;
    }
    send_raw(heartbeat_.open(true));
  }

  /// The socket is gone (peer closed, error, or our own close completed). A session
  /// its client may come back to waits for it; any other ends.
  void on_closed(const std::string& reason) {
    if (finished_ || parked_)
      return;
    // A /ws client's close frame is a deliberate goodbye; a Socket.IO client says
    // goodbye with a DISCONNECT packet first, and its bare close is a transport close
    // (what socket.io-client's engine.close() does), which the official server recovers.
    if (reason == "client closed" && p_.transport == transport_kind::json)
      resumable_ = false;
    if (can_park())
      park();
    else
      finish();
  }

  void on_shutdown() {
    resumable_ = false;
    if (parked_ && !handed_over_) {
      expire(); // what the user is owed goes to the offline queue before we stop
      return;
    }
    close(close_code::going_away, "server shutting down");
  }

  // -- heartbeat (Engine.IO) ---------------------------------------------------------

  void on_ping_tick() {
    if (finished_ || parked_)
      return;
    send_raw(heartbeat_.ping());
  }

  void on_pong_due(std::uint64_t ping) {
    if (!parked_ && heartbeat_.overdue(ping))
      close(close_code::normal, "ping timeout", true); // a dead link, not a goodbye
  }

  void on_connect_due() {
    if (!ever_connected_)
      close(close_code::normal, "connect timeout");
  }

  // -- inbound frames ----------------------------------------------------------------

  void on_text(const std::string& text) {
    if (finished_)
      return;
    ++stats_.messages_in;
    stats_.last_activity_ms = now_ms();
    if (p_.transport == transport_kind::json)
      on_json_text(text);
    else
      on_engineio_text(text);
  }

  void on_binary(std::string bytes) {
    if (finished_)
      return;
    ++stats_.messages_in;
    stats_.last_activity_ms = now_ms();
    if (p_.transport == transport_kind::json) {
      send_error("error", error_code::invalid_message_format,
                 "binary frames are not supported on /ws", {});
      return;
    }
    if (!pending_binary_) {
      close(close_code::protocol_error, "unexpected binary frame");
      return;
    }
    // Binary attachments are refused (PROTOCOL.md §1); swallow them so the
    // connection stays in step with the client.
    if (pending_binary_->add(std::move(bytes)))
      pending_binary_.reset();
  }

  void on_deliver(const shared_frame& frame) {
    if (finished_)
      return;
    if (!frame->offset.empty() && !pid_.empty())
      keep(frame);
    if (parked_ || !connected_)
      return;
    ++stats_.messages_out;
    write(frame_for(frame, p_.transport));
  }

  void on_flush_message() {
    flush_queued_ = false;
    flush();
  }

  /// Hands everything in the outbox to the socket at once (see write()).
  void flush() {
    if (outbox_.empty())
      return;
    if (auto conn = p_.conn.lock())
      conn->send_all(outbox_);
    outbox_.clear(); // keeps its capacity for the next batch
  }

  /// Tells the socket one more inbound frame is handled (read flow control).
  void consumed() {
    if (auto conn = p_.conn.lock())
      conn->consumed();
  }

  connection_stats stats() {
    stats_.rooms = rooms_.size();
    stats_.user_id = who_.user_id;
    stats_.parked = parked_;
    return stats_;
  }

private:
  void on_engineio_text(const std::string& text) {
    auto eio = protocol::parse_eio_text(text);
    if (!eio) {
      close(close_code::protocol_error, "invalid Engine.IO packet");
      return;
    }
    switch (eio->type) {
      case protocol::eio_packet_type::pong:
        heartbeat_.pong();
        return;
      case protocol::eio_packet_type::ping: // not sent by v4 clients; answer anyway
        send_raw("3" + std::string(eio->data));
        return;
      case protocol::eio_packet_type::close:
        resumable_ = false;
        close(close_code::normal, "client close");
        return;
      case protocol::eio_packet_type::noop:
        return;
      case protocol::eio_packet_type::message:
        break;
      default:
        close(close_code::protocol_error, "unexpected Engine.IO packet");
        return;
    }
    if (pending_binary_) {
      close(close_code::protocol_error, "text frame while attachments were due");
      return;
    }
    auto packet = protocol::parse_sio(eio->data, p_.cfg->limits.protocol);
    if (!packet) {
      // Like the official server: a malformed Socket.IO packet closes the transport.
      close(close_code::protocol_error, packet.error().message);
      return;
    }
    on_socketio_packet(*packet);
  }

  void on_socketio_packet(protocol::sio_packet& packet) {
    using protocol::sio_packet_type;
    if (packet.type == sio_packet_type::connect) {
      on_namespace_connect(packet);
      return;
    }
    if (packet.nsp != "/" || !connected_) {
      // As the official server: any packet but CONNECT for a namespace the client is
      // not in is an invalid state, and closes the connection.
      close(close_code::protocol_error, "packet for a namespace not connected");
      return;
    }
    switch (packet.type) {
      case sio_packet_type::disconnect:
        // A deliberate goodbye (socket.disconnect()): nothing to recover. Saved
        // subscriptions stay saved; only unsubscribe forgets them.
        resumable_ = false;
        leave_everything();
        connected_ = false;
        return;
      case sio_packet_type::event: {
        auto args = protocol::parse_json(packet.data, p_.cfg->limits.protocol);
        if (!args) { // parse_sio validated it already; be safe anyway
          close(close_code::protocol_error, args.error().message);
          return;
        }
        const rapidjson::Value& arr = *args;
        ack_token ack;
        ack.socketio = packet.ack_id;
        const rapidjson::Value* payload = arr.Size() > 1 ? &arr[1] : nullptr;
        on_event(std::string(arr[0].GetString(), arr[0].GetStringLength()), payload, ack);
        return;
      }
      case sio_packet_type::binary_event:
      case sio_packet_type::binary_ack: {
        ack_token ack;
        ack.socketio = packet.ack_id;
        auto count = packet.attachments;
        pending_binary_.emplace(std::move(packet));
        if (count == 0)
          pending_binary_.reset();
        send_error("error", error_code::invalid_message_format,
                   "binary attachments are not supported", ack);
        return;
      }
      case sio_packet_type::ack:
        return; // the broker never asks clients for acks
      default:
        close(close_code::protocol_error, "unexpected Socket.IO packet");
        return;
    }
  }

  void on_namespace_connect(const protocol::sio_packet& packet) {
    using protocol::sio_packet_type;
    if (packet.nsp != "/") {
      protocol::sio_packet refuse{sio_packet_type::connect_error, packet.nsp, std::nullopt,
                                  0, R"({"message":"Invalid namespace"})"};
      send_raw(protocol::encode_eio_message(protocol::encode_sio(refuse)));
      return;
    }
    if (connected_) {
      close(close_code::protocol_error, "second CONNECT to a connected namespace");
      return;
    }
    if (opening_) {
      close(close_code::protocol_error, "second CONNECT while the first is answered");
      return;
    }
    if (!decide_identity()) {
      send_raw(protocol::frame_sio_connect_error("invalid user id", "AUTH_FAILED"));
      return;
    }
    open_session(protocol::parse_recovery_auth(packet.data, p_.cfg->limits.protocol));
  }

  /// Decides who this is (PROTOCOL.md §2, modes `none` and `header`).
  bool decide_identity() {
    std::string user;
    if (p_.cfg->auth == auth_mode::header) {
      user = !p_.upgrade.header_user_id.empty() ? p_.upgrade.header_user_id
                                                : p_.upgrade.query_user_id;
      if (!user.empty() && !valid_user_id(user))
        return false;
    }
    who_.anonymous = user.empty();
    who_.user_id = who_.anonymous ? "anon-" + stats_.sid : user;
    who_.roles = p_.cfg->default_roles;
    stats_.user_id = who_.user_id;
    ever_connected_ = true;
    return true;
  }

  void register_session() {
    self_->send(p_.directory, register_atom::value, stats_.sid, who_.user_id,
                caf::actor_cast<caf::actor>(self_));
    registered_ = true;
  }

  bool recovery_on() const {
    return p_.supervisor && p_.cfg->recovery.enabled();
  }

  bool saves() const {
    return p_.persistence && !who_.anonymous;
  }

  // -- opening: fresh, restored or recovered (PROTOCOL.md §7) ----------------------------
  //
  // Every step awaits its answer, so nothing else this actor receives (room and stream
  // packets above all) is handled before connect_response, the offline messages and
  // the replay are written: they simply wait in the mailbox, in order.

  void open_session(std::optional<protocol::recovery_request> rec) {
    opening_ = true;
    if (rec && recovery_on()) {
      try_resume(*rec);
      return;
    }
    begin_fresh(rec.has_value());
  }

  /// A new session: an identified user gets back their saved rooms and streams, then
  /// their offline messages; a guest gets nothing.
  void begin_fresh(bool asked_to_recover) {
    if (recovery_on())
      pid_ = random_id(16);
    register_session();
    std::optional<bool> recovered;
    if (asked_to_recover)
      recovered = false;
    if (!saves()) {
      announce(recovered);
      return;
    }
    self_->request(p_.persistence, caf::infinite, load_saved_atom::value, who_.user_id)
      .await(
        [this, recovered](const saved_state& saved) {
          restore(saved.rooms, saved.streams, [this, recovered] { attach_and_announce(recovered); });
        },
        [this, recovered](const caf::error& err) {
          log_line("session", "loading saved subscriptions failed: " + caf::to_string(err));
          attach_and_announce(recovered);
        });
  }

  /// Counts this session at the persistence actor (so room messages are no longer
  /// queued for this user) and takes the offline queue in the same step.
  void attach_and_announce(std::optional<bool> recovered) {
    self_->request(p_.persistence, caf::infinite, attach_atom::value, who_.user_id,
                   static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user))
      .await(
        [this, recovered](const offline_batch& queued) {
          attached_ = true;
          announce(recovered);
          deliver_offline(queued);
          release_snapshots();
        },
        [this, recovered](const caf::error& err) {
          log_line("session", "reading the offline queue failed: " + caf::to_string(err));
          announce(recovered);
          release_snapshots();
        });
  }

  /// Joins rooms and subscribes streams given back (saved, or from a dropped session)
  /// with this session's sid, then calls `then`. Snapshots wait in snapshots_.
  template <class Then>
  void restore(const std::vector<std::string>& rooms,
               const std::vector<std::pair<std::string, std::vector<std::string>>>& streams,
               Then then) {
    auto room_count = std::min(rooms.size(), p_.cfg->limits.max_rooms_per_connection);
    auto stream_count = std::min(streams.size(), p_.cfg->limits.max_streams_per_connection);
    auto left = std::make_shared<std::size_t>(room_count + stream_count);
    if (*left == 0) {
      then();
      return;
    }
    auto step = [left, then]() mutable {
      if (--*left == 0)
        then();
    };
    member_info me{stats_.sid, who_.user_id, who_.roles, caf::actor_cast<caf::actor>(self_)};
    for (std::size_t i = 0; i < room_count; ++i) {
      auto room = rooms[i];
      self_->request(p_.directory, caf::infinite, join_atom::value, room, me)
        .await(
          [this, room, step](const join_reply& reply) mutable {
            if (reply.ok) {
              rooms_[room] = reply.room;
              restored_rooms_.push_back(room);
            }
            step();
          },
          [step](const caf::error&) mutable { step(); });
    }
    for (std::size_t i = 0; i < stream_count; ++i) {
      auto symbol = streams[i].first;
      self_->request(p_.market, caf::infinite, stream_sub_atom::value, symbol, stats_.sid,
                     caf::actor_cast<caf::actor>(self_), streams[i].second)
        .await(
          [this, symbol, step](const stream_reply& reply) mutable {
            if (reply.ok) {
              streams_[symbol] = reply.fields;
              restored_streams_.push_back(symbol);
              if (reply.snapshot)
                snapshots_.push_back(reply.snapshot);
            }
            step();
          },
          [step](const caf::error&) mutable { step(); });
    }
  }

  /// The CONNECT reply (Socket.IO) and connect_response; from here on the session is live.
  void announce(std::optional<bool> recovered) {
    if (p_.transport == transport_kind::socketio)
      send_raw(protocol::frame_sio_connect(
        stats_.sid, pid_.empty() ? std::nullopt : std::optional<std::string>(pid_)));
    protocol::connect_info info;
    info.sid = stats_.sid;
    info.user_id = who_.user_id;
    info.roles = who_.roles;
    info.server_time_ms = now_ms();
    if (!restored_rooms_.empty() || !restored_streams_.empty()) {
      std::sort(restored_rooms_.begin(), restored_rooms_.end());
      std::sort(restored_streams_.begin(), restored_streams_.end());
      info.restored_json = protocol::encode_restored(restored_rooms_, restored_streams_);
    }
    if (p_.transport == transport_kind::json && !pid_.empty())
      info.resume_token = pid_;
    info.recovered = recovered;
    send_event("connect_response", protocol::encode_connect_response(info));
    restored_rooms_.clear();
    restored_streams_.clear();
    connected_ = true;
    opening_ = false;
  }

  /// The stream snapshots of a restore, after connect_response and the offline queue.
  void release_snapshots() {
    for (auto& snapshot : snapshots_)
      on_deliver(snapshot);
    snapshots_.clear();
  }

  /// Writes queued messages marked "offline":true; the persistence actor removes them
  /// once they are on the socket (if the connection dies first, they stay queued).
  void deliver_offline(const offline_batch& queued) {
    if (queued.empty())
      return;
    std::vector<std::int64_t> ids;
    ids.reserve(queued.size());
    for (auto& m : queued) {
      send_event(m.event, protocol::with_offline_flag(m.payload));
      ids.push_back(m.id);
    }
    remove_when_written(std::move(ids));
  }

  void remove_when_written(std::vector<std::int64_t> ids) {
    flush();
    if (auto conn = p_.conn.lock())
      conn->when_written([persistence = p_.persistence, user = who_.user_id,
                          ids = std::move(ids)]() mutable {
        caf::anon_send(persistence, offline_done_atom::value, user, std::move(ids));
      });
  }

  // -- recovery: the new session's side --------------------------------------------

  void try_resume(const protocol::recovery_request& rec) {
    auto offset = rec.offset;
    self_->request(p_.supervisor, caf::infinite, resume_atom::value, rec.pid)
      .await(
        [this, offset](const std::vector<caf::actor>& found) {
          if (found.empty()) { // unknown, or the window passed
            begin_fresh(true);
            return;
          }
          auto old = found.front();
          self_->request(old, caf::infinite, handover_atom::value, who_.user_id, who_.anonymous)
            .await(
              [this, old, offset](handover_state& state) { adopt(std::move(state), old, offset); },
              [this](const caf::error&) { begin_fresh(true); });
        },
        [this](const caf::error&) { begin_fresh(true); });
  }

  /// Becomes the dropped session: its sid, pid and identity; its rooms and streams
  /// re-pointed here (same sid, so nobody sees a leave or a join).
  void adopt(handover_state state, caf::actor old, std::optional<std::string> offset) {
    stats_.sid = state.sid;
    pid_ = state.pid;
    who_ = state.who;
    stats_.user_id = who_.user_id;
    attached_ = saves(); // the dropped session's place at the persistence actor is ours now
    register_session();
    auto frames = std::make_shared<std::vector<shared_frame>>(std::move(state.frames));
    bool overrun = state.overrun;
    restore(state.rooms, state.streams, [this, old, offset, frames, overrun] {
      self_->request(old, caf::infinite, takeover_atom::value)
        .await(
          [this, offset, frames, overrun](const handover_state& tail) {
            frames->insert(frames->end(), tail.frames.begin(), tail.frames.end());
            replay_or_report_gap(*frames, offset, overrun || tail.overrun);
          },
          [this, offset, frames, overrun](const caf::error&) {
            replay_or_report_gap(*frames, offset, overrun);
          });
    });
  }

  /// Everything after `offset` in order, if the kept packets reach back that far;
  /// else an explicit gap: a new pid (socket.recovered stays false), a snapshot per
  /// stream and the offline queue.
  void replay_or_report_gap(const std::vector<shared_frame>& frames,
                            const std::optional<std::string>& offset, bool overrun) {
    std::optional<std::size_t> from;
    if (!offset) {
      if (!overrun)
        from = 0;
    } else {
      for (std::size_t i = frames.size(); i-- > 0;)
        if (frames[i]->offset == *offset) {
          from = i + 1;
          break;
        }
    }
    if (from) {
      snapshots_.clear(); // the client has the data, and the replay brings the rest
      announce(true);
      for (std::size_t i = 0; i < frames.size(); ++i) {
        if (i < *from) {
          keep(frames[i]);
          continue;
        }
        on_deliver(frames[i]);
      }
      self_->send(p_.supervisor, recovered_atom::value, false,
                  static_cast<std::uint64_t>(frames.size() - *from));
      return;
    }
    pid_ = random_id(16); // restore() listed the rooms and streams for connect_response
    self_->send(p_.supervisor, recovered_atom::value, true, std::uint64_t{0});
    if (!attached_) {
      announce(false);
      release_snapshots();
      return;
    }
    self_->request(p_.persistence, caf::infinite, offline_peek_atom::value, who_.user_id,
                   static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user))
      .await(
        [this](const offline_batch& queued) {
          announce(false);
          deliver_offline(queued);
          release_snapshots();
        },
        [this](const caf::error&) {
          announce(false);
          release_snapshots();
        });
  }

public:
  // -- recovery: the dropped session's side ----------------------------------------

  bool can_park() const {
    return recovery_on() && resumable_ && connected_ && !pid_.empty();
  }

  /// The connection dropped: stay in every room and stream, keep what arrives, and
  /// wait for the client to come back with our pid.
  void park() {
    parked_ = true;
    parked_at_ = kept_.pushed();
    outbox_.clear();
    p_.conn.reset();
    for (auto& [name, room] : rooms_) // presence: the others see us leave now
      self_->send(room, away_atom::value, stats_.sid);
    self_->request(p_.supervisor, caf::infinite, park_atom::value, pid_,
                   caf::actor_cast<caf::actor>(self_))
      .then(
        [this](bool accepted) {
          if (!accepted) // too many wait already
            expire();
        },
        [this](const caf::error&) { expire(); });
    self_->delayed_send(self_, p_.cfg->recovery.window, window_due_atom::value);
  }

  void on_window_due() {
    if (!parked_ || handed_over_ || finished_)
      return;
    self_->send(p_.supervisor, unpark_atom::value, pid_);
    expire();
  }

  /// The client is not coming back (in time): what the user is owed and never got goes
  /// to the offline queue, then the session ends like any other.
  void expire() {
    if (finished_)
      return;
    auto oldest = kept_.pushed() - kept_.size(); // number of kept_[0]
    for (std::size_t i = 0; i < kept_.size(); ++i)
      if (oldest + i >= parked_at_)
        queue_offline(kept_[i]);
    finish();
  }

  void queue_offline(const shared_frame& frame) {
    if (!frame->queueable() || !saves())
      return;
    self_->request(p_.persistence, caf::infinite, enqueue_atom::value, who_.user_id,
                   frame->event, frame->payload)
      .then([](std::uint32_t) {},
            [](const caf::error& err) {
              log_line("session", "queueing an offline message failed: " + caf::to_string(err));
            });
  }

  /// Keeps a room/stream packet for replay: the last inflight-packets while
  /// connected, up to parked-packets while dropped. Past that the oldest goes, and a
  /// gap becomes possible; a dropped user's message that goes is queued offline.
  void keep(const shared_frame& frame) {
    auto bound = parked_ ? p_.cfg->recovery.parked_packets : p_.cfg->recovery.inflight_packets;
    kept_.push(frame, bound, [this](shared_frame&& evicted, std::uint64_t number) {
      if (parked_ && number >= parked_at_)
        queue_offline(evicted);
    });
  }

  caf::result<handover_state> hand_over(const std::string& user, bool anonymous) {
    if (!parked_ || handed_over_ || finished_)
      return caf::make_error(caf::sec::invalid_argument, "session is not waiting for recovery");
    // A guest's pid is its only credential; an identified user's must match too.
    if (!who_.anonymous && (anonymous || user != who_.user_id))
      return caf::make_error(caf::sec::invalid_argument, "session belongs to another user");
    handed_over_ = true;
    handover_state state;
    state.sid = stats_.sid;
    state.pid = pid_;
    state.who = who_;
    for (auto& [room, actor] : rooms_)
      state.rooms.push_back(room);
    for (auto& [symbol, fields] : streams_)
      state.streams.emplace_back(symbol, fields);
    state.overrun = kept_.overrun();
    state.frames = kept_.take();
    return state;
  }

  /// The new session has re-pointed every room and stream: hand over what arrived
  /// since, and go without leaving anything (it is all the new session's now).
  handover_state take_over() {
    handover_state tail;
    tail.overrun = kept_.overrun();
    tail.frames = kept_.take();
    finished_ = true;
    self_->quit();
    return tail;
  }

private:

  void on_json_text(const std::string& text) {
    auto msg = protocol::parse_ws_message(text, p_.cfg->limits.protocol);
    if (!msg) {
      // /ws keeps the connection open on malformed input (PROTOCOL.md §6).
      send_error("error", msg.error().code, msg.error().message, {});
      return;
    }
    ack_token ack;
    ack.json = msg->id_json;
    const rapidjson::Value* payload = msg->payload.IsNull() ? nullptr : &msg->payload;
    on_event(msg->event, payload, ack);
  }

  // -- client events -----------------------------------------------------------------

  void on_event(const std::string& name, const rapidjson::Value* payload,
                const ack_token& ack) {
    if (!limiter_.allow()) {
      send_error("error", error_code::rate_limit_exceeded,
                 "more than " + std::to_string(p_.cfg->limits.events_per_second)
                   + " events per second",
                 ack);
      return;
    }
    auto parsed = protocol::parse_client_event(name, payload, p_.cfg->limits.protocol);
    if (auto* bad = std::get_if<protocol::event_error>(&parsed)) {
      if (bad->request_id)
        respond_error(*bad->request_id, std::nullopt, bad->err.code, bad->err.message, ack);
      else
        send_error(bad->reply_event, bad->err.code, bad->err.message, ack);
      return;
    }
    std::visit([&](auto& ev) { handle(ev, ack); },
               std::get<protocol::client_event>(parsed));
  }

  void handle(const protocol::subscribe_room& ev, const ack_token& ack) {
    if (auto it = rooms_.find(ev.room); it != rooms_.end()) {
      // Joining twice is harmless, as in Socket.IO; answer with the current count.
      join(ev.room, ack);
      return;
    }
    if (rooms_.size() >= p_.cfg->limits.max_rooms_per_connection) {
      send_error("error", error_code::subscription_failed,
                 "room limit of " + std::to_string(p_.cfg->limits.max_rooms_per_connection)
                   + " per connection reached",
                 ack);
      return;
    }
    join(ev.room, ack);
  }

  void join(const std::string& room, const ack_token& ack) {
    member_info me{stats_.sid, who_.user_id, who_.roles, caf::actor_cast<caf::actor>(self_)};
    // await: this client's later events wait for the join, so a room_message sent
    // right after a subscribe is never refused as "not in room".
    self_->request(p_.directory, caf::infinite, join_atom::value, room, me)
      .await(
        [this, room, ack](const join_reply& reply) {
          if (!reply.ok) {
            send_error("error", error_code::subscription_failed, reply.error, ack);
            return;
          }
          rooms_[room] = reply.room;
          auto answer = [this, room, ack, members = reply.members] {
            send_reply("subscribed", protocol::encode_subscribed(room, members), ack);
          };
          save_then(answer, save_room_atom::value, who_.user_id, room);
        },
        [this, ack](const caf::error&) {
          send_error("error", error_code::service_unavailable, "room service unavailable",
                     ack);
        });
  }

  void handle(const protocol::unsubscribe_room& ev, const ack_token& ack) {
    // Leaving a room one is not in is harmless, as in Socket.IO; it also forgets a
    // saved room this connection had not joined.
    if (rooms_.erase(ev.room) > 0)
      self_->send(p_.directory, leave_atom::value, ev.room, stats_.sid);
    auto answer = [this, room = ev.room, ack] {
      send_reply("unsubscribed", protocol::encode_unsubscribed(room), ack);
    };
    save_then(answer, forget_room_atom::value, who_.user_id, ev.room);
  }

  /// Saves (or forgets) a subscription for an identified user, then answers: a client
  /// that saw `subscribed` has it saved, even if the broker is killed right after.
  /// Guests save nothing and are answered at once. await: the client's next events
  /// wait, so a subscribe and an unsubscribe are saved in the order sent.
  template <class Answer, class... Write>
  void save_then(Answer answer, Write&&... write) {
    if (!saves()) {
      answer();
      return;
    }
    self_->request(p_.persistence, caf::infinite, std::forward<Write>(write)...)
      .await([answer](bool) mutable { answer(); },
             [answer](const caf::error& err) mutable {
               // Live state is right; only its saved copy is behind. Say so, answer anyway.
               log_line("session", "saving a subscription failed: " + caf::to_string(err));
               answer();
             });
  }

  void handle(const protocol::room_message_in& ev, const ack_token& ack) {
    auto it = rooms_.find(ev.room);
    if (it == rooms_.end()) {
      send_error("error", error_code::room_not_found,
                 "not a member of room " + ev.room + "; subscribe first", ack);
      return;
    }
    protocol::room_message_out out{random_id(12), ev.room,         who_.user_id,
                                   ev.type,       ev.content_json, ev.metadata_json,
                                   now_ms()};
    auto payload = protocol::encode_room_message(out);
    audience to{ev.target.role.value_or(""), ev.target.user_id.value_or("")};
    auto frame = make_user_frame("room_message", payload, recovery_on() ? out.id : std::string());
    self_->send(it->second, publish_atom::value, frame, to);
    auto answer = [this, ack, payload] {
      if (ack.wanted())
        send_ack(ack, protocol::with_ok(payload, true));
    };
    // Saved members who are away get it in their offline queue. Role-targeted messages
    // are not queued: an absent user's roles are not known.
    if (!p_.persistence || !to.role.empty()) {
      answer();
      return;
    }
    queue_for_room(ev.room, frame, to.user_id, [answer](std::uint32_t) { answer(); });
  }

  /// Queues a room's message for its saved members who have no session, then calls
  /// `then(queued)`: after the commit, so an acknowledged message survives a kill -9.
  template <class Then>
  void queue_for_room(const std::string& room, const shared_frame& frame,
                      const std::string& target_user, Then then) {
    self_->request(p_.persistence, caf::infinite, room_offline_atom::value, room, frame->event,
                   frame->payload, target_user)
      .then([then](std::uint32_t queued) mutable { then(queued); },
            [then](const caf::error& err) mutable {
              log_line("session", "queueing for absent members failed: " + caf::to_string(err));
              then(0);
            });
  }

  void handle(const protocol::ping_in&, const ack_token& ack) {
    send_reply("pong", protocol::encode_pong(now_ms()), ack);
  }

  // -- market streams ----------------------------------------------------------------

  void handle(const protocol::subscribe_stream& ev, const ack_token& ack) {
    if (!streams_.count(ev.symbol)
        && streams_.size() >= p_.cfg->limits.max_streams_per_connection) {
      send_error("stream_error", error_code::subscription_failed,
                 "stream limit of "
                   + std::to_string(p_.cfg->limits.max_streams_per_connection)
                   + " per connection reached",
                 ack);
      return;
    }
    ask_stream(ev.symbol, "stream_subscribed", &protocol::encode_stream_subscribed, ack,
               stream_sub_atom::value, ev.symbol, stats_.sid,
               caf::actor_cast<caf::actor>(self_), ev.fields);
  }

  /// Asks the market (`request...`) about this connection's subscription to `symbol`
  /// and answers with `event` (encoded by `encode`), then the snapshot if any.
  /// await: the snapshot and every later tick of the stream come after the reply, and
  /// this client's next events wait for it.
  template <class... Request>
  void ask_stream(const std::string& symbol, std::string_view event,
                  std::string (*encode)(std::string_view, const std::vector<std::string>&,
                                        std::int64_t),
                  const ack_token& ack, Request&&... request) {
    self_->request(p_.market, caf::infinite, std::forward<Request>(request)...)
      .await(
        [this, symbol, event, encode, ack](const stream_reply& reply) {
          if (!reply.ok) {
            send_error("stream_error", stream_error_code(reply.error_code), reply.error, ack);
            return;
          }
          streams_[symbol] = reply.fields;
          auto answer = [this, symbol, event, encode, ack, reply] {
            send_reply(event, encode(symbol, reply.fields, now_ms()), ack);
            if (reply.snapshot)
              on_deliver(reply.snapshot);
          };
          save_then(answer, save_stream_atom::value, who_.user_id, symbol, reply.fields);
        },
        [this, ack](const caf::error&) {
          send_error("stream_error", error_code::service_unavailable,
                     "market service unavailable", ack);
        });
  }

  void handle(const protocol::unsubscribe_stream& ev, const ack_token& ack) {
    if (streams_.erase(ev.symbol) == 0) {
      send_error("stream_error", error_code::unsubscription_failed,
                 "not subscribed to " + ev.symbol, ack);
      return;
    }
    self_->send(p_.market, stream_unsub_atom::value, ev.symbol, stats_.sid);
    auto answer = [this, symbol = ev.symbol, ack] {
      send_reply("stream_unsubscribed", protocol::encode_stream_unsubscribed(symbol, now_ms()),
                 ack);
    };
    save_then(answer, forget_stream_atom::value, who_.user_id, ev.symbol);
  }

  void handle(const protocol::stream_filter_update& ev, const ack_token& ack) {
    if (!streams_.count(ev.symbol)) {
      send_error("stream_error", error_code::subscriber_not_found,
                 "not subscribed to " + ev.symbol + "; subscribe_market_stream first", ack);
      return;
    }
    ask_stream(ev.symbol, "stream_filter_updated", &protocol::encode_stream_filter_updated, ack,
               stream_filter_atom::value, ev.symbol, stats_.sid, ev.fields);
  }

  void handle(const protocol::publish_ticks& ev, const ack_token& ack) {
    if (!who_.has_role("publisher") && !who_.has_role("admin")) {
      send_error("error", error_code::permission_denied,
                 "publish needs the publisher or admin role", ack);
      return;
    }
    self_->request(p_.market, caf::infinite, publish_atom::value, tick_batch(ev.ticks))
      .then(
        [this, ack](const publish_result& r) {
          if (ack.wanted())
            send_ack(ack, protocol::encode_publish_ack(r.accepted, r.duplicates));
        },
        [this, ack](const caf::error&) {
          send_error("error", error_code::service_unavailable, "market service unavailable",
                     ack);
        });
  }

  static error_code stream_error_code(const std::string& name) {
    if (auto code = protocol::parse_error_code(name))
      return *code;
    return error_code::subscription_failed;
  }

  void handle(const protocol::request_in& req, const ack_token& ack) {
    using protocol::request_action;
    switch (req.action) {
      case request_action::list_rooms:
        self_->request(p_.directory, caf::infinite, list_rooms_atom::value)
          .then(
            [this, req, ack](const std::vector<room_brief>& rooms) {
              std::vector<std::pair<std::string, std::uint32_t>> rows;
              rows.reserve(rooms.size());
              for (auto& r : rooms)
                rows.emplace_back(r.name, r.members);
              respond_ok(req, protocol::encode_room_list(rows), ack);
            },
            [this, req, ack](const caf::error&) { unavailable(req, ack); });
        return;
      case request_action::room_members:
        self_->request(p_.directory, caf::infinite, members_atom::value, req.room)
          .then(
            [this, req, ack](const std::vector<member_brief>& members) {
              if (members.empty()) {
                respond_error(req.request_id, req.trace_id, error_code::room_not_found,
                              "no room named " + req.room, ack);
                return;
              }
              std::vector<std::pair<std::string, std::string>> rows;
              rows.reserve(members.size());
              for (auto& m : members)
                rows.emplace_back(m.sid, m.user_id);
              respond_ok(req, protocol::encode_room_members(req.room, rows), ack);
            },
            [this, req, ack](const caf::error&) {
              // The room retired between the lookup and the question: it is empty.
              respond_error(req.request_id, req.trace_id, error_code::room_not_found,
                            "no room named " + req.room, ack);
            });
        return;
      case request_action::get_subscriptions: {
        std::vector<std::string> rooms;
        rooms.reserve(rooms_.size());
        for (auto& [name, room] : rooms_)
          rooms.push_back(name);
        std::sort(rooms.begin(), rooms.end());
        std::vector<std::string> symbols;
        symbols.reserve(streams_.size());
        for (auto& [symbol, fields] : streams_)
          symbols.push_back(symbol);
        std::sort(symbols.begin(), symbols.end());
        if (!saves()) {
          respond_ok(req, protocol::encode_subscriptions(rooms, symbols, {}, {}), ack);
          return;
        }
        self_->request(p_.persistence, caf::infinite, load_saved_atom::value, who_.user_id)
          .then(
            [this, req, ack, rooms, symbols](const saved_state& saved) {
              std::vector<std::string> saved_symbols;
              for (auto& [symbol, fields] : saved.streams)
                saved_symbols.push_back(symbol);
              respond_ok(req,
                         protocol::encode_subscriptions(rooms, symbols, saved.rooms, saved_symbols),
                         ack);
            },
            [this, req, ack](const caf::error&) { unavailable(req, ack); });
        return;
      }
      case request_action::get_stats:
        if (!who_.has_role("admin")) {
          respond_error(req.request_id, req.trace_id, error_code::permission_denied,
                        "get_stats needs the admin role", ack);
          return;
        }
        self_->request(p_.stats, caf::infinite, get_stats_atom::value)
          .then([this, req, ack](const std::string& doc) { respond_ok(req, doc, ack); },
                [this, req, ack](const caf::error&) { unavailable(req, ack); });
        return;
      case request_action::send_to_user:
      case request_action::broadcast:
        send_targeted(req, ack);
        return;
      case request_action::get_market_data:
        self_->request(p_.market, caf::infinite, market_data_atom::value, req.symbol,
                       req.limit.value_or(0))
          .then(
            [this, req, ack](const std::string& data) {
              if (data.empty())
                respond_error(req.request_id, req.trace_id, error_code::stream_not_found,
                              "no market data for " + req.symbol, ack);
              else
                respond_ok(req, data, ack);
            },
            [this, req, ack](const caf::error&) { unavailable(req, ack); });
        return;
      case request_action::get_offline_messages:
        pull_offline(req, ack);
        return;
    }
  }

  /// get_offline_messages (pull, as MyStocks did): up to `count` (default 100) queued
  /// messages, oldest first, removed once the response is written.
  void pull_offline(const protocol::request_in& req, const ack_token& ack) {
    if (!saves()) {
      respond_ok(req, protocol::encode_offline_messages({}), ack);
      return;
    }
    auto limit = static_cast<std::uint32_t>(
      std::min<std::size_t>(req.count.value_or(100), p_.cfg->storage.offline_max_per_user));
    self_->request(p_.persistence, caf::infinite, offline_peek_atom::value, who_.user_id, limit)
      .then(
        [this, req, ack](const offline_batch& queued) {
          std::vector<protocol::offline_entry> entries;
          std::vector<std::int64_t> ids;
          for (auto& m : queued) {
            entries.push_back(protocol::offline_entry{m.event, m.payload, m.created_ms});
            ids.push_back(m.id);
          }
          respond_ok(req, protocol::encode_offline_messages(entries), ack);
          if (!ids.empty())
            remove_when_written(std::move(ids));
        },
        [this, req, ack](const caf::error&) { unavailable(req, ack); });
  }

  /// send_to_user and broadcast: a `notification` to a user's connections or to a
  /// room's members (optionally one role), for publishers and admins. A user with no
  /// session, or a room's saved members who are away, get it in their offline queue.
  void send_targeted(const protocol::request_in& req, const ack_token& ack) {
    if (!who_.has_role("admin") && !who_.has_role("publisher")) {
      respond_error(req.request_id, req.trace_id, error_code::permission_denied,
                    std::string(protocol::to_string(req.action))
                      + " needs the publisher or admin role",
                    ack);
      return;
    }
    auto frame = make_user_frame(
      "notification",
      protocol::encode_notification(req.room, req.event, req.data_json, now_ms(), false),
      recovery_on() ? random_id(12) : std::string());
    auto answer = [this, req, ack](std::uint32_t reached, std::uint32_t queued) {
      respond_ok(req, protocol::encode_delivered(reached, queued), ack);
    };
    auto on_error = [this, req, ack](const caf::error&) { unavailable(req, ack); };
    if (req.action == protocol::request_action::send_to_user) {
      self_->request(p_.directory, caf::infinite, publish_atom::value, req.user_id, frame)
        .then(
          [this, req, frame, answer, on_error](std::uint32_t reached) {
            if (reached > 0 || !p_.persistence || req.user_id.starts_with("anon-")) {
              answer(reached, 0);
              return;
            }
            self_->request(p_.persistence, caf::infinite, enqueue_atom::value, req.user_id,
                           frame->event, frame->payload)
              .then([answer](std::uint32_t queued) { answer(0, queued); }, on_error);
          },
          on_error);
      return;
    }
    bool to_role = req.role.has_value() && !req.role->empty();
    self_->request(p_.directory, caf::infinite, publish_atom::value, req.room, frame,
                   audience{req.role.value_or(""), ""})
      .then(
        [this, req, frame, answer, to_role](std::uint32_t reached) {
          if (!p_.persistence || to_role) {
            answer(reached, 0);
            return;
          }
          queue_for_room(req.room, frame, {},
                         [answer, reached](std::uint32_t queued) { answer(reached, queued); });
        },
        on_error);
  }

  void unavailable(const protocol::request_in& req, const ack_token& ack) {
    respond_error(req.request_id, req.trace_id, error_code::service_unavailable,
                  "service unavailable", ack);
  }

  // -- outbound ----------------------------------------------------------------------

  void respond_ok(const protocol::request_in& req, const std::string& data,
                  const ack_token& ack) {
    send_reply("response",
               protocol::encode_response_ok(req.request_id, data, now_ms(), req.trace_id),
               ack);
  }

  void respond_error(const std::string& request_id, const std::optional<std::string>& trace,
                     error_code code, const std::string& message, const ack_token& ack) {
    ++stats_.errors;
    auto payload = protocol::encode_response_error(request_id, code, message, now_ms(), trace);
    send_event("response", payload);
    if (ack.wanted())
      send_ack(ack, protocol::with_ok(payload, false));
  }

  /// A success: the reply event, and the ack (same payload plus "ok":true).
  void send_reply(std::string_view event, const std::string& payload, const ack_token& ack) {
    send_event(event, payload);
    if (ack.wanted())
      send_ack(ack, protocol::with_ok(payload, true));
  }

  /// A failure: an `error`/`stream_error` event, and the ack (error plus "ok":false).
  void send_error(std::string_view event, error_code code, const std::string& message,
                  const ack_token& ack) {
    ++stats_.errors;
    auto payload = protocol::encode_error(code, message);
    send_event(event, payload);
    if (ack.wanted())
      send_ack(ack, protocol::with_ok(payload, false));
  }

  void send_event(std::string_view event, std::string_view payload) {
    send_raw(p_.transport == transport_kind::socketio
               ? protocol::frame_sio_event(event, payload)
               : protocol::frame_ws_event(event, payload));
  }

  void send_ack(const ack_token& ack, std::string_view payload) {
    if (ack.socketio)
      send_raw(protocol::frame_sio_ack(*ack.socketio, payload));
    else if (ack.json)
      send_raw(protocol::frame_ws_ack(*ack.json, payload));
  }

  void send_raw(std::string bytes) {
    ++stats_.messages_out;
    write(make_out_frame(std::move(bytes)));
  }

  /// Frames wait in `outbox_` until this actor has worked through its mailbox: the
  /// flush message queues behind what is there, and frames from other streams that
  /// arrive meanwhile join the batch, so under load one hand-over carries many frames;
  /// at light load the flush follows at once. (Flushing directly on an empty mailbox
  /// measured worse: W2 p99 239 ms against 90 ms.)
  void write(out_frame frame) {
    outbox_.push_back(std::move(frame));
    if (!flush_queued_) {
      flush_queued_ = true;
      self_->send(self_, flush_atom::value);
    }
  }


  /// Closes the connection; `resumable`: the client may recover the session (a ping
  /// timeout is a dead link, not a goodbye).
  void close(close_code code, std::string reason, bool resumable = false) {
    flush(); // what was said before the close goes out before it
    if (!resumable)
      resumable_ = false;
    if (auto conn = p_.conn.lock())
      conn->close(code, reason);
    on_closed(reason);
  }

  void leave_everything() {
    for (auto& [name, room] : rooms_)
      self_->send(p_.directory, leave_atom::value, name, stats_.sid);
    rooms_.clear();
    for (auto& [symbol, fields] : streams_)
      self_->send(p_.market, stream_unsub_atom::value, symbol, stats_.sid);
    streams_.clear();
  }

  /// Leaves every room, unregisters and quits; safe to call more than once.
  void finish() {
    if (finished_)
      return;
    finished_ = true;
    leave_everything();
    if (attached_)
      self_->send(p_.persistence, detach_atom::value, who_.user_id);
    if (registered_)
      self_->send(p_.directory, unregister_atom::value, stats_.sid);
    self_->quit();
  }

  caf::event_based_actor* self_;
  session_params p_;
  identity who_;
  connection_stats stats_;
  rate_limiter limiter_;
  engineio_heartbeat heartbeat_;
  std::unordered_map<std::string, caf::actor> rooms_;
  std::vector<out_frame> outbox_; // written on the next flush
  bool flush_queued_ = false; // a flush message is in the mailbox
  std::unordered_map<std::string, std::vector<std::string>> streams_; // symbol -> fields
  std::optional<protocol::binary_assembler> pending_binary_;
  bool connected_ = false;      // in namespace "/" now (/ws: past connect_response)
  bool ever_connected_ = false; // for the connect timeout
  bool opening_ = false;        // between CONNECT and connect_response
  bool registered_ = false;
  bool finished_ = false;
  bool attached_ = false;       // counted as a session of who_ at the persistence actor
  // recovery
  std::string pid_;              // private id (PROTOCOL.md §7); empty: recovery off
  replay_buffer<shared_frame> kept_; // the last room/stream packets, for replay
  bool resumable_ = true;        // false after a goodbye or a protocol error
  bool parked_ = false;          // the connection dropped; waiting for the client
  std::uint64_t parked_at_ = 0;  // kept_.pushed() when it dropped
  bool handed_over_ = false;     // a new session is taking this one over
  std::vector<std::string> restored_rooms_;   // for connect_response.restored
  std::vector<std::string> restored_streams_;
  std::vector<shared_frame> snapshots_; // of restored streams, sent after connect_response
};

} // namespace

caf::behavior session_actor(caf::event_based_actor* self, session_params params) {
  auto core = std::make_shared<session_core>(self, std::move(params));
  core->start();
  return {
    [core](ws_text_atom, const std::string& text) {
      core->on_text(text);
      core->consumed();
    },
    [core](ws_binary_atom, std::string& bytes) {
      core->on_binary(std::move(bytes));
      core->consumed();
    },
    [core](ws_closed_atom, const std::string& reason) { core->on_closed(reason); },
    [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
    [core](flush_atom) { core->on_flush_message(); },
    [core](ping_tick_atom) { core->on_ping_tick(); },
    [core](pong_due_atom, std::uint64_t ping) { core->on_pong_due(ping); },
    [core](connect_due_atom) { core->on_connect_due(); },
    [core](get_stats_atom) { return core->stats(); },
    [core](shutdown_atom) { core->on_shutdown(); },
    [core](handover_atom, const std::string& user, bool anonymous) {
      return core->hand_over(user, anonymous);
    },
    [core](takeover_atom) { return core->take_over(); },
    [core](window_due_atom) { core->on_window_due(); },
  };
}

} // namespace qc

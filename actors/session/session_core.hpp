#pragma once
// The state and behaviour of one session actor (session.hpp), internal to its files:
//   session_states.cpp    the states (session_state.hpp): a handler table each, and the
//                         transitions between them (start, close, park, finish)
//   session_protocol.cpp  inbound frames: Engine.IO, Socket.IO packets, /ws JSON, budget
//   session_events.cpp    client events and requests
//   session_outbound.cpp  replies, errors, acks, the outbox and its flush
//   session_open.cpp      answering CONNECT: a fresh session, restored subscriptions, the
//                         offline queue, paced backlogs
//   session_resume.cpp    a returning client: taking a parked session over, replay or gap
//   session_recovery.cpp  the dropped side: parked, then handing over or expiring

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/common/clock.hpp"
#include "actors/common/fan_in.hpp"
#include "actors/common/frames.hpp"
#include "actors/session/heartbeat.hpp"
#include "actors/common/ids.hpp"
#include "actors/common/log.hpp"
#include "actors/session/inbound_budget.hpp"
#include "actors/session/replay_buffer.hpp"
#include "actors/session/session.hpp"
#include "actors/session/session_state.hpp"
#include "actors/session/socket_handlers.hpp"
#include "protocol/auth_wire.hpp"
#include "protocol/client_events.hpp"
#include "protocol/framing.hpp"
#include "protocol/json.hpp"
#include "protocol/names.hpp"
#include "protocol/recovery.hpp"
#include "protocol/request_data.hpp"
#include "protocol/server_events.hpp"
#include "protocol/socketio.hpp"

namespace qc::session_detail {

using protocol::error_code;

/// The session's own timer at its token's expiry (+ leeway); carries the arming's number,
/// so a timer from before a refresh is ignored.
using token_due_atom = caf::atom_constant<caf::atom("token_due")>;

/// How a client asked to be answered: a Socket.IO ack id, a /ws message id, or not.
struct ack_token {
  std::optional<std::uint64_t> socketio;
  std::optional<std::string> json;

  bool wanted() const {
    return socketio || json;
  }
};

class session_core {
public:
  session_core(caf::event_based_actor* self, session_params params)
    : self_(self),
      p_(std::move(params)),
      budget_(p_.cfg->limits.events_per_second, p_.cfg->limits.inbound_bytes_per_second,
              p_.cfg->engineio.max_payload, p_.cfg->limits.over_budget_seconds),
      heartbeat_(self, p_.cfg->engineio),
      parked_charge_(p_.parked_budget) {
    stats_.sid = random_id();
    stats_.transport = p_.transport == transport_kind::socketio ? "websocket" : "json";
    stats_.connected_ms = now_ms();
    stats_.last_activity_ms = stats_.connected_ms;
  }

  // -- states (session_states.cpp) ----------------------------------------------------

  /// Sends the Engine.IO open (Socket.IO) or opens the session at once (/ws); returns
  /// the behaviour of the state it is in then, the actor's first.
  caf::behavior start(std::shared_ptr<session_core> self_owned);

  // -- the Engine.IO layer (engineio_dispatch.hpp) ------------------------------------

  void on_eio_message(std::string_view data, const std::string& frame);
  void on_eio_pong(const std::string& frame);
  void on_eio_ping(std::string_view data, const std::string& frame);
  void on_eio_noop(const std::string& frame);
  void on_eio_close();
  void on_eio_violation(std::string reason);

private:
  template <class Core>
  friend caf::message_handler qc::socket_handlers(std::shared_ptr<Core> core);

  // -- states and transitions (session_states.cpp) -------------------------------------

  /// The handler table of `state`; every one holds `owner_` (the core lives as long as
  /// the actor's behaviour).
  caf::behavior behavior_of(session_state state);

  caf::message_handler connection_handlers();
  caf::message_handler common_handlers();

  /// Moves to `next` and installs its handler table.
  void enter(session_state next);

  /// States in which the session stays in its rooms and streams for a dropped client.
  bool is_parked() const {
    return state_ == session_state::parked || state_ == session_state::handing_over;
  }

  /// The socket is gone (peer closed, error, or our own close completed). A session
  /// its client may come back to parks, with the frames its connection kept; any
  /// other ends.
  void on_closed(const std::string& reason, const closed_state& state);

  /// While the socket is open: closes it with 1001 going away, then ends.
  void on_shutdown();

  /// Closes the connection; `resumable`: the client may recover the session (a ping
  /// timeout is a dead link, not a goodbye).
  void close(close_code code, std::string reason, bool resumable = false);

  /// The client said goodbye on an open socket (Socket.IO DISCONNECT): leave
  /// everything and wait for the socket to close, or for a new CONNECT.
  void say_goodbye();

  /// From now on messages for this user go to its offline queue. Detaching at the
  /// persistence actor first means senders queue what the rooms no longer bring us;
  /// what a room sent before our leave arrives before its answer to the leave, and is
  /// queued then. Nothing falls in between.
  void leave_everything();

  /// Leaves everything (unless the goodbye did), unregisters, and quits once the
  /// rooms and the directory have answered (so nothing is still on its way).
  void finish();

  /// Counts a request whose answer finish() waits for.
  template <class Handle>
  void track(Handle handle) {
    ++unanswered_;
    auto answered = [this] {
      if (--unanswered_ == 0 && state_ == session_state::closing)
        self_->quit();
    };
    handle.then([answered](bool) { answered(); },
                [answered](const caf::error&) { answered(); });
  }

  // -- heartbeat and deadlines (session_protocol.cpp) ----------------------------------

  void on_ping_tick();
  void on_pong_due(std::uint64_t ping);
  void on_connect_due();
  /// A Socket.IO packet's attachments were due by now (limits.incomplete-message-timeout).
  void on_incomplete_due(std::uint64_t packet);

  // -- inbound frames (session_protocol.cpp) -------------------------------------------

  void on_text(const std::string& text);
  void on_binary(std::string bytes);
  void on_json_text(const std::string& text);
  void on_socketio_packet(protocol::sio_packet& packet);
  void on_namespace_connect(const protocol::sio_packet& packet);

  /// A binary packet: its attachments must follow within the deadline and the byte cap.
  void expect_attachments(protocol::sio_packet packet);

  /// The next `header.attachments` binary frames are swallowed (none: nothing to do).
  void await_attachments(protocol::sio_packet header);

  /// Charges an inbound message of `bytes` to the budget before anything parses it;
  /// false if it is refused (answered with RATE_LIMIT_EXCEEDED when `answer`, on `ack`)
  /// or the connection is closed for flooding.
  bool admit(std::size_t bytes, bool answer, const ack_token& ack);

  /// Tells the socket one more inbound frame is handled (read flow control).
  void consumed();

  // -- client events (session_events.cpp) ----------------------------------------------

  void on_event(const std::string& name, const rapidjson::Value* payload,
                const ack_token& ack);
  void handle(const protocol::subscribe_room& ev, const ack_token& ack);
  void join(const std::string& room, const ack_token& ack);
  void handle(const protocol::unsubscribe_room& ev, const ack_token& ack);
  void handle(const protocol::room_message_in& ev, const ack_token& ack);
  void handle(const protocol::ping_in&, const ack_token& ack);
  void handle(const protocol::subscribe_stream& ev, const ack_token& ack);
  void handle(const protocol::unsubscribe_stream& ev, const ack_token& ack);
  void handle(const protocol::stream_filter_update& ev, const ack_token& ack);
  void handle(const protocol::publish_ticks& ev, const ack_token& ack);
  void handle(const protocol::request_in& req, const ack_token& ack);
  void handle(const protocol::auth_refresh& ev, const ack_token& ack);

  // -- tokens (session_token.cpp) ------------------------------------------------------

  /// A token's claims, checked by the broker's current verifier at the current time.
  protocol::result<protocol::jwt_claims> verify_token(const std::string& token) const;

  /// (Re)arms the expiry timer at token_exp_ + leeway; nothing without a token.
  void arm_token_timer();

  /// The token expired and no refresh came: error AUTH_TOKEN_EXPIRED, then the
  /// connection closes (1008; Socket.IO: after a DISCONNECT packet). Not resumable.
  void on_token_due(std::uint64_t arming);

  // -- room roles and room administration (session_room_admin.cpp) --------------------

  /// This session as a member of `room`, with the room role it asks for: the
  /// strongest of the policy's g2 lines for its identity there and the default
  /// (room_member, or room_guest when anonymous). The room may grant more.
  member_info member_for(const std::string& room) const;
  void handle(const protocol::kick_member_in& ev, const ack_token& ack);
  void handle(const protocol::set_member_role_in& ev, const ack_token& ack);
  /// What a room tells a session about itself: removed by kick_member, or a new role.
  caf::message_handler room_admin_handlers();
  /// Kicked: out of the room live and saved (a reconnect does not bring it back).
  void on_kicked(const std::string& room, const shared_frame& frame);
  void on_role_changed(const std::string& room, const std::string& role, const shared_frame& frame);

  // -- authorization (session_access.cpp) ---------------------------------------------

  /// May this session do `action` on `object` ("room:<r>", "stream:<s>", "user:<id>",
  /// "system:stats", "system:rooms")? Asks the current authorizer with the session's
  /// global roles, its user id and, for a room it is in, its room role there.
  bool permits(std::string_view object, std::string_view action) const;

  /// PERMISSION_DENIED for `what` ("joining room:x"), on `reply_event` and the ack.
  void deny(std::string_view reply_event, const std::string& what, const ack_token& ack);
  /// The same as a request's error response.
  void deny(const protocol::request_in& req, const std::string& what, const ack_token& ack);

  /// Saves (or forgets) a subscription for an identified user, then answers: a client
  /// that saw `subscribed` has it saved, even if the broker is killed right after.
  /// Guests save nothing and are answered at once. await: the client's next events
  /// wait, so a subscribe and an unsubscribe are saved in the order sent.
  template <class Answer, class... Write>
  void save_then(Answer answer, Write&&... write);

  /// Queues a room's message for its saved members who have no session, then calls
  /// `then(queued)`: after the commit, so an acknowledged message survives a kill -9.
  template <class Then>
  void queue_for_room(const std::string& room, const shared_frame& frame,
                      const std::string& target_user, Then then);

  /// Asks the market (`request...`) about this connection's subscription to `symbol`
  /// and answers with `event` (encoded by `encode`), then the snapshot if any.
  /// await: the snapshot and every later tick of the stream come after the reply, and
  /// this client's next events wait for it.
  template <class... Request>
  void ask_stream(const std::string& symbol, std::string_view event,
                  std::string (*encode)(std::string_view, const std::vector<std::string>&,
                                        std::int64_t),
                  const ack_token& ack, Request&&... request);

  /// get_offline_messages (pull, as MyStocks did): up to `count` (default 100) queued
  /// messages, oldest first, removed once the response is written.
  void pull_offline(const protocol::request_in& req, const ack_token& ack);

  /// send_to_user and broadcast: a `notification` to a user's connections or to a
  /// room's members (optionally one role), for publishers and admins. A user with no
  /// session, or a room's saved members who are away, get it in their offline queue.
  void send_targeted(const protocol::request_in& req, const ack_token& ack);

  void unavailable(const protocol::request_in& req, const ack_token& ack);

  // -- outbound (session_outbound.cpp) -------------------------------------------------

  /// A room or stream packet, by state: written (live), kept for replay (parked,
  /// handing over) or queued offline (departed, closing).
  void on_deliver(const shared_frame& frame);

  /// Live: writes a room or stream packet to the client.
  void write_delivery(const shared_frame& frame);

  void on_flush_message();

  /// Hands everything in the outbox to the socket at once (see write()).
  void flush();

  connection_stats stats();

  void respond_ok(const protocol::request_in& req, const std::string& data,
                  const ack_token& ack);
  void respond_error(const std::string& request_id, const std::optional<std::string>& trace,
                     error_code code, const std::string& message, const ack_token& ack);
  /// A success: the reply event, and the ack (same payload plus "ok":true).
  void send_reply(std::string_view event, const std::string& payload, const ack_token& ack);
  /// A failure: an `error`/`stream_error` event, and the ack (error plus "ok":false).
  void send_error(std::string_view event, error_code code, const std::string& message,
                  const ack_token& ack);
  void send_event(std::string_view event, std::string_view payload);
  void send_ack(const ack_token& ack, std::string_view payload);
  void send_raw(std::string bytes);

  /// Tells the connection to write the held frames of `topic` (after what was sent).
  void release(topic_id topic);

  /// This session's connection as a stream's direct subscriber, or null.
  sink_ptr direct_sink() const;

  /// Frames wait in `outbox_` until this actor has worked through its mailbox: the
  /// flush message queues behind what is there, and frames from other streams that
  /// arrive meanwhile join the batch, so under load one hand-over carries many frames;
  /// at light load the flush follows at once. (Flushing directly on an empty mailbox
  /// measured worse: W2 p99 239 ms against 90 ms.)
  void write(out_frame frame);

  // -- opening a session (session_open.cpp, PROTOCOL.md §2 and §7) ---------------------
  //
  // Every step awaits its answer, so nothing else this actor receives (room and stream
  // packets above all) is handled before connect_response, the offline messages and
  // the replay are written: they simply wait in the mailbox, in order.

  /// Decides who this is (PROTOCOL.md §2, all four modes) from the upgrade request and,
  /// on Socket.IO, the CONNECT auth object (`connect_auth`, may be null); nothing, or
  /// why the connection is refused (AUTH_REQUIRED, AUTH_FAILED, AUTH_TOKEN_EXPIRED).
  std::optional<protocol::error> decide_identity(const rapidjson::Value* connect_auth);

  /// The one token this connection presented (see protocol::choose_token).
  protocol::presented_token token_presented(const rapidjson::Value* connect_auth) const;

  /// The identity is accepted: resume a parked session if asked to (and possible),
  /// else open a fresh one.
  void open_session(std::optional<protocol::recovery_request> rec);

  /// A new session: register, then an identified user gets back their saved rooms and
  /// streams and their offline queue; a guest is answered at once.
  void begin_fresh(std::optional<bool> recovered);
  void load_saved_subscriptions(std::optional<bool> recovered);

  /// Counts this session at the persistence actor (so room messages are no longer
  /// queued for this user) and takes the offline queue's first page in the same step;
  /// then answers CONNECT, delivers the queue and the snapshots.
  void attach_to_persistence(std::optional<bool> recovered);

  void register_session();
  bool recovery_on() const;
  bool saves() const;

  /// Joins rooms and subscribes streams given back (saved, or from a dropped session)
  /// with this session's sid, then calls `then`. Snapshots wait in snapshots_. Only
  /// what the current roles permit (join, subscribe) is restored; `held`: a dropped
  /// session still holds them under this sid, so the rest is left explicitly.
  void restore_subscriptions(
    const std::vector<std::string>& rooms,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& streams,
    std::function<void()> then, bool held = false);

  /// The CONNECT reply (Socket.IO) and connect_response; from here on the session is live.
  void answer_connect(std::optional<bool> recovered);

  /// The offline queue from `page` (its first page) on, then the restored snapshots.
  void deliver_offline_queue(offline_batch page);

  /// The stream snapshots of a restore, after connect_response and the offline queue;
  /// then the streams' live frames, which the connection held until now.
  void send_restored_snapshots();

  /// Lets the connection write the frames it held for the restored streams.
  void release_held_topics();

  /// Writes the offline queue, from `page` on, marked "offline":true, one page at a
  /// time (see after_written()), then calls `done`. The persistence actor removes each
  /// message once it is on the socket (if the connection dies first, the rest stays
  /// queued, and `done` is not called).
  void deliver_offline(offline_batch page, std::function<void()> done);

  /// Writes (*frames)[from...] a page of limits.backlog-page-bytes at a time, each once
  /// the one before is on the socket, then calls `done`. If the connection ends (or the
  /// client reads too slowly) first, the rest goes to the outbox at once: the closed
  /// connection passes replayable frames back, and the session keeps them if it parks.
  void write_paced(std::shared_ptr<const std::vector<shared_frame>> frames, std::size_t from,
                   std::function<void()> done);

  /// Waits until everything written so far is on the socket, then calls `then`. The
  /// wait is an await: nothing else this actor receives is handled meanwhile, so a
  /// backlog is never overtaken by live traffic. If the connection ends first, calls
  /// `stop`; if the client takes longer than limits.backlog-drain-timeout, closes it
  /// as a slow consumer (recoverable) and calls `stop`.
  void after_written(std::function<void()> then, std::function<void()> stop);

  void remove_when_written(std::vector<std::int64_t> ids);

  // -- resuming: the returning client's new session (session_resume.cpp) ---------------

  /// What a resume carries from step to step.
  struct resume_progress {
    std::optional<std::string> offset; // the last offset the client saw
    caf::actor old;                    // the parked session
    std::vector<shared_frame> frames;  // what it kept, oldest first
    bool overrun = false;              // it dropped some: a gap is possible
  };
  using resume_ptr = std::shared_ptr<resume_progress>;

  /// Asks the registry of parked sessions for the one with the client's pid.
  void find_parked_session(const protocol::recovery_request& rec);

  /// Asks that session to hand itself over (it checks the user).
  void ask_for_handover(resume_ptr resume);

  /// Becomes the dropped session: its sid, pid and identity; its rooms and streams
  /// re-pointed here (same sid, so nobody sees a leave or a join).
  void adopt(handover_state state, resume_ptr resume);

  /// The old session answers once every stream we took over has stopped sending to
  /// it, so its answer holds every frame that went its way.
  void collect_the_tail(resume_ptr resume);

  /// Everything after the offset in order, if the kept packets reach back that far;
  /// else an explicit gap.
  void replay_or_report_gap(const resume_progress& resume);

  /// connect_response with recovered:true, the missed packets, then the live frames.
  void replay(const std::vector<shared_frame>& frames, std::size_t from);

  /// A new pid (socket.recovered stays false), a snapshot per stream and the offline
  /// queue.
  void report_gap();

  // -- parked and handing over: the dropped side (session_recovery.cpp) ----------------

  bool can_park() const;

  /// The connection dropped: stay in every room and stream, keep what the connection
  /// kept and what arrives, and wait for the client to come back with our pid.
  void park(const std::vector<shared_frame>& kept);

  void on_window_due();

  /// The client is not coming back (in time): what the user is owed and never got goes
  /// to the offline queue, then the session ends like any other.
  void expire();

  void queue_offline(const shared_frame& frame);

  /// Keeps a room/stream packet for replay once the connection has dropped (while
  /// connected, the connection keeps them): what it kept, then up to parked-packets
  /// and parked-bytes, and only as much as the broker-wide parked budget lets it hold.
  /// Past that the oldest goes, and a gap becomes possible; a dropped user's message
  /// that goes is queued offline.
  void keep(const shared_frame& frame);

  /// Charges what kept_ holds to the parked budget, evicting the oldest until it fits.
  void fit_budget();

  /// Passed what keep() evicts: a dropped user's message that arrived after the drop
  /// goes to the offline queue.
  auto on_evicted() {
    return [this](shared_frame&& evicted, std::uint64_t number) {
      if (is_parked() && number >= parked_at_)
        queue_offline(evicted);
    };
  }

  caf::result<handover_state> hand_over(const std::string& user, bool anonymous);

  /// The new session has re-pointed every room and the streams `symbols`: once each of
  /// those has said `detached` (after the last frame that came our way), hand over what
  /// arrived since and go without leaving anything (it is all the new session's now).
  caf::result<handover_state> take_over(std::vector<std::string> symbols);

  /// A stream that now delivers to the new session; see take_over().
  void on_detached(const std::string& symbol);

  /// Markers that did not come in time (a bug, or a stream gone): hand over anyway.
  void on_detach_due();

  void finish_takeover();

  /// What arrived since the handover, for the new session; this one is done then.
  handover_state last_of_kept();

  // How long a finishing session waits for the directory to answer a leave or its
  // unregister before it quits anyway.
  static constexpr auto departure_answer_timeout = std::chrono::seconds(5);
  static constexpr auto detach_within = std::chrono::seconds(2);

  caf::event_based_actor* self_;
  /// The core itself, weakly: the handler tables capture it strongly, and the actor's
  /// current behaviour is what keeps the core alive.
  std::weak_ptr<session_core> owner_;
  session_params p_;
  identity who_;
  connection_stats stats_;
  inbound_budget budget_;
  engineio_heartbeat heartbeat_;
  std::unordered_map<std::string, room_actor> rooms_;
  // room -> this session's room role there ("room_member", ...), set by join replies and
  // role changes; a room the session is not in has none.
  std::unordered_map<std::string, std::string> room_roles_;
  mutable std::vector<std::string> subjects_; // permits()'s scratch: no allocation per check
  std::int64_t token_exp_ = 0;     // the token's exp (s since the epoch); 0: no token
  std::uint64_t token_armings_ = 0; // the expiry timer's number (see token_due_atom)
  std::vector<out_frame> outbox_; // written on the next flush
  std::unordered_map<std::string, std::vector<std::string>> streams_; // symbol -> fields
  // Heap-held: binary packets are rare, and an idle session should not carry an empty
  // assembler (a packet with its parsed document is ~250 bytes) for each connection.
  std::unique_ptr<protocol::binary_assembler> pending_binary_;
  std::uint64_t binary_packets_ = 0; // binary packets begun: the deadline's generation
  session_state state_ = session_state::awaiting_connect;
  bool flush_queued_ = false; // a flush message is in the mailbox
  bool first_connect_seen_ = false; // the CONNECT that opens the session is not charged
  bool registered_ = false;     // at the directory (unregistered by finish())
  bool attached_ = false;       // counted as a session of who_ at the persistence actor
  bool resumable_ = true;       // false after a goodbye or a protocol error
  bool connection_closed_ = false; // its direct frames are counted into stats_
  std::size_t unanswered_ = 0;  // leaves and unregister not answered yet
  // recovery
  std::string pid_;              // private id (PROTOCOL.md §7); empty: recovery off
  replay_buffer<shared_frame, frame_weight> kept_; // room/stream packets for replay, once parked
  std::uint64_t parked_at_ = 0;  // kept_.pushed() when it dropped
  std::vector<std::string> restored_rooms_;   // for connect_response.restored
  std::vector<std::string> restored_streams_;
  std::vector<shared_frame> snapshots_; // of restored streams, sent after connect_response
  std::vector<topic_id> held_topics_;   // of restored streams, released after the snapshots
  budget_lease parked_charge_;     // kept_'s bytes, once parked (recovery.parked-total-bytes)
  // take_over: the streams still to say `detached`, and the new session's answer
  std::vector<std::string> awaiting_detach_;
  std::vector<std::string> detached_;
  std::optional<caf::typed_response_promise<handover_state>> takeover_answer_;
};

} // namespace qc::session_detail

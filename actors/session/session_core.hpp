#pragma once
// The state and behaviour of one session actor (session.hpp), in three files by
// concern: session.cpp (the protocol: frames, client events, requests, writes),
// session_open.cpp (answering CONNECT: fresh, restored or recovered, then the offline
// queue) and session_recovery.cpp (the dropped side: parking, keeping packets for
// replay, handing over to the returning client). Internal to those three files.

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

  // -- lifecycle ---------------------------------------------------------------------

  void start();

  /// The socket is gone (peer closed, error, or our own close completed). A session
  /// its client may come back to waits for it, with the frames its connection kept;
  /// any other ends.
  void on_closed(const std::string& reason, const closed_state& state);

  void on_shutdown();

  // -- heartbeat (Engine.IO) ---------------------------------------------------------

  void on_ping_tick();

  void on_pong_due(std::uint64_t ping);

  void on_connect_due();

  /// A Socket.IO packet's attachments were due by now (limits.incomplete-message-timeout).
  void on_incomplete_due(std::uint64_t packet);

  // -- inbound frames ----------------------------------------------------------------

  void on_text(const std::string& text);

  void on_binary(std::string bytes);

  void on_deliver(const shared_frame& frame);

  void on_flush_message();

  /// Hands everything in the outbox to the socket at once (see write()).
  void flush();

  /// Tells the socket one more inbound frame is handled (read flow control).
  void consumed();

  connection_stats stats();

private:
  void on_engineio_text(const std::string& text);

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

  /// Decides who this is (PROTOCOL.md §2, modes `none` and `header`); empty, or why
  /// the claimed identity is refused.
  std::string decide_identity();

  void register_session();

  bool recovery_on() const;

  bool saves() const;

  // -- opening: fresh, restored or recovered (PROTOCOL.md §7) ----------------------------
  //
  // Every step awaits its answer, so nothing else this actor receives (room and stream
  // packets above all) is handled before connect_response, the offline messages and
  // the replay are written: they simply wait in the mailbox, in order.

  void open_session(std::optional<protocol::recovery_request> rec);

  /// A new session: an identified user gets back their saved rooms and streams, then
  /// their offline messages; a guest gets nothing.
  void begin_fresh(bool asked_to_recover);

  /// Counts this session at the persistence actor (so room messages are no longer
  /// queued for this user) and takes the offline queue in the same step.
  void attach_and_announce(std::optional<bool> recovered);

  /// Joins rooms and subscribes streams given back (saved, or from a dropped session)
  /// with this session's sid, then calls `then`. Snapshots wait in snapshots_.
  template <class Then>
  void restore(const std::vector<std::string>& rooms,
               const std::vector<std::pair<std::string, std::vector<std::string>>>& streams,
               Then then) {
    auto room_count = std::min(rooms.size(), p_.cfg->limits.max_rooms_per_connection);
    auto stream_count = std::min(streams.size(), p_.cfg->limits.max_streams_per_connection);
    auto left = std::make_shared<fan_in>(room_count + stream_count);
    if (left->outstanding() == 0) {
      then();
      return;
    }
    auto step = [left, then]() mutable { left->arrived(then); };
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
                     caf::actor_cast<caf::actor>(self_), direct_sink(), streams[i].second)
        .await(
          [this, symbol, step](const stream_reply& reply) mutable {
            if (reply.ok) {
              streams_[symbol] = reply.fields;
              restored_streams_.push_back(symbol);
              held_topics_.push_back(reply.topic);
              if (reply.snapshot)
                snapshots_.push_back(reply.snapshot);
            }
            step();
          },
          [step](const caf::error&) mutable { step(); });
    }
  }

  /// The CONNECT reply (Socket.IO) and connect_response; from here on the session is live.
  void announce(std::optional<bool> recovered);

  /// The stream snapshots of a restore, after connect_response and the offline queue;
  /// then the streams' live frames, which the connection held until now.
  void release_snapshots();

  /// Lets the connection write the frames it held for the restored streams.
  void release_held_topics();

  /// This session's connection as a stream's direct subscriber, or null.
  sink_ptr direct_sink() const;

  /// Writes the offline queue, from `page` (its first page) on, marked "offline":true,
  /// one page at a time (see after_written()), then calls `done`. The persistence
  /// actor removes each message once it is on the socket (if the connection dies
  /// first, the rest stays queued, and `done` is not called).
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

  // -- recovery: the new session's side --------------------------------------------

  void try_resume(const protocol::recovery_request& rec);

  /// Becomes the dropped session: its sid, pid and identity; its rooms and streams
  /// re-pointed here (same sid, so nobody sees a leave or a join).
  void adopt(handover_state state, caf::actor old, std::optional<std::string> offset);

  /// Everything after `offset` in order, if the kept packets reach back that far;
  /// else an explicit gap: a new pid (socket.recovered stays false), a snapshot per
  /// stream and the offline queue.
  void replay_or_report_gap(const std::vector<shared_frame>& frames,
                            const std::optional<std::string>& offset, bool overrun);

public:
  // -- recovery: the dropped session's side ----------------------------------------

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
      if (parked_ && number >= parked_at_)
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

private:

  void on_json_text(const std::string& text);

  // -- client events -----------------------------------------------------------------

  void on_event(const std::string& name, const rapidjson::Value* payload,
                const ack_token& ack);

  void handle(const protocol::subscribe_room& ev, const ack_token& ack);

  void join(const std::string& room, const ack_token& ack);

  void handle(const protocol::unsubscribe_room& ev, const ack_token& ack);

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

  void handle(const protocol::room_message_in& ev, const ack_token& ack);

  /// Queues a room's message for its saved members who have no session, then calls
  /// `then(queued)`: after the commit, so an acknowledged message survives a kill -9.
  template <class Then>
  void queue_for_room(const std::string& room, const shared_frame& frame,
                      const std::string& target_user, Then then) {
    self_->request(p_.persistence, caf::infinite, room_offline_atom::value, room, frame,
                   target_user)
      .then([then](std::uint32_t queued) mutable { then(queued); },
            [then](const caf::error& err) mutable {
              log_line("session", "queueing for absent members failed: " + caf::to_string(err));
              then(0);
            });
  }

  void handle(const protocol::ping_in&, const ack_token& ack);

  // -- market streams ----------------------------------------------------------------

  void handle(const protocol::subscribe_stream& ev, const ack_token& ack);

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
            send_error("stream_error", reply.code, reply.error, ack);
            return;
          }
          streams_[symbol] = reply.fields;
          auto answer = [this, symbol, event, encode, ack, reply] {
            send_reply(event, encode(symbol, reply.fields, now_ms()), ack);
            if (reply.snapshot)
              on_deliver(reply.snapshot);
            release(reply.topic); // the live frames come after the reply and the snapshot
          };
          save_then(answer, save_stream_atom::value, who_.user_id, symbol, reply.fields);
        },
        [this, ack](const caf::error&) {
          send_error("stream_error", error_code::service_unavailable,
                     "market service unavailable", ack);
        });
  }

  void handle(const protocol::unsubscribe_stream& ev, const ack_token& ack);

  void handle(const protocol::stream_filter_update& ev, const ack_token& ack);

  void handle(const protocol::publish_ticks& ev, const ack_token& ack);

  void handle(const protocol::request_in& req, const ack_token& ack);

  /// get_offline_messages (pull, as MyStocks did): up to `count` (default 100) queued
  /// messages, oldest first, removed once the response is written.
  void pull_offline(const protocol::request_in& req, const ack_token& ack);

  /// send_to_user and broadcast: a `notification` to a user's connections or to a
  /// room's members (optionally one role), for publishers and admins. A user with no
  /// session, or a room's saved members who are away, get it in their offline queue.
  void send_targeted(const protocol::request_in& req, const ack_token& ack);

  void unavailable(const protocol::request_in& req, const ack_token& ack);

  // -- outbound ----------------------------------------------------------------------

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

  /// Frames wait in `outbox_` until this actor has worked through its mailbox: the
  /// flush message queues behind what is there, and frames from other streams that
  /// arrive meanwhile join the batch, so under load one hand-over carries many frames;
  /// at light load the flush follows at once. (Flushing directly on an empty mailbox
  /// measured worse: W2 p99 239 ms against 90 ms.)
  void write(out_frame frame);


  /// Closes the connection; `resumable`: the client may recover the session (a ping
  /// timeout is a dead link, not a goodbye).
  void close(close_code code, std::string reason, bool resumable = false);

  /// The client is gone or said goodbye: from now on messages for this user go to its
  /// offline queue. Detaching at the persistence actor first means senders queue what
  /// the rooms no longer bring us; what a room sent before our leave arrives before its
  /// answer to the leave, and on_deliver queues it. Nothing falls in between.
  void say_goodbye();

  /// Says goodbye, unregisters, and quits once the rooms and the directory have
  /// answered (so nothing is still on its way); safe to call more than once.
  void finish();

  /// Counts a request whose answer finish() waits for.
  template <class Handle>
  void track(Handle handle) {
    ++unanswered_;
    auto answered = [this] {
      if (--unanswered_ == 0 && finished_)
        self_->quit();
    };
    handle.then([answered](bool) { answered(); },
                [answered](const caf::error&) { answered(); });
  }

  // How long a leave or unregister may take before a finishing session stops waiting.
  static constexpr auto answer_within = std::chrono::seconds(5);

  caf::event_based_actor* self_;
  session_params p_;
  identity who_;
  connection_stats stats_;
  inbound_budget budget_;
  engineio_heartbeat heartbeat_;
  std::unordered_map<std::string, room_actor> rooms_;
  std::vector<out_frame> outbox_; // written on the next flush
  bool flush_queued_ = false; // a flush message is in the mailbox
  std::unordered_map<std::string, std::vector<std::string>> streams_; // symbol -> fields
  // Heap-held: binary packets are rare, and an idle session should not carry an empty
  // assembler (a packet with its parsed document is ~250 bytes) for each connection.
  std::unique_ptr<protocol::binary_assembler> pending_binary_;
  std::uint64_t binary_packets_ = 0; // binary packets begun: the deadline's generation
  bool connected_ = false;      // in namespace "/" now (/ws: past connect_response)
  bool ever_connected_ = false; // for the connect timeout
  bool opening_ = false;        // between CONNECT and connect_response
  bool first_connect_seen_ = false; // the CONNECT that opens the session is not charged
  bool registered_ = false;
  bool finished_ = false;
  bool goodbye_ = false;          // say_goodbye() ran: deliveries go to the offline queue
  std::size_t unanswered_ = 0;    // leaves and unregister not answered yet
  bool attached_ = false;       // counted as a session of who_ at the persistence actor
  // recovery
  std::string pid_;              // private id (PROTOCOL.md §7); empty: recovery off
  replay_buffer<shared_frame, frame_weight> kept_; // room/stream packets for replay, once parked
  bool resumable_ = true;        // false after a goodbye or a protocol error
  bool parked_ = false;          // the connection dropped; waiting for the client
  std::uint64_t parked_at_ = 0;  // kept_.pushed() when it dropped
  bool handed_over_ = false;     // a new session is taking this one over
  std::vector<std::string> restored_rooms_;   // for connect_response.restored
  std::vector<std::string> restored_streams_;
  std::vector<shared_frame> snapshots_; // of restored streams, sent after connect_response
  std::vector<topic_id> held_topics_;   // of restored streams, released after the snapshots
  bool connection_closed_ = false; // its direct frames are counted into stats_
  budget_lease parked_charge_;     // kept_'s bytes, once parked (recovery.parked-total-bytes)
  // take_over: the streams still to say `detached`, and the new session's answer
  std::vector<std::string> awaiting_detach_;
  std::vector<std::string> detached_;
  std::optional<caf::typed_response_promise<handover_state>> takeover_answer_;
  static constexpr auto detach_within = std::chrono::seconds(2);

  void finish_takeover();
  /// What arrived since the handover, for the new session; this one is done then.
  handover_state last_of_kept();
};

} // namespace qc::session_detail

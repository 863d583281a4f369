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
#include "actors/rate_limiter.hpp"
#include "protocol/client_events.hpp"
#include "protocol/engineio.hpp"
#include "protocol/framing.hpp"
#include "protocol/json.hpp"
#include "protocol/names.hpp"
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
      if (!identify()) {
        send_error("error", error_code::auth_failed, "invalid user id", {});
        close(close_code::policy_violation, "invalid user id");
        return;
      }
      send_event("connect_response", connect_payload());
      return;
    }
    send_raw(heartbeat_.open(true));
  }

  /// The socket is gone (peer closed, error, or our own close completed).
  void on_closed() {
    finish();
  }

  void on_shutdown() {
    close(close_code::going_away, "server shutting down");
  }

  // -- heartbeat (Engine.IO) ---------------------------------------------------------

  void on_ping_tick() {
    if (finished_)
      return;
    send_raw(heartbeat_.ping());
  }

  void on_pong_due(std::uint64_t ping) {
    if (heartbeat_.overdue(ping))
      close(close_code::normal, "ping timeout");
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
    if (finished_ || !connected_)
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
      conn->send(std::move(outbox_));
    outbox_.clear();
  }

  /// Tells the socket one more inbound frame is handled (read flow control).
  void consumed() {
    if (auto conn = p_.conn.lock())
      conn->consumed();
  }

  connection_stats stats() {
    stats_.rooms = rooms_.size();
    stats_.user_id = who_.user_id;
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
    if (!identify()) {
      protocol::sio_packet refuse{sio_packet_type::connect_error, "/", std::nullopt, 0,
                                  R"({"message":"invalid user id","data":{"error_code":"AUTH_FAILED"}})"};
      send_raw(protocol::encode_eio_message(protocol::encode_sio(refuse)));
      return;
    }
    std::string body = "{\"sid\":";
    protocol::write_escaped_string(body, stats_.sid);
    body += '}';
    protocol::sio_packet accept{sio_packet_type::connect, "/", std::nullopt, 0, body};
    send_raw(protocol::encode_eio_message(protocol::encode_sio(accept)));
    send_event("connect_response", connect_payload());
  }

  /// Decides who this is (PROTOCOL.md §2, modes `none` and `header`) and registers
  /// the session with the directory.
  bool identify() {
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
    connected_ = true;
    ever_connected_ = true;
    self_->send(p_.directory, register_atom::value, stats_.sid, who_.user_id,
                caf::actor_cast<caf::actor>(self_));
    registered_ = true;
    return true;
  }

  std::string connect_payload() const {
    protocol::connect_info info;
    info.sid = stats_.sid;
    info.user_id = who_.user_id;
    info.roles = who_.roles;
    info.server_time_ms = now_ms();
    return protocol::encode_connect_response(info);
  }

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
          send_reply("subscribed", protocol::encode_subscribed(room, reply.members), ack);
        },
        [this, ack](const caf::error&) {
          send_error("error", error_code::service_unavailable, "room service unavailable",
                     ack);
        });
  }

  void handle(const protocol::unsubscribe_room& ev, const ack_token& ack) {
    // Leaving a room one is not in is harmless, as in Socket.IO.
    if (rooms_.erase(ev.room) > 0)
      self_->send(p_.directory, leave_atom::value, ev.room, stats_.sid);
    send_reply("unsubscribed", protocol::encode_unsubscribed(ev.room), ack);
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
    self_->send(it->second, publish_atom::value, make_shared_frame("room_message", payload),
                to);
    if (ack.wanted())
      send_ack(ack, protocol::with_ok(payload, true));
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
          send_reply(event, encode(symbol, reply.fields, now_ms()), ack);
          if (reply.snapshot)
            on_deliver(reply.snapshot);
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
    send_reply("stream_unsubscribed", protocol::encode_stream_unsubscribed(ev.symbol, now_ms()),
               ack);
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
        // Saved subscriptions arrive with persistence; an empty list is the truth today.
        respond_ok(req, protocol::encode_subscriptions(rooms, symbols, {}, {}), ack);
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
        respond_error(req.request_id, req.trace_id, error_code::service_unavailable,
                      std::string(protocol::to_string(req.action))
                        + " is not enabled on this broker",
                      ack);
        return;
    }
  }

  /// send_to_user and broadcast: a `notification` to a user's connections or to a
  /// room's members (optionally one role), for publishers and admins.
  void send_targeted(const protocol::request_in& req, const ack_token& ack) {
    if (!who_.has_role("admin") && !who_.has_role("publisher")) {
      respond_error(req.request_id, req.trace_id, error_code::permission_denied,
                    std::string(protocol::to_string(req.action))
                      + " needs the publisher or admin role",
                    ack);
      return;
    }
    auto frame = make_shared_frame(
      "notification",
      protocol::encode_notification(req.room, req.event, req.data_json, now_ms(), false));
    auto on_count = [this, req, ack](std::uint32_t reached) {
      respond_ok(req, protocol::encode_delivered(reached), ack);
    };
    auto on_error = [this, req, ack](const caf::error&) { unavailable(req, ack); };
    if (req.action == protocol::request_action::send_to_user)
      self_->request(p_.directory, caf::infinite, publish_atom::value, req.user_id, frame)
        .then(on_count, on_error);
    else
      self_->request(p_.directory, caf::infinite, publish_atom::value, req.room, frame,
                     audience{req.role.value_or(""), ""})
        .then(on_count, on_error);
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


  void close(close_code code, std::string reason) {
    flush(); // what was said before the close goes out before it
    if (auto conn = p_.conn.lock())
      conn->close(code, std::move(reason));
    finish();
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
  bool connected_ = false;      // in namespace "/" now
  bool ever_connected_ = false; // for the connect timeout
  bool registered_ = false;
  bool finished_ = false;
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
    [core](ws_closed_atom, const std::string&) { core->on_closed(); },
    [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
    [core](flush_atom) { core->on_flush_message(); },
    [core](ping_tick_atom) { core->on_ping_tick(); },
    [core](pong_due_atom, std::uint64_t ping) { core->on_pong_due(ping); },
    [core](connect_due_atom) { core->on_connect_due(); },
    [core](get_stats_atom) { return core->stats(); },
    [core](shutdown_atom) { core->on_shutdown(); },
  };
}

} // namespace qc

#include "actors/session/session_core.hpp"

#include <algorithm>
#include <cctype>
#include <variant>

#include "actors/common/close_reasons.hpp"
#include "protocol/engineio.hpp"
#include "protocol/ws_json.hpp"

namespace qc::session_detail {

namespace {

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

} // namespace

// -- lifecycle ---------------------------------------------------------------------

void session_core::start() {
  if (p_.transport == transport_kind::json) {
    // /ws has no namespace handshake: the connection is the session.
    if (auto refused = decide_identity(); !refused.empty()) {
      send_error("error", error_code::auth_failed, refused, {});
      close(close_code::policy_violation, refused);
      return;
    }
    open_session(protocol::recovery_from_query(p_.upgrade.resume, p_.upgrade.resume_offset));
    return;
  }
  send_raw(heartbeat_.open(true));
}

void session_core::on_closed(const std::string& reason, const closed_state& state) {
  if (!connection_closed_) {
    connection_closed_ = true;
    stats_.messages_out += state.direct_frames;
  }
  if (finished_ || parked_)
    return;
  // A /ws client's close frame is a deliberate goodbye; a Socket.IO client says
  // goodbye with a DISCONNECT packet first, and its bare close is a transport close
  // (what socket.io-client's engine.close() does), which the official server recovers.
  if (reason == "client closed" && p_.transport == transport_kind::json)
    resumable_ = false;
  if (can_park())
    park(state.kept);
  else
    finish();
}

void session_core::on_shutdown() {
  resumable_ = false;
  if (parked_ && !handed_over_) {
    expire(); // what the user is owed goes to the offline queue before we stop
    return;
  }
  close(close_code::going_away, "server shutting down");
}

// -- heartbeat (Engine.IO) ---------------------------------------------------------

void session_core::on_ping_tick() {
  if (finished_ || parked_)
    return;
  send_raw(heartbeat_.ping());
}

void session_core::on_pong_due(std::uint64_t ping) {
  if (!parked_ && heartbeat_.overdue(ping))
    close(close_code::normal, "ping timeout", true); // a dead link, not a goodbye
}

void session_core::on_connect_due() {
  if (!ever_connected_)
    close(close_code::normal, "connect timeout");
}

void session_core::on_incomplete_due(std::uint64_t packet) {
  if (pending_binary_ && packet == binary_packets_ && !finished_)
    close(close_code::policy_violation, std::string(incomplete_close_reason));
}

// -- inbound frames ----------------------------------------------------------------

void session_core::on_text(const std::string& text) {
  if (finished_)
    return;
  ++stats_.messages_in;
  stats_.last_activity_ms = now_ms();
  if (p_.transport == transport_kind::json)
    on_json_text(text);
  else
    on_engineio_text(text);
}

void session_core::on_binary(std::string bytes) {
  if (finished_)
    return;
  ++stats_.messages_in;
  stats_.last_activity_ms = now_ms();
  if (p_.transport == transport_kind::json) {
    if (admit(bytes.size(), true, {}))
      send_error("error", error_code::invalid_message_format,
                 "binary frames are not supported on /ws", {});
    return;
  }
  if (!pending_binary_) {
    close(close_code::protocol_error, "unexpected binary frame");
    return;
  }
  // An attachment belongs to a packet that was admitted: it is taken in, and its
  // bytes are owed by the messages after it.
  budget_.charge(bytes.size());
  // Binary attachments are refused (PROTOCOL.md §1); swallow them so the
  // connection stays in step with the client.
  bool complete = pending_binary_->add(std::move(bytes));
  if (pending_binary_->too_big()) {
    close(close_code::too_big,
          "attachments larger than " + std::to_string(p_.cfg->limits.max_attachment_bytes)
            + " bytes");
    return;
  }
  if (complete)
    pending_binary_.reset();
}

// While connected, the connection keeps what it was given for replay (its order is the
// client's); while parked, this session keeps what arrives.
void session_core::on_deliver(const shared_frame& frame) {
  if (goodbye_) { // the client has gone: what was still on its way is owed to the user
    queue_offline(frame);
    return;
  }
  if (finished_)
    return;
  if (parked_) {
    if (!frame->offset.empty() && !pid_.empty())
      keep(frame);
    return;
  }
  if (!connected_)
    return;
  ++stats_.messages_out;
  write(frame_for(frame, p_.transport));
}

void session_core::on_flush_message() {
  flush_queued_ = false;
  flush();
}

void session_core::flush() {
  if (outbox_.empty())
    return;
  if (auto conn = p_.conn.lock())
    conn->send_all(outbox_);
  outbox_.clear(); // keeps its capacity for the next batch
}

void session_core::consumed() {
  if (auto conn = p_.conn.lock())
    conn->consumed();
}

connection_stats session_core::stats() {
  stats_.rooms = rooms_.size();
  stats_.user_id = who_.user_id;
  stats_.parked = parked_;
  auto s = stats_;
  if (!connection_closed_)
    if (auto conn = p_.conn.lock())
      s.messages_out += conn->direct_frames();
  return s;
}

void session_core::on_engineio_text(const std::string& text) {
  auto eio = protocol::parse_eio_text(text);
  if (!eio) {
    close(close_code::protocol_error, "invalid Engine.IO packet");
    return;
  }
  switch (eio->type) {
    case protocol::eio_packet_type::pong:
      budget_.charge(text.size()); // the answer to our ping is never refused
      heartbeat_.pong();
      return;
    case protocol::eio_packet_type::ping: // not sent by v4 clients; answer anyway
      if (!admit(text.size(), false, {}))
        return;
      // The pong echoes the data: never echo more than a probe's worth.
      if (eio->data.size() > p_.cfg->engineio.max_ping_payload) {
        close(close_code::protocol_error,
              "Engine.IO ping data longer than "
                + std::to_string(p_.cfg->engineio.max_ping_payload) + " bytes");
        return;
      }
      send_raw("3" + std::string(eio->data));
      return;
    case protocol::eio_packet_type::close:
      resumable_ = false;
      close(close_code::normal, "client close");
      return;
    case protocol::eio_packet_type::noop:
      admit(text.size(), false, {}); // costs like any message, says nothing
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
  // The header first (no JSON): what the budget needs to answer a refusal.
  const auto& lim = p_.cfg->limits.protocol;
  auto head = protocol::parse_sio_head(eio->data, lim);
  if (!head) {
    close(close_code::protocol_error, head.error().message);
    return;
  }
  using protocol::sio_packet_type;
  if (head->type == sio_packet_type::connect && head->nsp == "/" && !first_connect_seen_) {
    first_connect_seen_ = true; // opening the session is not counted as traffic
    budget_.charge(text.size());
  } else {
    ack_token ack;
    if (head->type == sio_packet_type::event || head->type == sio_packet_type::binary_event)
      ack.socketio = head->ack_id;
    // Before CONNECT there is no namespace to send an error event in.
    if (!admit(text.size(), connected_, ack)) {
      if (head->attachments > 0) // they follow all the same: swallow them, in step
        await_attachments(protocol::sio_packet{head->type, std::string(head->nsp),
                                               head->ack_id, head->attachments});
      return;
    }
  }
  auto packet = protocol::parse_sio(eio->data, lim); // the one parse of its JSON
  if (!packet) {
    // Like the official server: a malformed Socket.IO packet closes the transport.
    close(close_code::protocol_error, packet.error().message);
    return;
  }
  on_socketio_packet(*packet);
}

bool session_core::admit(std::size_t bytes, bool answer, const ack_token& ack) {
  switch (budget_.admit(bytes)) {
    case inbound_budget::verdict::accept:
      return true;
    case inbound_budget::verdict::refuse:
      if (answer)
        send_error("error", error_code::rate_limit_exceeded,
                   "more than " + std::to_string(p_.cfg->limits.events_per_second)
                     + " messages or "
                     + std::to_string(p_.cfg->limits.inbound_bytes_per_second)
                     + " bytes per second",
                   ack);
      else
        ++stats_.errors;
      return false;
    case inbound_budget::verdict::flooding:
      ++stats_.errors;
      close(close_code::policy_violation, std::string(flood_close_reason));
      return false;
  }
  return false;
}

void session_core::on_socketio_packet(protocol::sio_packet& packet) {
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
      say_goodbye();
      return;
    case sio_packet_type::event: {
      const rapidjson::Value& arr = *packet.doc; // parse_sio checked: ["name", ...]
      ack_token ack;
      ack.socketio = packet.ack_id;
      const rapidjson::Value* payload = arr.Size() > 1 ? &arr[1] : nullptr;
      on_event(std::string(arr[0].GetString(), arr[0].GetStringLength()), payload, ack);
      return;
    }
    case sio_packet_type::binary_event:
    case sio_packet_type::binary_ack:
      expect_attachments(std::move(packet));
      return;
    case sio_packet_type::ack:
      return; // the broker never asks clients for acks
    default:
      close(close_code::protocol_error, "unexpected Socket.IO packet");
      return;
  }
}

void session_core::on_namespace_connect(const protocol::sio_packet& packet) {
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
  if (auto refused = decide_identity(); !refused.empty()) {
    send_raw(protocol::frame_sio_connect_error(refused, "AUTH_FAILED"));
    return;
  }
  open_session(protocol::parse_recovery_auth(packet.doc ? &*packet.doc : nullptr));
}

void session_core::expect_attachments(protocol::sio_packet packet) {
  ack_token ack;
  ack.socketio = packet.ack_id;
  await_attachments(std::move(packet));
  send_error("error", error_code::invalid_message_format,
             "binary attachments are not supported", ack);
}

void session_core::await_attachments(protocol::sio_packet header) {
  if (header.attachments == 0)
    return;
  // Until they are in, the next frames must be them: they have a deadline and a cap.
  pending_binary_ = std::make_unique<protocol::binary_assembler>(std::move(header), p_.cfg->limits.max_attachment_bytes);
  self_->delayed_send(self_, p_.cfg->limits.incomplete_message_timeout,
                      incomplete_due_atom::value, ++binary_packets_);
}

std::string session_core::decide_identity() {
  std::string user;
  if (p_.cfg->auth == auth_mode::header) {
    user = !p_.upgrade.header_user_id.empty() ? p_.upgrade.header_user_id
                                              : p_.upgrade.query_user_id;
    if (!user.empty() && !valid_user_id(user))
      return "invalid user id";
    // Guests are anon-<sid>: such an id would be another connection's, and its messages.
    if (user.starts_with("anon-"))
      return "user ids starting with anon- are reserved for guests";
  }
  who_.anonymous = user.empty();
  who_.user_id = who_.anonymous ? "anon-" + stats_.sid : user;
  who_.roles = p_.cfg->default_roles;
  stats_.user_id = who_.user_id;
  ever_connected_ = true;
  return {};
}

void session_core::register_session() {
  self_->send(p_.directory, register_atom::value, stats_.sid, who_.user_id,
              caf::actor_cast<caf::actor>(self_));
  registered_ = true;
}

bool session_core::recovery_on() const {
  return p_.parked_sessions && p_.cfg->recovery.enabled();
}

bool session_core::saves() const {
  return p_.persistence && !who_.anonymous;
}

// -- recovery: the dropped session's side ----------------------------------------

void session_core::on_json_text(const std::string& text) {
  if (!admit(text.size(), true, {})) // its id is in the JSON not parsed: no ack
    return;
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

void session_core::on_event(const std::string& name, const rapidjson::Value* payload,
                            const ack_token& ack) {
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

void session_core::handle(const protocol::subscribe_room& ev, const ack_token& ack) {
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

void session_core::join(const std::string& room, const ack_token& ack) {
  member_info me{stats_.sid, who_.user_id, who_.roles, caf::actor_cast<caf::actor>(self_)};
  // await: this client's later events wait for the join, so a room_message sent
  // right after a subscribe is never refused as "not in room".
  self_->request(p_.directory, caf::infinite, join_atom::value, room, me)
    .await(
      [this, room, ack](const join_reply& reply) {
        if (!reply.ok) {
          send_error("error", reply.code, reply.error, ack);
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

void session_core::handle(const protocol::unsubscribe_room& ev, const ack_token& ack) {
  // Leaving a room one is not in is harmless, as in Socket.IO; it also forgets a
  // saved room this connection had not joined.
  if (rooms_.erase(ev.room) > 0)
    track(self_->request(p_.directory, answer_within, leave_atom::value, ev.room, stats_.sid));
  auto answer = [this, room = ev.room, ack] {
    send_reply("unsubscribed", protocol::encode_unsubscribed(room), ack);
  };
  save_then(answer, forget_room_atom::value, who_.user_id, ev.room);
}

void session_core::handle(const protocol::room_message_in& ev, const ack_token& ack) {
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
  auto frame = make_user_frame("room_message", payload, out.id, recovery_on(), who_.user_id);
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

void session_core::handle(const protocol::ping_in&, const ack_token& ack) {
  send_reply("pong", protocol::encode_pong(now_ms()), ack);
}

// -- market streams ----------------------------------------------------------------

void session_core::handle(const protocol::subscribe_stream& ev, const ack_token& ack) {
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
             caf::actor_cast<caf::actor>(self_), direct_sink(), ev.fields);
}

void session_core::handle(const protocol::unsubscribe_stream& ev, const ack_token& ack) {
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

void session_core::handle(const protocol::stream_filter_update& ev, const ack_token& ack) {
  if (!streams_.count(ev.symbol)) {
    send_error("stream_error", error_code::subscriber_not_found,
               "not subscribed to " + ev.symbol + "; subscribe_market_stream first", ack);
    return;
  }
  ask_stream(ev.symbol, "stream_filter_updated", &protocol::encode_stream_filter_updated, ack,
             stream_filter_atom::value, ev.symbol, stats_.sid, ev.fields);
}

void session_core::handle(const protocol::publish_ticks& ev, const ack_token& ack) {
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

void session_core::handle(const protocol::request_in& req, const ack_token& ack) {
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
    {
      auto page = protocol::resolve_stats_page(req.stats_page, p_.cfg->stats.default_limit,
                                               p_.cfg->limits.max_listed_connections);
      if (!page) {
        respond_error(req.request_id, req.trace_id, page.error().code, page.error().message, ack);
        return;
      }
      self_->request(p_.stats, caf::infinite, get_stats_atom::value, std::uint64_t{page->limit},
                     std::uint64_t{page->offset})
        .then([this, req, ack](const std::string& doc) { respond_ok(req, doc, ack); },
              [this, req, ack](const caf::error&) { unavailable(req, ack); });
      return;
    }
    case request_action::send_to_user:
    case request_action::broadcast:
      send_targeted(req, ack);
      return;
    case request_action::get_market_data:
      self_->request(p_.market, caf::infinite, market_data_atom::value, req.symbol,
                     req.limit.value_or(0), req.before_seq.value_or(0))
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

void session_core::pull_offline(const protocol::request_in& req, const ack_token& ack) {
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

void session_core::send_targeted(const protocol::request_in& req, const ack_token& ack) {
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
    random_id(12), recovery_on(), who_.user_id);
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
          self_->request(p_.persistence, caf::infinite, enqueue_atom::value, req.user_id, frame)
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

void session_core::unavailable(const protocol::request_in& req, const ack_token& ack) {
  respond_error(req.request_id, req.trace_id, error_code::service_unavailable,
                "service unavailable", ack);
}

// -- outbound ----------------------------------------------------------------------

void session_core::respond_ok(const protocol::request_in& req, const std::string& data,
                              const ack_token& ack) {
  send_reply("response",
             protocol::encode_response_ok(req.request_id, data, now_ms(), req.trace_id),
             ack);
}

void session_core::respond_error(const std::string& request_id, const std::optional<std::string>& trace,
                                 error_code code, const std::string& message, const ack_token& ack) {
  ++stats_.errors;
  auto payload = protocol::encode_response_error(request_id, code, message, now_ms(), trace);
  send_event("response", payload);
  if (ack.wanted())
    send_ack(ack, protocol::with_ok(payload, false));
}

void session_core::send_reply(std::string_view event, const std::string& payload, const ack_token& ack) {
  send_event(event, payload);
  if (ack.wanted())
    send_ack(ack, protocol::with_ok(payload, true));
}

void session_core::send_error(std::string_view event, error_code code, const std::string& message,
                              const ack_token& ack) {
  ++stats_.errors;
  auto payload = protocol::encode_error(code, message);
  send_event(event, payload);
  if (ack.wanted())
    send_ack(ack, protocol::with_ok(payload, false));
}

void session_core::send_event(std::string_view event, std::string_view payload) {
  send_raw(p_.transport == transport_kind::socketio
             ? protocol::frame_sio_event(event, payload)
             : protocol::frame_ws_event(event, payload));
}

void session_core::send_ack(const ack_token& ack, std::string_view payload) {
  if (ack.socketio)
    send_raw(protocol::frame_sio_ack(*ack.socketio, payload));
  else if (ack.json)
    send_raw(protocol::frame_ws_ack(*ack.json, payload));
}

void session_core::send_raw(std::string bytes) {
  ++stats_.messages_out;
  write(make_out_frame(std::move(bytes)));
}

void session_core::release(topic_id topic) {
  flush(); // the reply and the snapshot go first
  if (auto conn = p_.conn.lock())
    conn->release(topic);
}

sink_ptr session_core::direct_sink() const {
  if (auto conn = p_.conn.lock())
    return conn->sink();
  return nullptr;
}

void session_core::write(out_frame frame) {
  outbox_.push_back(std::move(frame));
  if (!flush_queued_) {
    flush_queued_ = true;
    self_->send(self_, flush_atom::value);
  }
}

void session_core::close(close_code code, std::string reason, bool resumable) {
  flush(); // what was said before the close goes out before it
  if (!resumable)
    resumable_ = false;
  if (auto conn = p_.conn.lock()) {
    conn->close(code, reason);
    if (can_park())
      return; // its closed message brings the frames it kept, and we park then
  }
  on_closed(reason, closed_state{}); // nothing kept to hand over
}

void session_core::say_goodbye() {
  if (goodbye_)
    return;
  goodbye_ = true;
  connected_ = false;
  if (attached_) {
    self_->send(p_.persistence, detach_atom::value, who_.user_id);
    attached_ = false;
  }
  for (auto& [name, room] : rooms_)
    track(self_->request(p_.directory, answer_within, leave_atom::value, name, stats_.sid));
  rooms_.clear();
  for (auto& [symbol, fields] : streams_)
    self_->send(p_.market, stream_unsub_atom::value, symbol, stats_.sid);
  streams_.clear();
}

void session_core::finish() {
  if (finished_)
    return;
  finished_ = true;
  say_goodbye();
  if (registered_)
    track(self_->request(p_.directory, answer_within, unregister_atom::value, stats_.sid));
  if (unanswered_ == 0)
    self_->quit();
}


} // namespace qc::session_detail

namespace qc {

using session_detail::session_core;

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
    [core](ws_closed_atom, const std::string& reason, const closed_state& state) {
      core->on_closed(reason, state);
    },
    [core](deliver_atom, const shared_frame& frame) { core->on_deliver(frame); },
    [core](flush_atom) { core->on_flush_message(); },
    [core](ping_tick_atom) { core->on_ping_tick(); },
    [core](pong_due_atom, std::uint64_t ping) { core->on_pong_due(ping); },
    [core](connect_due_atom) { core->on_connect_due(); },
    [core](incomplete_due_atom, std::uint64_t packet) { core->on_incomplete_due(packet); },
    [core](get_stats_atom) { return core->stats(); },
    [core](shutdown_atom) { core->on_shutdown(); },
    [core](handover_atom, const std::string& user, bool anonymous) {
      return core->hand_over(user, anonymous);
    },
    [core](takeover_atom, std::vector<std::string>& symbols) {
      return core->take_over(std::move(symbols));
    },
    [core](detached_atom, const std::string& symbol) { core->on_detached(symbol); },
    [core](detach_due_atom) { core->on_detach_due(); },
    [core](window_due_atom) { core->on_window_due(); },
  };
}


} // namespace qc

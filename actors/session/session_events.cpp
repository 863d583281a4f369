// Client events and requests (a live session's work): rooms, room messages, market
// streams, publishing, and the request/response actions.

#include "actors/session/session_core.hpp"

#include <algorithm>
#include <variant>

#include "protocol/room_roles.hpp"

namespace qc::session_detail {

// -- templates used here ---------------------------------------------------------------

template <class Answer, class... Write>
void session_core::save_then(Answer answer, Write&&... write) {
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

template <class Then>
void session_core::queue_for_room(const std::string& room, const shared_frame& frame,
                                  const std::string& target_user, Then then) {
  self_->request(p_.persistence, caf::infinite, room_offline_atom::value, room, frame,
                 target_user)
    .then([then](std::uint32_t queued) mutable { then(queued); },
          [then](const caf::error& err) mutable {
            log_line("session", "queueing for absent members failed: " + caf::to_string(err));
            then(0);
          });
}

template <class... Request>
void session_core::ask_stream(const std::string& symbol, std::string_view event,
                              std::string (*encode)(std::string_view,
                                                    const std::vector<std::string>&,
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
  if (!permits("room:" + ev.room, "join")) {
    deny("error", "joining room " + ev.room, ack);
    return;
  }
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
  // await: this client's later events wait for the join, so a room_message sent
  // right after a subscribe is never refused as "not in room".
  self_->request(p_.directory, caf::infinite, join_atom::value, room, member_for(room))
    .await(
      [this, room, ack](const join_reply& reply) {
        if (!reply.ok) {
          send_error("error", reply.code, reply.error, ack);
          return;
        }
        rooms_[room] = reply.room;
        room_roles_[room] = reply.room_role;
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
  // saved room this connection had not joined. Leaving one it is in is checked
  // (with the room role it still has there).
  if (rooms_.count(ev.room) > 0 && !permits("room:" + ev.room, "leave")) {
    deny("error", "leaving room " + ev.room, ack);
    return;
  }
  room_roles_.erase(ev.room);
  if (rooms_.erase(ev.room) > 0)
    track(self_->request(p_.directory, departure_answer_timeout, leave_atom::value, ev.room, stats_.sid));
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
  // The protocol has no "everyone" form of target (only a role or a user), so
  // mention_all is never asked here; a target needs send_targeted as well.
  const auto object = "room:" + ev.room;
  if (!permits(object, "send_message")) {
    deny("error", "sending to room " + ev.room, ack);
    return;
  }
  if ((ev.target.role || ev.target.user_id) && !permits(object, "send_targeted")) {
    deny("error", "a targeted message in room " + ev.room, ack);
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
  if (!permits("stream:" + ev.symbol, "subscribe")) {
    deny("stream_error", "subscribing to " + ev.symbol, ack);
    return;
  }
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
  // One symbol refused refuses the batch: nothing of it is published.
  std::vector<std::string_view> checked;
  for (const auto& t : ev.ticks) {
    if (std::find(checked.begin(), checked.end(), t.symbol) != checked.end())
      continue;
    if (!permits("stream:" + t.symbol, "publish")) {
      deny("error", "publishing " + t.symbol, ack);
      return;
    }
    checked.push_back(t.symbol);
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
      if (!permits("system:rooms", "list")) {
        deny(req, "listing rooms", ack);
        return;
      }
      self_->request(p_.directory, caf::infinite, list_rooms_atom::value)
        .then(
          [this, req, ack](const std::vector<room_brief>& rooms) {
            // Only the rooms this caller may see (asked when the answer is here, with
            // the roles of then).
            std::vector<std::pair<std::string, std::uint32_t>> rows;
            rows.reserve(rooms.size());
            for (auto& r : rooms)
              if (permits("room:" + r.name, "view"))
                rows.emplace_back(r.name, r.members);
            respond_ok(req, protocol::encode_room_list(rows), ack);
          },
          [this, req, ack](const caf::error&) { unavailable(req, ack); });
      return;
    case request_action::room_members:
      // Before the lookup: a refusal does not tell whether the room exists.
      if (!permits("room:" + req.room, "list_members")) {
        deny(req, "listing the members of room " + req.room, ack);
        return;
      }
      self_->request(p_.directory, caf::infinite, members_atom::value, req.room)
        .then(
          [this, req, ack](const std::vector<member_brief>& members) {
            if (members.empty()) {
              respond_error(req.request_id, req.trace_id, error_code::room_not_found,
                            "no room named " + req.room, ack);
              return;
            }
            std::vector<protocol::member_row> rows;
            rows.reserve(members.size());
            for (auto& m : members)
              rows.push_back({m.sid, m.user_id, std::string(protocol::room_role_to_wire(m.room_role))});
            respond_ok(req, protocol::encode_room_members(req.room, rows), ack);
          },
          [this, req, ack](const caf::error&) {
            // The room retired between the lookup and the question: it is empty.
            respond_error(req.request_id, req.trace_id, error_code::room_not_found,
                          "no room named " + req.room, ack);
          });
      return;
    case request_action::get_subscriptions: {
      if (!permits("user:" + who_.user_id, "read_saved")) {
        deny(req, "reading the subscriptions of " + who_.user_id, ack);
        return;
      }
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
      if (!permits("system:stats", "read")) {
        deny(req, "reading stats", ack);
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
      if (!permits("stream:" + req.symbol, "subscribe")) {
        deny(req, "reading market data of " + req.symbol, ack);
        return;
      }
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
      if (!permits("user:" + who_.user_id, "read_offline")) {
        deny(req, "reading the offline messages of " + who_.user_id, ack);
        return;
      }
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
  const bool to_user = req.action == protocol::request_action::send_to_user;
  if (to_user ? !permits("user:" + req.user_id, "send_to_user")
              : !permits("room:" + req.room, "broadcast")) {
    deny(req, to_user ? "sending to user " + req.user_id : "broadcasting to room " + req.room,
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

} // namespace qc::session_detail

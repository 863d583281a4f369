// Opening a session (PROTOCOL.md §2 and §7): who it is, then a fresh session's steps
// (saved subscriptions, the offline queue, snapshots), and the paced writing of a
// backlog that the resume path (session_resume.cpp) shares.

#include "actors/session/session_core.hpp"

#include <algorithm>
#include <cctype>

#include "actors/net/drain_gate.hpp"

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

protocol::presented_token
session_core::token_presented(const rapidjson::Value* connect_auth) const {
  auto max = p_.cfg->auth.max_token_bytes;
  auto from_upgrade = [max](const std::string& token, bool too_long) {
    if (too_long)
      return protocol::presented_token{protocol::presented_token::state::too_long, {}};
    return protocol::token_from_text(token, max);
  };
  return protocol::choose_token(
    protocol::token_from_connect_auth(connect_auth, max),
    from_upgrade(p_.upgrade.bearer_token, p_.upgrade.bearer_token_too_long),
    from_upgrade(p_.upgrade.query_token, p_.upgrade.query_token_too_long));
}

std::optional<protocol::error> session_core::decide_identity(const rapidjson::Value* connect_auth) {
  using protocol::presented_token;
  const auto& auth = p_.cfg->auth;
  std::string user;
  std::vector<std::string> roles = auth.default_roles;
  std::int64_t exp = 0;
  switch (auth.mode) {
    case auth_mode::jwt:
    case auth_mode::optional: {
      auto token = token_presented(connect_auth);
      switch (token.how) {
        case presented_token::state::none:
          if (auth.mode == auth_mode::jwt)
            return protocol::error{error_code::auth_required,
                                   "a token is required: CONNECT auth {\"token\"}, ?token= or "
                                   "Authorization: Bearer"};
          roles = auth.guest_roles; // optional: a guest
          break;
        case presented_token::state::too_long:
          return protocol::error{error_code::auth_failed,
                                 "token longer than " + std::to_string(auth.max_token_bytes)
                                   + " bytes"};
        case presented_token::state::malformed:
          return protocol::error{error_code::auth_failed, "auth token must be a string"};
        case presented_token::state::given: {
          auto claims = verify_token(token.token);
          if (!claims)
            return claims.error();
          // The verifier refuses these too; a guest's id is never a token's to claim.
          if (!valid_user_id(claims->sub) || claims->sub.starts_with("anon-"))
            return protocol::error{error_code::auth_failed, "token sub is not a usable user id"};
          user = claims->sub;
          roles = protocol::global_roles(claims->roles);
          exp = claims->exp;
          break;
        }
      }
      break;
    }
    case auth_mode::header:
      user = !p_.upgrade.header_user_id.empty() ? p_.upgrade.header_user_id
                                                : p_.upgrade.query_user_id;
      if (!user.empty() && !valid_user_id(user))
        return protocol::error{error_code::auth_failed, "invalid user id"};
      // Guests are anon-<sid>: such an id would be another connection's, and its messages.
      if (user.starts_with("anon-"))
        return protocol::error{error_code::auth_failed,
                               "user ids starting with anon- are reserved for guests"};
      break;
    case auth_mode::none:
      break;
  }
  who_.anonymous = user.empty();
  who_.user_id = who_.anonymous ? "anon-" + stats_.sid : user;
  who_.roles = std::move(roles);
  token_exp_ = exp;
  stats_.user_id = who_.user_id;
  return std::nullopt;
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
void session_core::restore_subscriptions(
  const std::vector<std::string>& all_rooms,
  const std::vector<std::pair<std::string, std::vector<std::string>>>& all_streams,
  std::function<void()> then, bool held) {
  // Roles may have changed since these were saved (or since the drop): what the
  // current ones do not permit is skipped, and stays saved for when they do again.
  std::vector<std::string> rooms;
  for (const auto& room : all_rooms) {
    if (permits("room:" + room, "join"))
      rooms.push_back(room);
    else if (held) // under our sid at the room: take it out
      track(self_->request(p_.directory, departure_answer_timeout, leave_atom::value, room,
                           stats_.sid));
  }
  std::vector<std::pair<std::string, std::vector<std::string>>> streams;
  for (const auto& stream : all_streams) {
    if (permits("stream:" + stream.first, "subscribe"))
      streams.push_back(stream);
    else if (held)
      self_->send(p_.market, stream_unsub_atom::value, stream.first, stats_.sid);
  }
  auto room_count = std::min(rooms.size(), p_.cfg->limits.max_rooms_per_connection);
  auto stream_count = std::min(streams.size(), p_.cfg->limits.max_streams_per_connection);
  auto left = std::make_shared<fan_in>(room_count + stream_count);
  if (left->outstanding() == 0) {
    then();
    return;
  }
  auto step = [left, then]() mutable { left->arrived(then); };
  for (std::size_t i = 0; i < room_count; ++i) {
    auto room = rooms[i];
    // A resumed session re-derives its room roles from the rooms, which kept them.
    self_->request(p_.directory, caf::infinite, join_atom::value, room, member_for(room))
      .await(
        [this, room, step](const join_reply& reply) mutable {
          if (reply.ok) {
            rooms_[room] = reply.room;
            room_roles_[room] = reply.room_role;
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

// -- the steps of a fresh session, in order -------------------------------------------
//
// decide_identity -> open_session -> begin_fresh -> load_saved_subscriptions ->
// restore_subscriptions -> attach_to_persistence -> answer_connect ->
// deliver_offline_queue -> send_restored_snapshots -> release_held_topics
// (a guest: begin_fresh -> answer_connect). A resume: session_resume.cpp.

void session_core::open_session(std::optional<protocol::recovery_request> rec) {
  enter(session_state::opening);
  if (rec && recovery_on()) {
    find_parked_session(*rec);
    return;
  }
  begin_fresh(rec ? std::optional<bool>(false) : std::nullopt);
}

void session_core::begin_fresh(std::optional<bool> recovered) {
  if (recovery_on())
    pid_ = random_id(16);
  register_session();
  if (!saves()) {
    answer_connect(recovered);
    return;
  }
  load_saved_subscriptions(recovered);
}

void session_core::load_saved_subscriptions(std::optional<bool> recovered) {
  self_->request(p_.persistence, caf::infinite, load_saved_atom::value, who_.user_id)
    .await(
      [this, recovered](const saved_state& saved) {
        restore_subscriptions(saved.rooms, saved.streams,
                              [this, recovered] { attach_to_persistence(recovered); });
      },
      [this, recovered](const caf::error& err) {
        log_line("session", "loading saved subscriptions failed: " + caf::to_string(err));
        attach_to_persistence(recovered);
      });
}

void session_core::attach_to_persistence(std::optional<bool> recovered) {
  self_->request(p_.persistence, caf::infinite, attach_atom::value, who_.user_id,
                 static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user),
                 static_cast<std::uint64_t>(p_.cfg->limits.backlog_page_bytes))
    .await(
      [this, recovered](offline_batch& queued) {
        attached_ = true;
        answer_connect(recovered);
        deliver_offline_queue(std::move(queued));
      },
      [this, recovered](const caf::error& err) {
        log_line("session", "reading the offline queue failed: " + caf::to_string(err));
        answer_connect(recovered);
        send_restored_snapshots();
      });
}

void session_core::answer_connect(std::optional<bool> recovered) {
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
  enter(session_state::live);
  arm_token_timer();
}

void session_core::deliver_offline_queue(offline_batch page) {
  deliver_offline(std::move(page), [this] { send_restored_snapshots(); });
}

void session_core::send_restored_snapshots() {
  auto snapshots = std::make_shared<const std::vector<shared_frame>>(std::move(snapshots_));
  snapshots_.clear();
  write_paced(std::move(snapshots), 0, [this] { release_held_topics(); });
}

void session_core::release_held_topics() {
  for (auto& topic : held_topics_)
    release(topic);
  held_topics_.clear();
}

// -- paced backlogs: the offline queue, snapshots, a replay ---------------------------

void session_core::deliver_offline(offline_batch page, std::function<void()> done) {
  if (page.empty()) {
    done();
    return;
  }
  std::vector<std::int64_t> ids;
  ids.reserve(page.size());
  for (auto& m : page) {
    send_event(m.event, protocol::with_offline_flag(m.payload));
    ids.push_back(m.id);
  }
  auto last = ids.back();
  remove_when_written(std::move(ids));
  // The next page is read after this one is written: by id, so it does not matter
  // whether the removal of this one has reached the store yet.
  after_written(
    [this, last, done] {
      self_->request(p_.persistence, caf::infinite, offline_page_atom::value, who_.user_id, last,
                     static_cast<std::uint32_t>(p_.cfg->storage.offline_max_per_user),
                     static_cast<std::uint64_t>(p_.cfg->limits.backlog_page_bytes))
        .await([this, done](offline_batch& next) { deliver_offline(std::move(next), done); },
               [done](const caf::error& err) {
                 log_line("session", "reading the offline queue failed: " + caf::to_string(err));
                 done();
               });
    },
    [] {}); // the rest stays queued for the client's next connection
}

void session_core::write_paced(std::shared_ptr<const std::vector<shared_frame>> frames,
                               std::size_t from, std::function<void()> done) {
  std::size_t page = 0;
  while (from < frames->size() && page < p_.cfg->limits.backlog_page_bytes) {
    const auto& frame = (*frames)[from++];
    page += p_.transport == transport_kind::socketio ? frame->socketio.size() : frame->json.size();
    on_deliver(frame);
  }
  if (from == frames->size()) {
    done();
    return;
  }
  after_written([this, frames, from, done] { write_paced(frames, from, done); },
                [this, frames, from] {
                  for (auto i = from; i < frames->size(); ++i)
                    on_deliver((*frames)[i]);
                });
}

void session_core::after_written(std::function<void()> then, std::function<void()> stop) {
  flush();
  auto conn = p_.conn.lock();
  if (!conn) {
    stop();
    return;
  }
  auto deadline = p_.cfg->limits.backlog_drain_timeout;
  auto gate = self_->spawn(drain_gate, deadline + std::chrono::seconds(1));
  conn->when_written([gate] { caf::anon_send(gate, written_atom::value, true); },
                     [gate] { caf::anon_send(gate, written_atom::value, false); });
  self_->request(gate, deadline, drain_wait_atom::value)
    .await(
      [then, stop](bool written) {
        if (written)
          then();
        else
          stop();
      },
      [this, stop](const caf::error&) { // the gate goes by itself a little later
        log_line("session", "a client did not read its backlog in time: slow consumer");
        stop();
        close(close_code::policy_violation, "slow consumer", true);
      });
}

void session_core::remove_when_written(std::vector<std::int64_t> ids) {
  flush();
  if (auto conn = p_.conn.lock())
    conn->when_written([persistence = p_.persistence, user = who_.user_id,
                        ids = std::move(ids)]() mutable {
      caf::anon_send(persistence, offline_done_atom::value, user, std::move(ids));
    });
}

} // namespace qc::session_detail

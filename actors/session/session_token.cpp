// A live connection's token (PROTOCOL.md §2, modes jwt and optional): the expiry timer,
// what happens at exp, and auth_refresh, which moves exp and changes the roles.

#include "actors/session/session_core.hpp"

#include <algorithm>

#include "protocol/engineio.hpp"

namespace qc::session_detail {

namespace {

std::string_view mode_name(auth_mode mode) {
  switch (mode) {
    case auth_mode::none:
      return "none";
    case auth_mode::header:
      return "header";
    case auth_mode::jwt:
      return "jwt";
    case auth_mode::optional:
      return "optional";
  }
  return "?";
}

} // namespace

protocol::result<protocol::jwt_claims> session_core::verify_token(const std::string& token) const {
  auto verifier = p_.access->verifier();
  if (!verifier) // the broker builds one for jwt and optional; a gap here is a bug
    return protocol::error{error_code::auth_failed, "no token verifier is configured"};
  return verifier->verify(token, now_ms() / 1000);
}

void session_core::arm_token_timer() {
  ++token_armings_; // any timer armed before is stale from now on
  if (token_exp_ == 0)
    return;
  auto due_ms = (token_exp_ + p_.cfg->auth.jwt_leeway_s) * 1000;
  auto delay = std::chrono::milliseconds(std::max<std::int64_t>(0, due_ms - now_ms()));
  self_->delayed_send(self_, delay, token_due_atom::value, token_armings_);
}

void session_core::on_token_due(std::uint64_t arming) {
  if (arming != token_armings_ || state_ != session_state::live)
    return;
  std::string reason = "token expired; send auth_refresh with a new token before exp";
  send_error("error", error_code::auth_token_expired, reason, {});
  if (p_.transport == transport_kind::socketio) // as the official server's disconnect(true)
    send_raw(protocol::encode_eio_message(
      protocol::encode_sio(protocol::sio_packet{protocol::sio_packet_type::disconnect, "/", std::nullopt, 0})));
  // Not resumable: a recovery would bring back a session whose token is gone.
  close(close_code::policy_violation, "token expired", false);
}

void session_core::handle(const protocol::auth_refresh& ev, const ack_token& ack) {
  const auto mode = p_.cfg->auth.mode;
  if (mode != auth_mode::jwt && mode != auth_mode::optional) {
    send_error("error", error_code::auth_failed,
               "tokens are not used in " + std::string(mode_name(mode)) + " mode", ack);
    return;
  }
  if (ev.token.size() > p_.cfg->auth.max_token_bytes) {
    send_error("error", error_code::auth_failed,
               "token longer than " + std::to_string(p_.cfg->auth.max_token_bytes) + " bytes",
               ack);
    return;
  }
  // Every refusal leaves the connection as it was: its token, roles and timer.
  auto claims = verify_token(ev.token);
  if (!claims) {
    send_error("error", claims.error().code,
               "refresh refused (" + claims.error().message + "); the connection keeps its token",
               ack);
    return;
  }
  if (who_.anonymous) {
    send_error("error", error_code::auth_failed,
               "a guest connection cannot take on a user; connect again with the token", ack);
    return;
  }
  if (claims->sub != who_.user_id) {
    send_error("error", error_code::auth_failed,
               "token is for another user; the connection keeps its token", ack);
    return;
  }
  who_.roles = protocol::global_roles(claims->roles);
  token_exp_ = claims->exp;
  arm_token_timer();
  send_reply("auth_refreshed", protocol::encode_auth_refreshed(token_exp_, who_.roles), ack);
}

} // namespace qc::session_detail

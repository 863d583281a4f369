#include "actors/http_access.hpp"

#include <algorithm>
#include <charconv>

#include "protocol/auth_wire.hpp"

namespace qc {

namespace {

http_refusal unauthorized(protocol::error_code code, std::string message) {
  return {401, code, std::move(message)};
}

// One dotted-quad IPv4 address whose first byte is 127.
bool ipv4_loopback(std::string_view a) {
  int parts = 0;
  int first = -1;
  while (!a.empty()) {
    auto dot = a.find('.');
    auto part = a.substr(0, dot);
    int value = -1;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (ec != std::errc{} || end != part.data() + part.size() || part.empty() || part.size() > 3
        || value > 255)
      return false;
    if (parts == 0)
      first = value;
    ++parts;
    if (dot == std::string_view::npos)
      break;
    a.remove_prefix(dot + 1);
    if (a.empty())
      return false; // "127.0.0."
  }
  return parts == 4 && first == 127;
}

} // namespace

bool is_loopback_address(std::string_view address) {
  if (address == "::1" || address == "0:0:0:0:0:0:0:1")
    return true;
  for (std::string_view mapped : {"::ffff:", "::FFFF:"})
    if (address.starts_with(mapped))
      return ipv4_loopback(address.substr(mapped.size()));
  return ipv4_loopback(address);
}

std::variant<http_caller, http_refusal> identify_http_caller(const access_control& access,
                                                             const auth_settings& auth,
                                                             std::string_view authorization,
                                                             std::int64_t now_s) {
  http_caller caller;
  bool token_mode = auth.mode == auth_mode::jwt || auth.mode == auth_mode::optional;
  if (!token_mode) {
    caller.subjects = auth.default_roles;
    return caller;
  }
  auto verifier = access.verifier();
  if (!verifier) // the broker loads one in these modes; a missing one must not open the door
    return http_refusal{503, protocol::error_code::service_unavailable,
                        "no token verifier is configured"};
  if (authorization.empty())
    return unauthorized(protocol::error_code::auth_required,
                        "this endpoint needs an Authorization: Bearer token");
  auto token = protocol::bearer_token(authorization);
  if (token.empty())
    return unauthorized(protocol::error_code::auth_failed,
                        "the Authorization header is not 'Bearer <token>'");
  auto claims = verifier->verify(token, now_s);
  if (!claims)
    return unauthorized(claims.error().code, claims.error().message);
  // A token's room_* roles would hold in every room: dropped, as at CONNECT.
  caller.subjects = protocol::global_roles(claims->roles);
  // A user id that is also a role name would be taken for the role: left out.
  if (!access.authorizer()->names_role(claims->sub))
    caller.subjects.push_back(claims->sub);
  return caller;
}

std::optional<http_refusal> check_permission(const access_control& access,
                                             const http_caller& caller, std::string_view object,
                                             std::string_view action) {
  if (access.authorizer()->allows(caller.subjects, object, action))
    return std::nullopt;
  return http_refusal{403, protocol::error_code::permission_denied,
                      "not allowed to " + std::string(action) + " " + std::string(object)};
}

std::optional<http_refusal> authorize_http(const access_control& access,
                                           const auth_settings& auth,
                                           std::string_view authorization, std::int64_t now_s,
                                           std::string_view object, std::string_view action) {
  auto who = identify_http_caller(access, auth, authorization, now_s);
  if (auto* refusal = std::get_if<http_refusal>(&who))
    return *refusal;
  return check_permission(access, std::get<http_caller>(who), object, action);
}

std::optional<http_refusal> authorize_metrics(const access_control& access,
                                              const settings& cfg,
                                              std::string_view authorization,
                                              std::string_view peer_address, std::int64_t now_s) {
  switch (cfg.http.metrics) {
  case metrics_access::open:
    return std::nullopt;
  case metrics_access::loopback:
    if (is_loopback_address(peer_address))
      return std::nullopt;
    return http_refusal{403, protocol::error_code::permission_denied,
                        "/metrics is served to this machine only (http.metrics-access=loopback)"};
  case metrics_access::token:
    if (cfg.auth.mode != auth_mode::jwt && cfg.auth.mode != auth_mode::optional)
      return http_refusal{403, protocol::error_code::permission_denied,
                          "http.metrics-access=token needs auth.mode jwt or optional"};
    return authorize_http(access, cfg.auth, authorization, now_s, "system:stats", "read");
  }
  return http_refusal{403, protocol::error_code::permission_denied, "unknown metrics access"};
}

} // namespace qc

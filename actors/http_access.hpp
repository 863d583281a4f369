#pragma once
// Who an HTTP request is and what it may do (PROTOCOL.md §2, docs/architecture/rbac.md):
// the same rules a WebSocket session follows, for POST /publish, /stats and /metrics.
// In auth.mode jwt and optional a protected endpoint needs `Authorization: Bearer <jwt>`
// (401 without or with a bad one); in none and header modes the caller has
// auth.default-roles. Either way the RBAC policy decides (403 when it says no).
// Plain C++: no CAF, no Beast, so the unit tests drive it directly.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/common/access_control.hpp"
#include "actors/settings.hpp"
#include "protocol/error_codes.hpp"

namespace qc {

/// Why a request is not served: 401 (who are you?) or 403 (not allowed).
struct http_refusal {
  unsigned status;
  protocol::error_code code;
  std::string message;
};

/// The subjects an HTTP caller is asked about: its roles, and its user id when it has one
/// that is not also a role name.
struct http_caller {
  std::vector<std::string> subjects;
};

/// The caller of a request with this Authorization header value (empty: none), or the
/// 401 that answers it. `now_s`: seconds since the epoch (token expiry).
std::variant<http_caller, http_refusal> identify_http_caller(const access_control& access,
                                                             const auth_settings& auth,
                                                             std::string_view authorization,
                                                             std::int64_t now_s);

/// The 403 for a caller that may not do `action` on `object`, or nothing.
std::optional<http_refusal> check_permission(const access_control& access,
                                             const http_caller& caller, std::string_view object,
                                             std::string_view action);

/// Both steps at once, for endpoints with one question.
std::optional<http_refusal> authorize_http(const access_control& access,
                                           const auth_settings& auth,
                                           std::string_view authorization, std::int64_t now_s,
                                           std::string_view object, std::string_view action);

/// GET /metrics under http.metrics-access: open, loopback peers only, or an admin token
/// (the system:stats read permission).
std::optional<http_refusal> authorize_metrics(const access_control& access,
                                              const settings& cfg,
                                              std::string_view authorization,
                                              std::string_view peer_address, std::int64_t now_s);

/// 127.0.0.0/8, ::1, and IPv4-mapped 127.x (::ffff:127.0.0.1) addresses.
bool is_loopback_address(std::string_view address);

} // namespace qc

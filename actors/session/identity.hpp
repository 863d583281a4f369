#pragma once
// Who is on the other end of a connection, as decided at CONNECT.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace qc {

struct identity {
  std::string user_id;
  std::vector<std::string> roles;
  bool anonymous = true; // anonymous guests ("anon-<sid>") save nothing

  bool has_role(const std::string& role) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  }
};

/// What the gateway learned from the HTTP upgrade request; the session decides the
/// identity from it according to `auth.mode`.
struct upgrade_request {
  std::string path;           // "/socket.io/", "/ws", "/engine.io/"
  std::string query_user_id;  // user_id query parameter
  std::string header_user_id; // X-User-Id header
  // Tokens (modes jwt and optional), at most auth.max-token-bytes each; a longer one is
  // not kept, only remembered, so the session refuses it (AUTH_FAILED) instead of
  // treating the client as one without a token.
  std::string query_token;  // ?token=
  std::string bearer_token; // Authorization: Bearer <token>
  bool query_token_too_long = false;
  bool bearer_token_too_long = false;
  std::string resume;         // /ws ?resume=<resume_token>: recover that session
  std::optional<std::string> resume_offset; // /ws ?offset=<last offset seen>
};

} // namespace qc

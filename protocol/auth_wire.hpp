#pragma once
// The wire side of authentication (PROTOCOL.md §2): where a connection's token comes
// from, which one counts, and the auth_refreshed reply. Verifying a token is
// jwt_verifier's job; this file only finds it and bounds it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace qc::protocol {

/// A token as a client presented it, before any verification.
struct presented_token {
  enum class state {
    none,      // no token anywhere
    given,     // `token` holds it
    too_long,  // longer than auth.max-token-bytes: refused, never silently dropped
    malformed, // CONNECT auth "token" that is not a non-empty string
  };
  state how = state::none;
  std::string token;
};

/// The "token" member of a Socket.IO CONNECT auth object. No object, no member or
/// null: none.
presented_token token_from_connect_auth(const rapidjson::Value* auth, std::size_t max_bytes);

/// A token from the upgrade request (?token= or Authorization: Bearer); empty: none.
presented_token token_from_text(std::string_view text, std::size_t max_bytes);

/// The token that counts: the CONNECT auth object's when it carries a "token" member
/// (even a bad one: the client said what it wants), else the Authorization: Bearer
/// header's, else ?token=.
presented_token choose_token(presented_token connect_auth, presented_token bearer,
                             presented_token query);

/// A token's roles without room roles: no token carries a room role into every room.
std::vector<std::string> global_roles(const std::vector<std::string>& token_roles);

/// auth_refreshed: {"exp":N,"roles":[...]}
std::string encode_auth_refreshed(std::int64_t exp, const std::vector<std::string>& roles);

} // namespace qc::protocol

#pragma once
// Base64url without padding (RFC 4648 §5, as JWT uses it, RFC 7515 §2). Only the JWT
// code needs it: the verifier reads a token's header itself before libjwt sees it.

#include <optional>
#include <string>
#include <string_view>

namespace qc::protocol {

/// True when `text` is non-empty and only of [A-Za-z0-9_-].
bool is_base64url_text(std::string_view text);

/// The bytes `text` encodes, or nullopt when it is not canonical unpadded base64url:
/// another character (padding '=' included), a length of 4n+1, or unused trailing bits
/// that are not zero (so one byte string has one spelling).
std::optional<std::string> base64url_decode(std::string_view text);

/// Unpadded base64url of `bytes`.
std::string base64url_encode(std::string_view bytes);

} // namespace qc::protocol

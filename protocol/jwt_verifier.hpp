#pragma once
// Verifying JSON Web Tokens (PROTOCOL.md §2) with libjwt: the signature against the one
// configured key, whose kind fixes the algorithm family (a secret: HS256/384/512; a PEM
// public key: RS256/384/512 or ES256/384/512), then the claims quotecast uses. No crypto
// is written here: libjwt and OpenSSL do it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "protocol/result.hpp"

namespace qc::protocol {

/// What the operator configured (auth.jwt-*); the key material itself, read from the
/// files by the caller.
struct jwt_config {
  std::string secret;          // auth.jwt-secret-file's bytes (trailing newline trimmed)
  std::string public_key_pem;  // auth.jwt-public-key-file's bytes; exactly one of the two
  std::string issuer;          // auth.jwt-issuer: when set, `iss` must equal it
  std::string audience;        // auth.jwt-audience: when set, `aud` must be or contain it
  std::int64_t leeway_s = 0;   // auth.jwt-leeway: clock skew allowed on exp and nbf
  std::size_t max_token_bytes = 8192; // auth.max-token-bytes: longer tokens are refused
};

/// The claims of a token that verified.
struct jwt_claims {
  std::string sub;                // the user id: 1-128 chars of [A-Za-z0-9_.:@-], not "anon-..."
  std::vector<std::string> roles; // `roles`, an array of strings (absent: empty)
  std::int64_t exp = 0;           // seconds since the epoch; required
  std::int64_t nbf = 0;           // 0 when absent
  std::int64_t iat = 0;           // 0 when absent
};

class jwt_verifier {
public:
  /// Checks the configuration (one key, a PEM that parses, a secret of at least 32
  /// bytes); the error says what is wrong, for the operator at start.
  static result<jwt_verifier> make(const jwt_config& cfg);

  /// The claims of `token`, or why not: AUTH_REQUIRED (empty), AUTH_TOKEN_EXPIRED (exp
  /// passed, leeway allowed), AUTH_FAILED (everything else: malformed, too long,
  /// alg none, another algorithm than the key's, bad signature, iss/aud mismatch, nbf in
  /// the future, a missing or invalid sub, roles not an array of strings, no exp).
  /// Thread-safe: a verifier is immutable after make().
  result<jwt_claims> verify(std::string_view token, std::int64_t now_s) const;

  const jwt_config& config() const noexcept;

  // Copyable and cheap to copy (shared immutable state).
  jwt_verifier(const jwt_verifier&) = default;
  jwt_verifier& operator=(const jwt_verifier&) = default;

private:
  struct state;
  explicit jwt_verifier(std::shared_ptr<const state> s);
  std::shared_ptr<const state> state_;
};

/// What a token is minted with (quotecast-token, tests).
struct jwt_mint_request {
  std::string sub;
  std::vector<std::string> roles;
  std::int64_t exp = 0;       // seconds since the epoch
  std::int64_t nbf = 0;       // 0: not written
  std::int64_t iat = 0;       // 0: not written
  std::string issuer;         // empty: not written
  std::string audience;       // empty: not written
  std::string alg = "HS256";  // HS256/384/512 with `key` a secret; RS*/ES* with a PEM private key
};

/// Signs a token with libjwt; the error says why not (unknown alg, a key that does not fit).
result<std::string> sign_jwt(const jwt_mint_request& req, std::string_view key);

/// Signs `payload_json` (a JSON object, written as given) with libjwt: what sign_jwt does
/// after building the claims. Tests and scenarios use it to mint tokens whose claims are
/// deliberately wrong (roles not an array, no exp, ...).
result<std::string> sign_jwt_payload(std::string_view payload_json, std::string_view alg,
                                     std::string_view key);

/// The token of an `Authorization: Bearer <token>` header value; empty when the header
/// is not of that form (scheme case-insensitive, exactly one space-separated token).
std::string_view bearer_token(std::string_view authorization_header);

} // namespace qc::protocol

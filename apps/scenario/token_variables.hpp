#pragma once
// Token variables of a scenario whose broker runs with JWT auth ("auth" in the file):
// ${token:alice:viewer,trader}, ${token:bob:admin:ttl=2}, ${token_expired:alice:viewer},
// ${token_bad_signature:alice:viewer}. The runner writes a fresh secret for the broker
// and mints each token with it when the variable is used (docs/SCENARIOS.md).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace qc::scenario {

struct bad_token_variable : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

struct token_variable {
  enum class kind { valid, expired, bad_signature };
  kind what = kind::valid;
  std::string sub;
  std::vector<std::string> roles;
  std::int64_t ttl_s = 3600;  // valid tokens: seconds until exp
};

/// nullopt when `name` is not a token variable (no "token", "token_expired" or
/// "token_bad_signature" prefix before the first ':'); throws bad_token_variable when
/// it is one but malformed: token:SUB:ROLES[:ttl=N], ROLES comma-separated (may be empty).
std::optional<token_variable> parse_token_variable(std::string_view name);

/// The token: HS256 with `secret`; expired: exp 60 s before `now_s`; bad_signature:
/// signed with another secret. Throws bad_token_variable when signing fails.
std::string mint_token_variable(const token_variable& t, const std::string& secret, std::int64_t now_s);

}  // namespace qc::scenario

#include "apps/scenario/token_variables.hpp"

#include <charconv>

#include "protocol/jwt_verifier.hpp"

namespace qc::scenario {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

}  // namespace

std::optional<token_variable> parse_token_variable(std::string_view name) {
  const auto parts = split(name, ':');
  token_variable t;
  if (parts[0] == "token") t.what = token_variable::kind::valid;
  else if (parts[0] == "token_expired") t.what = token_variable::kind::expired;
  else if (parts[0] == "token_bad_signature") t.what = token_variable::kind::bad_signature;
  else return std::nullopt;
  const std::string whole = "${" + std::string(name) + "}";
  if (parts.size() < 3 || parts.size() > 4)
    throw bad_token_variable(whole + ": write " + std::string(parts[0]) + ":SUB:ROLES[:ttl=SECONDS]");
  if (parts[1].empty()) throw bad_token_variable(whole + ": the sub is empty");
  t.sub = parts[1];
  if (!parts[2].empty())
    for (auto role : split(parts[2], ',')) {
      if (role.empty()) throw bad_token_variable(whole + ": an empty role in \"" + std::string(parts[2]) + "\"");
      t.roles.emplace_back(role);
    }
  if (parts.size() == 4) {
    const auto opt = parts[3];
    if (opt.substr(0, 4) != "ttl=") throw bad_token_variable(whole + ": the only option is ttl=SECONDS");
    if (t.what != token_variable::kind::valid) throw bad_token_variable(whole + ": ttl is for token:...");
    const auto digits = opt.substr(4);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), t.ttl_s);
    if (ec != std::errc{} || end != digits.data() + digits.size() || t.ttl_s <= 0)
      throw bad_token_variable(whole + ": ttl must be a positive number of seconds");
  }
  return t;
}

std::string mint_token_variable(const token_variable& t, const std::string& secret, std::int64_t now_s) {
  protocol::jwt_mint_request req;
  req.sub = t.sub;
  req.roles = t.roles;
  req.iat = now_s;
  req.exp = now_s + t.ttl_s;
  std::string key = secret;
  if (t.what == token_variable::kind::expired) {
    req.iat = now_s - 3600;
    req.exp = now_s - 60;
  } else if (t.what == token_variable::kind::bad_signature) {
    key = "not-the-broker-secret:" + secret;  // well formed, signed by someone else
  }
  auto token = protocol::sign_jwt(req, key);
  if (!token) throw bad_token_variable("cannot mint a token for " + t.sub + ": " + token.error().message);
  return *token;
}

}  // namespace qc::scenario

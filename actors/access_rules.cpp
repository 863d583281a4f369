#include "actors/access_rules.hpp"

#include <fstream>
#include <iterator>
#include <optional>

namespace qc {

namespace {

constexpr std::size_t max_key_file_bytes = 64 * 1024; // a PEM key or a secret

/// The file's bytes, or why not; key files are small, anything larger is a mistake.
protocol::result<std::string> read_key_file(const std::string& path, const char* what) {
  auto fail = [&](const std::string& why) {
    return protocol::error{protocol::error_code::internal_error,
                           std::string(what) + " '" + path + "': " + why};
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail("cannot be read");
  std::string bytes;
  char chunk[4096];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    bytes.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > max_key_file_bytes)
      return fail("larger than 64 KiB; not a key file");
  }
  return bytes;
}

/// A secret file usually ends with the newline an editor or `echo` added: not part of it.
std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  return s;
}

} // namespace

protocol::result<access_rules> load_access_rules(const auth_settings& auth) {
  access_rules rules;
  auto authz = rbac::authorizer::load(auth.rbac_model_file, auth.rbac_policy_file,
                                      auth.decision_cache_entries);
  if (!authz)
    return authz.error();
  rules.authorizer = std::move(*authz);
  if (auth.mode != auth_mode::jwt && auth.mode != auth_mode::optional)
    return rules;
  protocol::jwt_config jwt;
  if (!auth.jwt_secret_file.empty()) {
    auto secret = read_key_file(auth.jwt_secret_file, "auth.jwt-secret-file");
    if (!secret)
      return secret.error();
    jwt.secret = trim_trailing_newlines(std::move(*secret));
  } else {
    auto pem = read_key_file(auth.jwt_public_key_file, "auth.jwt-public-key-file");
    if (!pem)
      return pem.error();
    jwt.public_key_pem = std::move(*pem);
  }
  jwt.issuer = auth.jwt_issuer;
  jwt.audience = auth.jwt_audience;
  jwt.leeway_s = auth.jwt_leeway_s;
  jwt.max_token_bytes = auth.max_token_bytes;
  auto verifier = protocol::jwt_verifier::make(jwt);
  if (!verifier)
    return verifier.error();
  rules.verifier = std::make_shared<const protocol::jwt_verifier>(std::move(*verifier));
  return rules;
}

} // namespace qc

#include "protocol/jwt_verifier.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "protocol/base64url.hpp"
#include "protocol/json.hpp"

namespace qc::protocol {
namespace {

constexpr std::size_t max_sub_chars = 128;
constexpr std::size_t max_roles = 32;
constexpr std::size_t max_role_chars = 64;
constexpr std::size_t min_secret_bytes = 32;
constexpr int min_rsa_bits = 2048;
constexpr std::size_t max_header_members = 16; // real headers have 2-4 (alg, typ, kid)

struct jwt_deleter {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
struct malloc_deleter {
  void operator()(char* p) const noexcept { std::free(p); }
};
struct bio_deleter {
  void operator()(BIO* b) const noexcept { BIO_free(b); }
};
struct pkey_deleter {
  void operator()(EVP_PKEY* k) const noexcept { EVP_PKEY_free(k); }
};

error failed(std::string message) { return error{error_code::auth_failed, std::move(message)}; }
error bad_config(std::string message) {
  return error{error_code::invalid_parameters, std::move(message)};
}

bool valid_sub(std::string_view s) {
  if (s.empty() || s.size() > max_sub_chars || s.starts_with("anon-")) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool valid_role(std::string_view s) {
  if (s.empty() || s.size() > max_role_chars) return false;
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A JSON object whose member names are all distinct. Parsers disagree on duplicates
// (RapidJSON's FindMember sees the first, libjwt's jansson keeps the last), so a header
// {"alg":"RS256","alg":"HS256"} would pass our check and be verified by libjwt as HS256.
bool unique_member_names(const rapidjson::Value& obj) {
  for (auto a = obj.MemberBegin(); a != obj.MemberEnd(); ++a)
    for (auto b = a + 1; b != obj.MemberEnd(); ++b)
      if (a->name == b->name) return false;
  return true;
}

// A NumericDate (RFC 7519 §2): a JSON number of seconds, fractions dropped.
std::optional<std::int64_t> numeric_date(const rapidjson::Value& v) {
  if (v.IsInt64()) return v.GetInt64();
  if (v.IsDouble()) {
    const double d = v.GetDouble();
    // Far beyond any real date, and inside int64 so the conversion is defined.
    if (!std::isfinite(d) || std::fabs(d) > 1e15) return std::nullopt;
    return static_cast<std::int64_t>(std::floor(d));
  }
  return std::nullopt;
}

} // namespace

struct jwt_verifier::state {
  jwt_config cfg;
  std::vector<std::string> algs; // the algorithms the key's family allows
};

jwt_verifier::jwt_verifier(std::shared_ptr<const state> s) : state_(std::move(s)) {}

const jwt_config& jwt_verifier::config() const noexcept { return state_->cfg; }

result<jwt_verifier> jwt_verifier::make(const jwt_config& cfg) {
  const bool has_secret = !cfg.secret.empty();
  const bool has_pem = !cfg.public_key_pem.empty();
  if (has_secret == has_pem)
    return bad_config(has_secret ? "configure either a JWT secret or a public key, not both"
                                 : "no JWT key: set auth.jwt-secret-file or auth.jwt-public-key-file");
  if (cfg.max_token_bytes == 0) return bad_config("auth.max-token-bytes must be positive");
  if (cfg.leeway_s < 0) return bad_config("auth.jwt-leeway must not be negative");

  auto st = std::make_shared<state>();
  st->cfg = cfg;
  if (has_secret) {
    if (cfg.secret.size() < min_secret_bytes)
      return bad_config("the JWT secret has " + std::to_string(cfg.secret.size()) +
                        " bytes; at least " + std::to_string(min_secret_bytes) + " are needed");
    st->algs = {"HS256", "HS384", "HS512"};
  } else {
    if (cfg.public_key_pem.size() > static_cast<std::size_t>(INT32_MAX))
      return bad_config("the JWT public key file is too large");
    std::unique_ptr<BIO, bio_deleter> bio(
        BIO_new_mem_buf(cfg.public_key_pem.data(), static_cast<int>(cfg.public_key_pem.size())));
    if (!bio) return bad_config("out of memory reading the JWT public key");
    std::unique_ptr<EVP_PKEY, pkey_deleter> key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!key) return bad_config("the JWT public key file is not a PEM public key (BEGIN PUBLIC KEY)");
    switch (EVP_PKEY_get_base_id(key.get())) {
      case EVP_PKEY_RSA:
        if (EVP_PKEY_get_bits(key.get()) < min_rsa_bits)
          return bad_config("the JWT RSA public key has fewer than 2048 bits");
        st->algs = {"RS256", "RS384", "RS512"};
        break;
      case EVP_PKEY_EC: {
        // ECDSA fixes the hash to the curve (RFC 7518 §3.4): one algorithm per key.
        std::array<char, 64> group{};
        std::size_t len = 0;
        if (EVP_PKEY_get_group_name(key.get(), group.data(), group.size(), &len) != 1)
          return bad_config("the JWT EC public key names no curve");
        const std::string_view name(group.data(), len);
        if (name == "prime256v1" || name == "P-256") st->algs = {"ES256"};
        else if (name == "secp384r1" || name == "P-384") st->algs = {"ES384"};
        else if (name == "secp521r1" || name == "P-521") st->algs = {"ES512"};
        else return bad_config("the JWT EC public key's curve (" + std::string(name) +
                               ") is not P-256, P-384 or P-521");
        break;
      }
      default:
        return bad_config("the JWT public key is neither RSA nor EC");
    }
  }
  return jwt_verifier(std::move(st));
}

result<jwt_claims> jwt_verifier::verify(std::string_view token, std::int64_t now_s) const {
  const jwt_config& cfg = state_->cfg;
  if (token.empty()) return error{error_code::auth_required, "no token"};
  if (token.size() > cfg.max_token_bytes)
    return failed("token longer than " + std::to_string(cfg.max_token_bytes) + " bytes");

  // Shape: three base64url parts. Nothing else reaches libjwt.
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return failed("token is not of the form header.payload.signature");
  const auto header_text = token.substr(0, dot1);
  const auto payload_text = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto signature_text = token.substr(dot2 + 1);
  if (!is_base64url_text(header_text) || !is_base64url_text(payload_text) ||
      !is_base64url_text(signature_text))
    return failed("token parts are not base64url");

  // The algorithm, read before libjwt: libjwt 1.x verifies with whatever `alg` says, so
  // an HS256 token "signed" with the RSA public key's PEM text as secret would pass.
  const auto header_json = base64url_decode(header_text);
  if (!header_json) return failed("token header is not base64url");
  auto header = parse_json(*header_json, limits{});
  if (!header || !header->IsObject()) return failed("token header is not a JSON object");
  if (header->MemberCount() > max_header_members) return failed("token header has too many members");
  if (!unique_member_names(*header)) return failed("token header repeats a name");
  const auto alg_it = header->FindMember("alg");
  if (alg_it == header->MemberEnd() || !alg_it->value.IsString())
    return failed("token header has no alg");
  const std::string alg(alg_it->value.GetString(), alg_it->value.GetStringLength());
  bool allowed = false;
  for (const auto& a : state_->algs) allowed = allowed || a == alg;
  if (!allowed) {
    std::string msg = "token algorithm " + alg + " is not accepted (the key takes";
    for (const auto& a : state_->algs) msg += " " + a;
    return failed(msg + ")");
  }

  // The signature: libjwt and OpenSSL.
  const std::string& key = cfg.secret.empty() ? cfg.public_key_pem : cfg.secret;
  const std::string token_z(token); // libjwt wants a NUL-terminated string
  jwt_t* raw = nullptr;
  const int rc = jwt_decode(&raw, token_z.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                            static_cast<int>(key.size()));
  std::unique_ptr<jwt_t, jwt_deleter> jwt(raw);
  if (rc != 0 || !jwt) return failed("token signature does not verify");
  // Belt and braces: libjwt must have verified with the algorithm we allowed.
  if (jwt_alg_str(jwt_get_alg(jwt.get())) == nullptr ||
      std::string_view(jwt_alg_str(jwt_get_alg(jwt.get()))) != alg)
    return failed("token algorithm changed during decoding");

  // The claims, as libjwt parsed the signed payload.
  std::unique_ptr<char, malloc_deleter> grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (!grants) return failed("token payload is not a JSON object");
  auto payload = parse_json(grants.get(), limits{});
  if (!payload || !payload->IsObject()) return failed("token payload is not a JSON object");
  const auto& p = *payload;

  jwt_claims claims;
  const auto sub = p.FindMember("sub");
  if (sub == p.MemberEnd() || !sub->value.IsString()) return failed("token has no sub");
  claims.sub.assign(sub->value.GetString(), sub->value.GetStringLength());
  if (!valid_sub(claims.sub))
    return failed("token sub must be 1-128 characters of [A-Za-z0-9_.:@-], not anon-...");

  if (const auto roles = p.FindMember("roles"); roles != p.MemberEnd()) {
    if (!roles->value.IsArray()) return failed("token roles is not an array");
    if (roles->value.Size() > max_roles) return failed("token has more than 32 roles");
    for (const auto& r : roles->value.GetArray()) {
      if (!r.IsString()) return failed("token roles holds a non-string");
      std::string role(r.GetString(), r.GetStringLength());
      if (!valid_role(role)) return failed("token role must be 1-64 characters of [A-Za-z0-9_.:-]");
      claims.roles.push_back(std::move(role));
    }
  }

  if (!cfg.issuer.empty()) {
    const auto iss = p.FindMember("iss");
    if (iss == p.MemberEnd() || !iss->value.IsString() ||
        std::string_view(iss->value.GetString(), iss->value.GetStringLength()) != cfg.issuer)
      return failed("token issuer is not " + cfg.issuer);
  }
  if (!cfg.audience.empty()) {
    const auto aud = p.FindMember("aud");
    bool ours = false;
    auto is_ours = [&](const rapidjson::Value& v) {
      return v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == cfg.audience;
    };
    if (aud != p.MemberEnd()) {
      if (aud->value.IsArray()) {
        for (const auto& a : aud->value.GetArray()) {
          if (!a.IsString()) return failed("token aud holds a non-string");
          ours = ours || is_ours(a);
        }
      } else {
        ours = is_ours(aud->value);
      }
    }
    if (!ours) return failed("token audience does not include " + cfg.audience);
  }

  const auto exp = p.FindMember("exp");
  if (exp == p.MemberEnd()) return failed("token has no exp");
  const auto exp_s = numeric_date(exp->value);
  if (!exp_s) return failed("token exp is not a number of seconds");
  claims.exp = *exp_s;
  for (const char* name : {"nbf", "iat"}) {
    const auto it = p.FindMember(name);
    if (it == p.MemberEnd()) continue;
    const auto v = numeric_date(it->value);
    if (!v) return failed(std::string("token ") + name + " is not a number of seconds");
    (name[0] == 'n' ? claims.nbf : claims.iat) = *v;
  }

  // Time last: a token that is wrong in any other way says so even when it has expired.
  if (claims.nbf != 0 && now_s + cfg.leeway_s < claims.nbf) return failed("token is not valid yet (nbf)");
  if (now_s >= claims.exp + cfg.leeway_s)
    return error{error_code::auth_token_expired, "token expired"};
  return claims;
}

} // namespace qc::protocol

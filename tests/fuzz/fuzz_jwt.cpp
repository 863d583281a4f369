// The JWT verifier (protocol/jwt_verifier.cpp), bearer_token and base64url.
//
// Input: a mode byte, then the rest.
//   'P' rest is a claims object: signed with HS256 through libjwt, then verified.
//   'H' rest is a token header: signed with HS256 by OpenSSL's HMAC over it and fixed
//       claims, then verified (what libjwt would never write: duplicate names, odd algs).
//   anything else: the whole input is a token, a base64url text and an Authorization value.
// Properties: a token verifies only with claims inside the documented rules (sub, roles,
// exp in the future); a hand-signed header verifies only when it names exactly HS256 once;
// only the empty token is AUTH_REQUIRED; base64url decodes only canonical text and
// round-trips; bearer_token returns one word of its input or nothing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/base64url.hpp"
#include "protocol/jwt_verifier.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

constexpr std::int64_t now = 1'800'000'000;
constexpr std::string_view secret = "fuzz-secret-fuzz-secret-fuzz-secret-32";

const qc::protocol::jwt_verifier& verifier() {
  static const qc::protocol::jwt_verifier v = [] {
    qc::protocol::jwt_config cfg;
    cfg.secret = std::string(secret);
    cfg.max_token_bytes = 4096;
    return *qc::protocol::jwt_verifier::make(cfg);
  }();
  return v;
}

bool in_set(char c, bool at) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '-' || (at && c == '@');
}

void check_claims(const qc::protocol::jwt_claims& c) {
  FUZZ_CHECK(!c.sub.empty() && c.sub.size() <= 128 && !c.sub.starts_with("anon-"));
  for (char ch : c.sub) FUZZ_CHECK(in_set(ch, true));
  FUZZ_CHECK(c.roles.size() <= 32);
  for (const auto& r : c.roles) {
    FUZZ_CHECK(!r.empty() && r.size() <= 64);
    for (char ch : r) FUZZ_CHECK(in_set(ch, false));
  }
  FUZZ_CHECK(c.exp > now);
  FUZZ_CHECK(c.nbf <= now);
}

void check_token(std::string_view token) {
  const auto r = verifier().verify(token, now);
  if (r.ok()) check_claims(*r);
  else FUZZ_CHECK((r.error().code == qc::protocol::error_code::auth_required) == token.empty());
}

std::string hs256_by_hand(std::string_view header) {
  const std::string input = qc::protocol::base64url_encode(header) + "." +
                            qc::protocol::base64url_encode(R"({"sub":"fuzz","exp":1800000060})");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." + qc::protocol::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const char mode = input.empty() ? '\0' : input[0];
  const std::string_view rest = input.empty() ? input : input.substr(1);

  if (mode == 'P') {
    const auto token = qc::protocol::sign_jwt_payload(rest, "HS256", secret);
    if (token.ok()) check_token(*token);
    return 0;
  }
  if (mode == 'H') {
    const auto r = verifier().verify(hs256_by_hand(rest), now);
    if (r.ok()) {
      // Only a header that says HS256, once, may verify an HMAC-SHA256 signature.
      auto header = qc::protocol::parse_json(rest, qc::protocol::limits{});
      FUZZ_CHECK(header.ok() && header->IsObject());
      int algs = 0;
      for (const auto& m : header->GetObject())
        if (std::string_view(m.name.GetString(), m.name.GetStringLength()) == "alg") {
          ++algs;
          FUZZ_CHECK(m.value.IsString() &&
                     std::string_view(m.value.GetString(), m.value.GetStringLength()) == "HS256");
        }
      FUZZ_CHECK(algs == 1);
      FUZZ_CHECK(r->sub == "fuzz");
    }
    return 0;
  }

  check_token(input);

  if (const auto bytes = qc::protocol::base64url_decode(input))
    FUZZ_CHECK(qc::protocol::base64url_encode(*bytes) == input);
  FUZZ_CHECK(qc::protocol::base64url_decode(qc::protocol::base64url_encode(input)) == input);

  const auto token = qc::protocol::bearer_token(input);
  if (!token.empty()) {
    FUZZ_CHECK(token.data() >= input.data() && token.data() + token.size() <= input.data() + input.size());
    FUZZ_CHECK(token.find_first_of(" \t,") == std::string_view::npos);
  }
  return 0;
}

// The JWT verifier (protocol/jwt_verifier.hpp): every refusal class, each accepted
// algorithm, the configuration checks, bearer_token and base64url.
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "protocol/base64url.hpp"
#include "protocol/jwt_verifier.hpp"

using namespace qc::protocol;

namespace {

constexpr std::int64_t now = 1'800'000'000;
const std::string secret = "0123456789abcdef0123456789abcdef-test-secret";

std::string read_key(const std::string& name) {
  std::ifstream in(std::string(QC_SOURCE_DIR) + "/tests/data/jwt/" + name);
  REQUIRE(in.good());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

jwt_verifier hs_verifier(jwt_config cfg = {}) {
  cfg.secret = secret;
  auto v = jwt_verifier::make(cfg);
  REQUIRE(v.ok());
  return *v;
}

jwt_verifier pem_verifier(const std::string& public_key_file) {
  jwt_config cfg;
  cfg.public_key_pem = read_key(public_key_file);
  auto v = jwt_verifier::make(cfg);
  REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().message));
  return *v;
}

jwt_mint_request alice() {
  jwt_mint_request r;
  r.sub = "alice";
  r.roles = {"viewer", "trader"};
  r.exp = now + 60;
  return r;
}

std::string mint(const jwt_mint_request& r, std::string_view key = secret) {
  auto t = sign_jwt(r, key);
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  return *t;
}

std::string mint_payload(std::string_view payload, std::string_view alg = "HS256",
                         std::string_view key = secret) {
  auto t = sign_jwt_payload(payload, alg, key);
  REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message));
  return *t;
}

// HMAC-SHA256 over header.payload with OpenSSL: tokens libjwt would never write
// (a header with two algs).
std::string hs256_by_hand(std::string_view header_json, std::string_view payload_json,
                          std::string_view key) {
  const std::string signing_input =
      base64url_encode(header_json) + "." + base64url_encode(payload_json);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac, &len);
  return signing_input + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

error_code refusal(const jwt_verifier& v, std::string_view token, std::int64_t at = now) {
  auto r = v.verify(token, at);
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

} // namespace

TEST_CASE("jwt: HS256/384/512 tokens verify and give their claims") {
  const auto v = hs_verifier();
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    CAPTURE(alg);
    auto req = alice();
    req.alg = alg;
    req.iat = now - 5;
    req.nbf = now - 5;
    auto c = v.verify(mint(req), now);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    CHECK(c->sub == "alice");
    CHECK(c->roles == std::vector<std::string>{"viewer", "trader"});
    CHECK(c->exp == now + 60);
    CHECK(c->iat == now - 5);
    CHECK(c->nbf == now - 5);
  }
}

TEST_CASE("jwt: RS256 and ES256 tokens verify against their public keys") {
  auto rs = alice();
  rs.alg = "RS256";
  auto c = pem_verifier("rsa_public.pem").verify(mint(rs, read_key("rsa_private.pem")), now);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->sub == "alice");

  auto es = alice();
  es.alg = "ES256";
  c = pem_verifier("ec256_public.pem").verify(mint(es, read_key("ec256_private.pem")), now);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->roles == std::vector<std::string>{"viewer", "trader"});

  // A token signed by another RSA key does not verify.
  jwt_config other;
  other.public_key_pem = read_key("rsa_public.pem");
  auto es_on_rsa = alice();
  es_on_rsa.alg = "ES256";
  CHECK(refusal(pem_verifier("rsa_public.pem"), mint(es_on_rsa, read_key("ec256_private.pem"))) ==
        error_code::auth_failed);
}

TEST_CASE("jwt: roles absent means no roles") {
  auto c = hs_verifier().verify(mint_payload(R"({"sub":"bob","exp":1800000060})"), now);
  REQUIRE(c.ok());
  CHECK(c->roles.empty());
}

TEST_CASE("jwt: empty, malformed and too long tokens are refused before decoding") {
  jwt_config cfg;
  cfg.max_token_bytes = 250;
  const auto v = hs_verifier(cfg);
  CHECK(refusal(v, "") == error_code::auth_required);
  CHECK(refusal(v, "abc") == error_code::auth_failed);
  CHECK(refusal(v, "a.b") == error_code::auth_failed);
  CHECK(refusal(v, "a.b.c.d") == error_code::auth_failed);
  CHECK(refusal(v, "a..c") == error_code::auth_failed);
  CHECK(refusal(v, "a+b.c.d") == error_code::auth_failed);
  CHECK(refusal(v, "eyJhbGciOiJIUzI1NiJ9.e30=.c2ln") == error_code::auth_failed); // padding
  CHECK(refusal(v, base64url_encode("[1]") + ".e30.c2ln") == error_code::auth_failed);
  CHECK(refusal(v, base64url_encode("{}") + ".e30.c2ln") == error_code::auth_failed); // no alg
  // A good token with a long claim passes the size bound only when it fits.
  auto req = alice();
  req.sub = std::string(100, 'a');
  const auto long_token = mint(req);
  REQUIRE(long_token.size() > 250);
  CHECK(refusal(v, long_token) == error_code::auth_failed);
  CHECK(hs_verifier().verify(long_token, now).ok());
}

TEST_CASE("jwt: alg none is refused") {
  const auto v = hs_verifier();
  const auto body = base64url_encode(R"({"sub":"alice","exp":1800000060})");
  CHECK(refusal(v, base64url_encode(R"({"alg":"none"})") + "." + body + ".") == error_code::auth_failed);
  CHECK(refusal(v, base64url_encode(R"({"alg":"none"})") + "." + body + ".c2ln") == error_code::auth_failed);
  CHECK(refusal(v, base64url_encode(R"({"alg":"None"})") + "." + body + ".c2ln") == error_code::auth_failed);
}

TEST_CASE("jwt: algorithm confusion: an HS token against an RS or ES key is refused") {
  // The attack: the public key is public, so sign HS256 with its PEM text as the secret.
  for (const char* file : {"rsa_public.pem", "ec256_public.pem"}) {
    CAPTURE(file);
    const auto pem = read_key(file);
    auto req = alice();
    req.alg = "HS256";
    CHECK(refusal(pem_verifier(file), mint(req, pem)) == error_code::auth_failed);
  }
  // The same with a header that names RS256 first and HS256 second (parsers that keep
  // the last duplicate would verify it as HS256).
  const auto pem = read_key("rsa_public.pem");
  const auto forged = hs256_by_hand(R"({"alg":"RS256","alg":"HS256"})",
                                    R"({"sub":"alice","exp":1800000060})", pem);
  CHECK(refusal(pem_verifier("rsa_public.pem"), forged) == error_code::auth_failed);
}

TEST_CASE("jwt: an RS or ES token against an HS secret is refused") {
  auto rs = alice();
  rs.alg = "RS256";
  CHECK(refusal(hs_verifier(), mint(rs, read_key("rsa_private.pem"))) == error_code::auth_failed);
  auto es = alice();
  es.alg = "ES256";
  CHECK(refusal(hs_verifier(), mint(es, read_key("ec256_private.pem"))) == error_code::auth_failed);
}

TEST_CASE("jwt: a bad signature or a tampered payload is refused") {
  const auto v = hs_verifier();
  CHECK(refusal(v, mint(alice(), "another-secret-that-is-32-bytes-long!!")) == error_code::auth_failed);

  const auto token = mint(alice());
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  const auto admin_payload = base64url_encode(R"({"sub":"alice","roles":["admin"],"exp":1800000060})");
  CHECK(refusal(v, token.substr(0, dot1 + 1) + admin_payload + token.substr(dot2)) ==
        error_code::auth_failed);
  // One signature character changed.
  auto flipped = token;
  flipped[dot2 + 5] = flipped[dot2 + 5] == 'A' ? 'B' : 'A';
  CHECK(refusal(v, flipped) == error_code::auth_failed);
  // RS256 with a signature from another key is refused too.
  auto rs = alice();
  rs.alg = "RS256";
  const auto rs_token = mint(rs, read_key("rsa_private.pem"));
  const auto rs_dot2 = rs_token.rfind('.');
  CHECK(refusal(pem_verifier("rsa_public.pem"),
                rs_token.substr(0, rs_dot2 + 1) + base64url_encode(std::string(256, 'x'))) ==
        error_code::auth_failed);
}

TEST_CASE("jwt: sub is required and checked") {
  const auto v = hs_verifier();
  CHECK(refusal(v, mint_payload(R"({"roles":[],"exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":42,"exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"","exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"anon-abc","exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"has space","exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a/b","exp":1800000060})")) == error_code::auth_failed);
  auto req = alice();
  req.sub = std::string(129, 'a');
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);
  req.sub = std::string(128, 'a');
  CHECK(v.verify(mint(req), now).ok());
  req.sub = "user:alice@example.com_1.x-y";
  CHECK(v.verify(mint(req), now).ok());
}

TEST_CASE("jwt: roles must be an array of at most 32 short strings") {
  const auto v = hs_verifier();
  CHECK(refusal(v, mint_payload(R"({"sub":"a","roles":"admin","exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a","roles":{"admin":true},"exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a","roles":null,"exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a","roles":["viewer",1],"exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a","roles":[""],"exp":1800000060})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a","roles":["ad min"],"exp":1800000060})")) == error_code::auth_failed);
  auto req = alice();
  req.roles = {std::string(65, 'r')};
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);
  req.roles.assign(33, "viewer");
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);
  req.roles.assign(32, "viewer");
  CHECK(v.verify(mint(req), now).ok());
}

TEST_CASE("jwt: exp is required; expiry and leeway") {
  const auto v = hs_verifier();
  CHECK(refusal(v, mint_payload(R"({"sub":"a"})")) == error_code::auth_failed);
  CHECK(refusal(v, mint_payload(R"({"sub":"a","exp":"1800000060"})")) == error_code::auth_failed);
  auto req = alice();
  req.exp = now - 1;
  const auto expired = mint(req);
  CHECK(refusal(v, expired) == error_code::auth_token_expired);
  CHECK(refusal(v, mint(alice()), now + 60) == error_code::auth_token_expired); // exp itself is past
  CHECK(v.verify(mint(alice()), now + 59).ok());

  jwt_config cfg;
  cfg.leeway_s = 30;
  const auto lenient = hs_verifier(cfg);
  CHECK(lenient.verify(expired, now).ok());              // 1 s late, 30 s allowed
  CHECK(refusal(lenient, expired, now + 29) == error_code::auth_token_expired);
  // A fractional exp counts its whole seconds.
  CHECK(v.verify(mint_payload(R"({"sub":"a","exp":1800000060.5})"), now).ok());
}

TEST_CASE("jwt: nbf in the future is refused, within leeway accepted") {
  auto req = alice();
  req.nbf = now + 10;
  const auto token = mint(req);
  CHECK(refusal(hs_verifier(), token) == error_code::auth_failed);
  CHECK(hs_verifier().verify(token, now + 10).ok());
  jwt_config cfg;
  cfg.leeway_s = 10;
  CHECK(hs_verifier(cfg).verify(token, now).ok());
  CHECK(refusal(hs_verifier(), mint_payload(R"({"sub":"a","exp":1800000060,"nbf":"soon"})")) ==
        error_code::auth_failed);
}

TEST_CASE("jwt: iss and aud are checked when configured") {
  jwt_config cfg;
  cfg.issuer = "https://issuer.example";
  cfg.audience = "quotecast";
  const auto v = hs_verifier(cfg);

  auto req = alice();
  req.issuer = "https://issuer.example";
  req.audience = "quotecast";
  CHECK(v.verify(mint(req), now).ok());

  req.issuer = "https://evil.example";
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);
  req.issuer.clear();
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);

  req.issuer = "https://issuer.example";
  req.audience = "another-service";
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);
  req.audience.clear();
  CHECK(refusal(v, mint(req)) == error_code::auth_failed);

  CHECK(v.verify(mint_payload(R"({"sub":"a","exp":1800000060,"iss":"https://issuer.example",)"
                              R"("aud":["other","quotecast"]})"),
                 now)
            .ok());
  CHECK(refusal(v, mint_payload(R"({"sub":"a","exp":1800000060,"iss":"https://issuer.example",)"
                                R"("aud":["other","another"]})")) == error_code::auth_failed);
  // Unconfigured, iss and aud are ignored.
  CHECK(hs_verifier().verify(mint(req), now).ok());
}

TEST_CASE("jwt: make() checks the key configuration") {
  jwt_config none;
  CHECK_FALSE(jwt_verifier::make(none).ok());

  jwt_config both;
  both.secret = secret;
  both.public_key_pem = read_key("rsa_public.pem");
  CHECK_FALSE(jwt_verifier::make(both).ok());

  jwt_config short_secret;
  short_secret.secret = std::string(31, 's');
  auto r = jwt_verifier::make(short_secret);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("32") != std::string::npos);
  short_secret.secret = std::string(32, 's');
  CHECK(jwt_verifier::make(short_secret).ok());

  jwt_config garbage;
  garbage.public_key_pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
  CHECK_FALSE(jwt_verifier::make(garbage).ok());
  jwt_config private_key;
  private_key.public_key_pem = read_key("rsa_private.pem");
  CHECK_FALSE(jwt_verifier::make(private_key).ok());

  jwt_config no_size;
  no_size.secret = secret;
  no_size.max_token_bytes = 0;
  CHECK_FALSE(jwt_verifier::make(no_size).ok());
  jwt_config negative_leeway;
  negative_leeway.secret = secret;
  negative_leeway.leeway_s = -1;
  CHECK_FALSE(jwt_verifier::make(negative_leeway).ok());

  jwt_config good;
  good.secret = secret;
  good.issuer = "x";
  auto v = jwt_verifier::make(good);
  REQUIRE(v.ok());
  CHECK(v->config().issuer == "x");
}

TEST_CASE("jwt: sign_jwt refuses what it cannot sign") {
  auto req = alice();
  req.alg = "none";
  CHECK_FALSE(sign_jwt(req, secret).ok());
  req.alg = "HS999";
  CHECK_FALSE(sign_jwt(req, secret).ok());
  req.alg = "RS256";
  CHECK_FALSE(sign_jwt(req, secret).ok()); // a secret is not an RSA private key
  req.alg = "HS256";
  CHECK_FALSE(sign_jwt(req, "").ok());
  CHECK_FALSE(sign_jwt_payload("[1,2]", "HS256", secret).ok());
}

TEST_CASE("bearer_token") {
  CHECK(bearer_token("Bearer abc.def.ghi") == "abc.def.ghi");
  CHECK(bearer_token("bearer abc") == "abc");
  CHECK(bearer_token("BEARER abc") == "abc");
  CHECK(bearer_token("  Bearer   abc  ") == "abc");
  CHECK(bearer_token("Bearer").empty());
  CHECK(bearer_token("Bearer ").empty());
  CHECK(bearer_token("Bearer a b").empty());
  CHECK(bearer_token("Bearer a,b").empty());
  CHECK(bearer_token("Basic YWxhZGRpbjpvcGVuc2VzYW1l").empty());
  CHECK(bearer_token("Bearerabc").empty());
  CHECK(bearer_token("").empty());
}

TEST_CASE("base64url") {
  CHECK(base64url_encode("") == "");
  CHECK(base64url_encode("f") == "Zg");
  CHECK(base64url_encode("fo") == "Zm8");
  CHECK(base64url_encode("foo") == "Zm9v");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff\xfe"})
    CHECK(base64url_decode(base64url_encode(s)) == s);
  CHECK_FALSE(base64url_decode("Zg==").has_value()); // padding
  CHECK_FALSE(base64url_decode("Z").has_value());    // 4n+1
  CHECK_FALSE(base64url_decode("Zh").has_value());   // non-zero trailing bits
  CHECK_FALSE(base64url_decode("Zm+v").has_value()); // base64, not base64url
  CHECK(is_base64url_text("a-_Z9"));
  CHECK_FALSE(is_base64url_text(""));
  CHECK_FALSE(is_base64url_text("a.b"));
}

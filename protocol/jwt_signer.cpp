// Minting tokens (sign_jwt, sign_jwt_payload): quotecast-token, tests and scenarios.
#include <cstdlib>
#include <memory>

#include <jwt.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "protocol/jwt_verifier.hpp"

namespace qc::protocol {
namespace {

struct jwt_deleter {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
struct malloc_deleter {
  void operator()(char* p) const noexcept { std::free(p); }
};

error cannot(std::string message) { return error{error_code::invalid_parameters, std::move(message)}; }

} // namespace

result<std::string> sign_jwt_payload(std::string_view payload_json, std::string_view alg_name,
                                     std::string_view key) {
  const std::string alg_z(alg_name);
  const jwt_alg_t alg = jwt_str_alg(alg_z.c_str());
  if (alg == JWT_ALG_NONE || alg == JWT_ALG_INVAL || alg_z != jwt_alg_str(alg))
    return cannot("unknown or unsigned algorithm: " + alg_z + " (HS256/384/512, RS256/384/512, ES256/384/512)");
  if (key.empty()) return cannot("no signing key");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return cannot("out of memory");
  std::unique_ptr<jwt_t, jwt_deleter> jwt(raw);
  const std::string payload_z(payload_json);
  if (jwt_add_grants_json(jwt.get(), payload_z.c_str()) != 0)
    return cannot("the claims are not a JSON object");
  if (jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())) != 0)
    return cannot("libjwt refused the key for " + alg_z);
  std::unique_ptr<char, malloc_deleter> token(jwt_encode_str(jwt.get()));
  if (!token)
    return cannot("signing with " + alg_z + " failed: the key does not fit the algorithm " +
                  "(HS: a secret; RS/ES: a PEM private key of that type)");
  return std::string(token.get());
}

result<std::string> sign_jwt(const jwt_mint_request& req, std::string_view key) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  if (!req.sub.empty()) {
    w.Key("sub");
    w.String(req.sub.data(), static_cast<rapidjson::SizeType>(req.sub.size()));
  }
  w.Key("roles");
  w.StartArray();
  for (const auto& r : req.roles) w.String(r.data(), static_cast<rapidjson::SizeType>(r.size()));
  w.EndArray();
  if (req.exp != 0) {
    w.Key("exp");
    w.Int64(req.exp);
  }
  if (req.nbf != 0) {
    w.Key("nbf");
    w.Int64(req.nbf);
  }
  if (req.iat != 0) {
    w.Key("iat");
    w.Int64(req.iat);
  }
  if (!req.issuer.empty()) {
    w.Key("iss");
    w.String(req.issuer.data(), static_cast<rapidjson::SizeType>(req.issuer.size()));
  }
  if (!req.audience.empty()) {
    w.Key("aud");
    w.String(req.audience.data(), static_cast<rapidjson::SizeType>(req.audience.size()));
  }
  w.EndObject();
  return sign_jwt_payload(std::string_view(buf.GetString(), buf.GetSize()), req.alg, key);
}

} // namespace qc::protocol

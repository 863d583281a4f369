#include "tests/integration/auth_broker.hpp"

#include "protocol/jwt_verifier.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <fstream>

namespace qc::test {

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string base64url(std::string_view bytes) {
  static constexpr char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
  return out;
}

namespace {

std::string sign(const std::string& sub, const std::vector<std::string>& roles, std::int64_t exp,
                 const std::string& secret) {
  protocol::jwt_mint_request req;
  req.sub = sub;
  req.roles = roles;
  req.exp = exp;
  req.iat = epoch_seconds();
  auto token = protocol::sign_jwt(req, secret);
  REQUIRE_MESSAGE(token, (token ? "" : token.error().message));
  return *token;
}

}  // namespace

auth_broker::auth_broker(const std::string& mode, std::vector<std::string> extra_args)
  : keys_("qc-auth"), secret_("integration-test-secret-" + std::to_string(epoch_seconds())
                              + "-0123456789abcdef") {
  auto secret_file = keys_.path() / "jwt.secret";
  std::ofstream(secret_file) << secret_ << "\n";
  std::vector<std::string> args{"--auth.mode=" + mode,
                                "--auth.jwt-secret-file=" + secret_file.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  broker_.emplace(std::move(args));
}

std::string auth_broker::token(const std::string& sub, const std::vector<std::string>& roles,
                               std::int64_t exp_in_s) const {
  return sign(sub, roles, epoch_seconds() + exp_in_s, secret_);
}

std::string auth_broker::foreign_token(const std::string& sub,
                                       const std::vector<std::string>& roles) const {
  return sign(sub, roles, epoch_seconds() + 600, "another-secret-of-32-bytes-or-more-xyz");
}

std::string connect_with_token(sio_client& c, auth_broker& b, const std::string& token) {
  auto opened = c.open(b.host(), b.port());
  REQUIRE_MESSAGE(opened, opened.error());
  auto reply = c.connect_namespace("/", R"({"token":)" + json_quote(token) + "}");
  REQUIRE_MESSAGE(reply, reply.error());
  REQUIRE_MESSAGE(reply->accepted, reply->data);
  auto welcome = c.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  return *welcome;
}

std::string refused_code(sio_client& c, auth_broker& b, const std::string& auth_json,
                         const std::string& query,
                         const std::map<std::string, std::string>& headers) {
  auto opened = c.open(b.host(), b.port(), query, headers);
  REQUIRE_MESSAGE(opened, opened.error());
  auto reply = c.connect_namespace("/", auth_json);
  REQUIRE_MESSAGE(reply, reply.error());
  REQUIRE_MESSAGE(!reply->accepted, reply->data);
  json_doc j(reply->data);
  CHECK(j.is_string("/message"));
  return j.str("/data/error_code");
}

}  // namespace qc::test

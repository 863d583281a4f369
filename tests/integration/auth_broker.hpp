#pragma once
// A broker that authenticates with JWT (PROTOCOL.md §2): a fresh HS256 secret file in
// its own temp dir, --auth.mode=jwt (or optional) pointing at it, and tokens minted with
// the same secret through qc::protocol::sign_jwt, the way quotecast-token mints them.
#include "tests/integration/broker_under_test.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qc::test {

// Seconds since the epoch, as tokens count time.
std::int64_t epoch_seconds();

// base64url without padding (RFC 7515), for hand-made tokens such as alg "none".
std::string base64url(std::string_view bytes);

class auth_broker {
public:
  // `mode`: "jwt" or "optional"; `extra_args` go after the auth flags.
  explicit auth_broker(const std::string& mode = "jwt", std::vector<std::string> extra_args = {});

  broker_under_test& broker() { return *broker_; }
  const std::string& host() const { return broker_->host(); }
  std::uint16_t port() const { return broker_->port(); }

  // An HS256 token signed with the broker's secret, expiring `exp_in_s` from now.
  std::string token(const std::string& sub, const std::vector<std::string>& roles,
                    std::int64_t exp_in_s = 600) const;
  // The same signed with another secret: a bad signature.
  std::string foreign_token(const std::string& sub, const std::vector<std::string>& roles) const;

private:
  temp_dir keys_;
  std::string secret_;
  std::optional<broker_under_test> broker_;
};

// Opens Socket.IO and CONNECTs with {"token": token}; requires acceptance and returns
// connect_response's payload.
std::string connect_with_token(sio_client& c, auth_broker& b, const std::string& token);

// Opens Socket.IO and CONNECTs with `auth_json`; returns the error_code of the 44
// refusal (fails the test if the CONNECT was accepted).
std::string refused_code(sio_client& c, auth_broker& b, const std::string& auth_json,
                         const std::string& query = "",
                         const std::map<std::string, std::string>& headers = {});

}  // namespace qc::test

#include <memory>

#include <doctest/doctest.h>

#include "protocol/error_codes.hpp"
#include "protocol/result.hpp"

using namespace qc::protocol;

TEST_CASE("error codes are spelled as on the wire") {
  CHECK(to_string(error_code::auth_required) == "AUTH_REQUIRED");
  CHECK(to_string(error_code::auth_failed) == "AUTH_FAILED");
  CHECK(to_string(error_code::auth_token_expired) == "AUTH_TOKEN_EXPIRED");
  CHECK(to_string(error_code::invalid_message_format) == "INVALID_MESSAGE_FORMAT");
  CHECK(to_string(error_code::invalid_action) == "INVALID_ACTION");
  CHECK(to_string(error_code::invalid_symbol) == "INVALID_SYMBOL");
  CHECK(to_string(error_code::invalid_parameters) == "INVALID_PARAMETERS");
  CHECK(to_string(error_code::permission_denied) == "PERMISSION_DENIED");
  CHECK(to_string(error_code::rate_limit_exceeded) == "RATE_LIMIT_EXCEEDED");
  CHECK(to_string(error_code::room_not_found) == "ROOM_NOT_FOUND");
  CHECK(to_string(error_code::subscription_failed) == "SUBSCRIPTION_FAILED");
  CHECK(to_string(error_code::already_subscribed) == "ALREADY_SUBSCRIBED");
  CHECK(to_string(error_code::internal_error) == "INTERNAL_ERROR");
  CHECK(to_string(error_code::service_unavailable) == "SERVICE_UNAVAILABLE");
  CHECK(to_string(error_code::timeout) == "TIMEOUT");
  CHECK(to_string(error_code::unsubscription_failed) == "UNSUBSCRIPTION_FAILED");
  CHECK(to_string(error_code::stream_not_found) == "STREAM_NOT_FOUND");
  CHECK(to_string(error_code::subscriber_not_found) == "SUBSCRIBER_NOT_FOUND");
}

TEST_CASE("error codes parse back") {
  for (int i = 0; i <= static_cast<int>(error_code::subscriber_not_found); ++i) {
    const auto code = static_cast<error_code>(i);
    CHECK(parse_error_code(to_string(code)) == code);
  }
  CHECK_FALSE(parse_error_code("invalid_parameters").has_value());
  CHECK_FALSE(parse_error_code("").has_value());
}

TEST_CASE("result holds a value or an error") {
  result<int> good = 42;
  CHECK(good.ok());
  CHECK(static_cast<bool>(good));
  CHECK(*good == 42);
  CHECK(good.value() == 42);

  result<int> bad = error{error_code::timeout, "too slow"};
  CHECK_FALSE(bad.ok());
  CHECK_FALSE(static_cast<bool>(bad));
  CHECK(bad.error().code == error_code::timeout);
  CHECK(bad.error().message == "too slow");
  CHECK_THROWS(bad.value());
  CHECK_THROWS(good.error());
}

TEST_CASE("result works with move-only values and ->") {
  struct box {
    std::unique_ptr<int> p;
    int get() const { return *p; }
  };
  result<box> r = box{std::make_unique<int>(7)};
  REQUIRE(r);
  CHECK(r->get() == 7);
  box taken = std::move(r).value();
  CHECK(*taken.p == 7);
}

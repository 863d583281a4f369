#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "protocol/http_checks.hpp"

using qc::protocol::origin_allowed;
using qc::protocol::valid_websocket_key;

TEST_CASE("Sec-WebSocket-Key must be base64 of exactly 16 bytes") {
  CHECK(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ==")); // RFC 6455's example
  CHECK(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  CHECK(valid_websocket_key("+/+/+/+/+/+/+/+/+/+/+w=="));
  CHECK_FALSE(valid_websocket_key(""));
  CHECK_FALSE(valid_websocket_key("a"));
  CHECK_FALSE(valid_websocket_key("AAAAAAAAAAAAAAAAAAAA"));       // 15 bytes
  CHECK_FALSE(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAAA="));   // 17 bytes
  CHECK_FALSE(valid_websocket_key("AAAAAAAAAAAAAAAAAAAAAAAA"));   // 18 bytes, no padding
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ==A"));  // too long
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25jZQ=!"));   // bad padding
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25j*Q=="));   // outside the alphabet
  CHECK_FALSE(valid_websocket_key("dGhlIHNhbXBsZSBub25j Q=="));
  CHECK_FALSE(valid_websocket_key(std::string("dGhlIHNhbXBsZSBub25j\0Q==", 24)));
}

TEST_CASE("Origin: absent is allowed, listed is allowed ignoring case, '*' allows any") {
  const std::vector<std::string> demo{"http://127.0.0.1:8080", "http://localhost:8080"};
  CHECK(origin_allowed("", {}));
  CHECK(origin_allowed("", demo));
  CHECK_FALSE(origin_allowed("http://127.0.0.1:8080", {}));
  CHECK(origin_allowed("http://127.0.0.1:8080", demo));
  CHECK(origin_allowed("HTTP://LocalHost:8080", demo));
  CHECK_FALSE(origin_allowed("http://localhost:8081", demo));
  CHECK_FALSE(origin_allowed("http://localhost:8080.evil.example", demo));
  CHECK_FALSE(origin_allowed("null", demo));
  CHECK(origin_allowed("https://anything.example", {"*"}));
}

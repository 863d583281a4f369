#include <string>

#include <doctest/doctest.h>

#include "protocol/json.hpp"
#include "protocol/ws_json.hpp"

using namespace qc::protocol;

namespace {

const limits lim;

bool rejected(std::string_view text) {
  auto m = parse_ws_message(text, lim);
  if (m)
    return false;
  CHECK(m.error().code == error_code::invalid_message_format);
  CHECK_FALSE(m.error().message.empty());
  return true;
}

} // namespace

TEST_CASE("a plain JSON message yields event, payload and id") {
  auto m = parse_ws_message(R"({"event":"subscribe_market_stream","data":{"symbol":"600519","fields":["price"]},"id":7})",
                            lim);
  REQUIRE(m);
  CHECK(m->event == "subscribe_market_stream");
  REQUIRE(m->payload.IsObject());
  CHECK(std::string(m->payload["symbol"].GetString()) == "600519");
  CHECK(to_json(m->payload) == R"({"symbol":"600519","fields":["price"]})");
  CHECK(m->id_json == "7");
}

TEST_CASE("the payload outlives the parse and can be moved on") {
  ws_inbound kept = [] {
    auto m = parse_ws_message(R"({"data":{"long":"a string long enough to need the allocator"},"event":"x"})", lim);
    REQUIRE(m);
    return std::move(*m);
  }();
  CHECK(to_json(kept.payload) == R"({"long":"a string long enough to need the allocator"})");
}

TEST_CASE("optional parts of a plain JSON message") {
  auto bare = parse_ws_message(R"({"event":"ping"})", lim);
  REQUIRE(bare);
  CHECK(bare->payload.IsNull());
  CHECK_FALSE(bare->id_json.has_value());

  auto string_id = parse_ws_message(R"({"event":"ping","id":"r-1\"x","data":5})", lim);
  REQUIRE(string_id);
  CHECK(string_id->id_json == R"("r-1\"x")");
  CHECK(string_id->payload.IsInt());
  CHECK(string_id->payload.GetInt() == 5);

  auto null_id = parse_ws_message(R"({"event":"ping","id":null,"data":null})", lim);
  REQUIRE(null_id);
  CHECK_FALSE(null_id->id_json.has_value());
  CHECK(null_id->payload.IsNull());

  auto float_id = parse_ws_message(R"({"event":"ping","id":1.5,"extra":[1]})", lim);
  REQUIRE(float_id);
  CHECK(float_id->id_json == "1.5");
}

TEST_CASE("malformed plain JSON messages are refused") {
  CHECK(rejected(""));
  CHECK(rejected("not json"));
  CHECK(rejected(R"({"event":"ping")"));
  CHECK(rejected(R"(["ping",{}])"));
  CHECK(rejected(R"("ping")"));
  CHECK(rejected(R"({})"));
  CHECK(rejected(R"({"data":{}})"));
  CHECK(rejected(R"({"event":7})"));
  CHECK(rejected(R"({"event":""})"));
  CHECK(rejected(R"({"event":null})"));
  CHECK(rejected(R"({"event":"ping","id":{}})"));
  CHECK(rejected(R"({"event":"ping","id":[1]})"));
  CHECK(rejected(R"({"event":"ping","id":true})"));
  CHECK(rejected("{\"event\":\"\xff\xfe\"}"));
  CHECK(rejected(R"({"event":"ping","data":1e999})"));
  CHECK(rejected(R"({"event":"ping","data":)" + std::string(100000, '[')));
  CHECK(rejected(R"({"event":"ping"} {})"));
}

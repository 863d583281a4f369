// Encoders of request response data: exact bytes, escaping, empty cases.
#include <doctest/doctest.h>

#include "protocol/request_data.hpp"

using namespace qc::protocol;

TEST_CASE("encode_room_list lists rooms with member counts, escaped") {
  CHECK(encode_room_list({}) == "[]");
  CHECK(encode_room_list({{"r1", 2}, {"a\"b", 0}})
        == R"([{"room":"r1","members":2},{"room":"a\"b","members":0}])");
}

TEST_CASE("encode_room_members names the room, the count and each member") {
  CHECK(encode_room_members("r1", {}) == R"({"room":"r1","count":0,"members":[]})");
  CHECK(encode_room_members("r1", {{"s1", "alice", "owner"}, {"s2", "bob", "member"}})
        == R"({"room":"r1","count":2,"members":[{"sid":"s1","user_id":"alice","role":"owner"},)"
           R"({"sid":"s2","user_id":"bob","role":"member"}]})");
}

TEST_CASE("encode_subscriptions separates live and saved rooms and streams") {
  CHECK(encode_subscriptions({"a", "b"}, {"600519"}, {}, {"000001"})
        == R"({"rooms":["a","b"],"streams":["600519"],"saved":{"rooms":[],"streams":["000001"]}})");
}

TEST_CASE("publish acks and delivery counts") {
  CHECK(encode_publish_ack(3, 1) == R"({"ok":true,"accepted":3,"duplicates":1})");
  CHECK(encode_delivered(0, 0) == R"({"delivered":0,"queued":0})");
  CHECK(encode_delivered(2, 1) == R"({"delivered":2,"queued":1})");
}

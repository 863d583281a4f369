#include <doctest/doctest.h>

#include <string>

#include "protocol/rbac_key_match.hpp"
#include "protocol/rbac_names.hpp"

using qc::rbac::key_match;

TEST_CASE("keyMatch: no star means equal") {
  CHECK(key_match("room:lobby", "room:lobby"));
  CHECK_FALSE(key_match("room:lobby2", "room:lobby"));
  CHECK_FALSE(key_match("room:lobb", "room:lobby"));
  CHECK_FALSE(key_match("", "room:lobby"));
  CHECK(key_match("", ""));
}

TEST_CASE("keyMatch: a star matches any rest, the empty one too") {
  CHECK(key_match("room:market_600519", "room:market_*"));
  CHECK(key_match("room:market_", "room:market_*"));
  CHECK_FALSE(key_match("room:market", "room:market_*"));
  CHECK_FALSE(key_match("room:public_x", "room:market_*"));
  CHECK(key_match("stream:BTC-USDT", "stream:*"));
  CHECK(key_match("anything", "*"));
  CHECK(key_match("", "*"));
  CHECK_FALSE(key_match("stream:x", "room:*"));
}

TEST_CASE("keyMatch: like Casbin, what follows the first star is ignored") {
  // Casbin's KeyMatch compares only the text before the first '*'. The policy reader
  // refuses such patterns, so this never changes a decision; it pins the semantics.
  CHECK(key_match("room:a_b_c", "room:a_*_z"));
  CHECK(key_match("room:a", "room:a*x"));
}

TEST_CASE("object patterns the policy may use") {
  using qc::rbac::valid_object_pattern;
  CHECK(valid_object_pattern("*"));
  CHECK(valid_object_pattern("room:*"));
  CHECK(valid_object_pattern("room:market_*"));
  CHECK(valid_object_pattern("room:desk_a"));
  CHECK(valid_object_pattern("stream:600519.SH"));
  CHECK(valid_object_pattern("user:alice@example.com"));
  CHECK(valid_object_pattern("system:stats"));
  CHECK(valid_object_pattern("room:" + std::string(128, 'r')));
  CHECK(valid_object_pattern("room:" + std::string(128, 'r') + "*"));
  CHECK_FALSE(valid_object_pattern("room:" + std::string(129, 'r')));
  CHECK_FALSE(valid_object_pattern("room:"));
  CHECK_FALSE(valid_object_pattern("room:a*b"));
  CHECK_FALSE(valid_object_pattern("room:**"));
  CHECK_FALSE(valid_object_pattern("rooms:x"));
  CHECK_FALSE(valid_object_pattern("/data/*"));
  CHECK_FALSE(valid_object_pattern("room:has space"));
  CHECK_FALSE(valid_object_pattern(""));
}

TEST_CASE("subject names and actions") {
  using namespace qc::rbac;
  CHECK(valid_subject_name("viewer"));
  CHECK(valid_subject_name("alice@example.com"));
  CHECK(valid_subject_name(std::string(128, 'a')));
  CHECK_FALSE(valid_subject_name(std::string(129, 'a')));
  CHECK_FALSE(valid_subject_name(""));
  CHECK_FALSE(valid_subject_name("a b"));
  CHECK_FALSE(valid_subject_name("a*"));
  CHECK(known_action("subscribe"));
  CHECK(known_action("set_member_role"));
  CHECK_FALSE(known_action("subscibe"));
  CHECK_FALSE(known_action("Subscribe"));
  CHECK(known_actions().size() == 17);
}

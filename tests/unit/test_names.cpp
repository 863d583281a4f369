#include <string>

#include <doctest/doctest.h>

#include "protocol/names.hpp"

using namespace qc::protocol;

TEST_CASE("room names") {
  CHECK(valid_room_name("market_600519"));
  CHECK(valid_room_name("user:u1"));
  CHECK(valid_room_name("a.b-c_D:9"));
  CHECK(valid_room_name("x"));
  CHECK(valid_room_name(std::string(128, 'r')));

  CHECK_FALSE(valid_room_name(""));
  CHECK_FALSE(valid_room_name(std::string(129, 'r')));
  CHECK_FALSE(valid_room_name("has space"));
  CHECK_FALSE(valid_room_name("slash/room"));
  CHECK_FALSE(valid_room_name("star*"));
  CHECK_FALSE(valid_room_name("room\n"));
  CHECK_FALSE(valid_room_name(std::string("nul\0x", 5)));
  CHECK_FALSE(valid_room_name("\xe6\x88\xbf")); // non-ASCII
}

TEST_CASE("symbols") {
  CHECK(valid_symbol("600519"));
  CHECK(valid_symbol("600519.SH"));
  CHECK(valid_symbol("BTC-USDT"));
  CHECK(valid_symbol("a_b"));
  CHECK(valid_symbol(std::string(32, 'S')));

  CHECK_FALSE(valid_symbol(""));
  CHECK_FALSE(valid_symbol(std::string(33, 'S')));
  CHECK_FALSE(valid_symbol("BTC:USDT")); // ':' is for rooms only
  CHECK_FALSE(valid_symbol("BTC/USDT"));
  CHECK_FALSE(valid_symbol(" 600519"));
  CHECK_FALSE(valid_symbol("*"));
}

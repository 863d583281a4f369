#include <doctest/doctest.h>

#include "protocol/auth_wire.hpp"
#include "protocol/json.hpp"

using namespace qc::protocol;
using state = presented_token::state;

namespace {

presented_token from_connect(std::string_view json, std::size_t max = 16) {
  limits lim;
  auto doc = parse_json(json, lim);
  REQUIRE(doc.ok());
  return token_from_connect_auth(&*doc, max);
}

} // namespace

TEST_CASE("CONNECT auth: a token member, none, too long or malformed") {
  CHECK(token_from_connect_auth(nullptr, 16).how == state::none);
  CHECK(from_connect(R"({"pid":"x"})").how == state::none);
  CHECK(from_connect(R"({"token":null})").how == state::none);
  CHECK(from_connect(R"([1])").how == state::none);
  auto t = from_connect(R"({"token":"a.b.c"})");
  CHECK(t.how == state::given);
  CHECK(t.token == "a.b.c");
  CHECK(from_connect(R"({"token":"0123456789abcdefX"})").how == state::too_long);
  CHECK(from_connect(R"({"token":""})").how == state::none);
  CHECK(from_connect(R"({"token":["a"]})").how == state::malformed);
}

TEST_CASE("which token counts: CONNECT auth, then Bearer, then ?token=") {
  auto given = [](std::string t) { return presented_token{state::given, std::move(t)}; };
  presented_token none;
  CHECK(choose_token(given("c"), given("b"), given("q")).token == "c");
  CHECK(choose_token(none, given("b"), given("q")).token == "b");
  CHECK(choose_token(none, none, given("q")).token == "q");
  CHECK(choose_token(none, none, none).how == state::none);
  // A bad CONNECT token is what the client asked for: it is not replaced by another.
  CHECK(choose_token({state::malformed, {}}, given("b"), none).how == state::malformed);
  CHECK(choose_token(none, {state::too_long, {}}, given("q")).how == state::too_long);
  CHECK(token_from_text("", 4).how == state::none);
  CHECK(token_from_text("abcde", 4).how == state::too_long);
}

TEST_CASE("room roles never come from a token; auth_refreshed encodes exp and roles") {
  CHECK(global_roles({"viewer", "room_owner", "admin", "room_x"}) == std::vector<std::string>{"viewer", "admin"});
  CHECK(encode_auth_refreshed(1700000000, {"viewer"}) == R"({"exp":1700000000,"roles":["viewer"]})");
}

// The /stats page parameters: query parsing (hostile targets) and the bounds.
#include <doctest/doctest.h>

#include "protocol/stats_page.hpp"

using namespace qc::protocol;

namespace {

stats_page_request parsed(std::string_view target) {
  auto r = parse_stats_query(target);
  REQUIRE_MESSAGE(r.ok(), target);
  return *r;
}

void refused(std::string_view target, std::string_view says) {
  auto r = parse_stats_query(target);
  REQUIRE_MESSAGE(!r.ok(), target);
  CHECK(r.error().code == error_code::invalid_parameters);
  CHECK_MESSAGE(r.error().message.find(says) != std::string::npos, r.error().message);
}

} // namespace

TEST_CASE("parse_stats_query reads limit and offset and ignores other keys") {
  auto none = parsed("/stats");
  CHECK_FALSE(none.limit.has_value());
  CHECK_FALSE(none.offset.has_value());
  CHECK_FALSE(parsed("/stats?").limit.has_value());
  auto both = parsed("/stats?offset=20&limit=5");
  CHECK(both.limit == std::optional<std::uint64_t>(5));
  CHECK(both.offset == std::optional<std::uint64_t>(20));
  auto other = parsed("/stats?_=1699999&limitx=3&&x&limit=0");
  CHECK(other.limit == std::optional<std::uint64_t>(0));
  CHECK_FALSE(other.offset.has_value());
  CHECK(parsed("/stats?limit=9999999999999999999").limit == std::optional<std::uint64_t>(9999999999999999999ull));
  CHECK(parsed("/stats?limit=7#limit=8").limit == std::optional<std::uint64_t>(7));
}

TEST_CASE("parse_stats_query refuses anything but plain digits, and repeated keys") {
  refused("/stats?limit=", "non-negative integer");
  refused("/stats?limit", "needs a value");
  refused("/stats?limit=-1", "non-negative integer");
  refused("/stats?limit=+1", "non-negative integer");
  refused("/stats?limit=1e3", "non-negative integer");
  refused("/stats?limit=%31", "non-negative integer");
  refused("/stats?limit= 1", "non-negative integer");
  refused("/stats?offset=0x10", "non-negative integer");
  refused("/stats?offset=18446744073709551616", "non-negative integer"); // 2^64
  refused("/stats?offset=000000000000000000001", "non-negative integer"); // 21 digits
  CHECK(parsed("/stats?offset=18446744073709551615").offset == std::optional<std::uint64_t>(18446744073709551615ull));
  refused("/stats?limit=1&limit=2", "more than once");
  refused("/stats?offset=1&offset=1", "more than once");
}

TEST_CASE("resolve_stats_page applies the default and the maximum") {
  auto dflt = resolve_stats_page({}, 100, 1000);
  REQUIRE(dflt.ok());
  CHECK(dflt->limit == 100);
  CHECK(dflt->offset == 0);
  auto exact = resolve_stats_page({1000, 5}, 100, 1000);
  REQUIRE(exact.ok());
  CHECK(exact->limit == 1000);
  CHECK(exact->offset == 5);
  auto zero = resolve_stats_page({0, std::nullopt}, 100, 1000);
  REQUIRE(zero.ok());
  CHECK(zero->limit == 0);
  auto over = resolve_stats_page({1001, std::nullopt}, 100, 1000);
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == error_code::invalid_parameters);
  CHECK(over.error().message == "limit must be an integer from 0 to 1000");
  // A default above the maximum (the config refuses it) is cut to the maximum.
  auto cut = resolve_stats_page({}, 50, 10);
  REQUIRE(cut.ok());
  CHECK(cut->limit == 10);
}

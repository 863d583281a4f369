// Inputs the fuzz targets (tests/fuzz) found to crash or mislead a parser, each through
// the parser that met it, so a regression shows in the ordinary unit tests too.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <variant>

#include "actors/feeds/feed_files.hpp"
#include "protocol/client_events.hpp"
#include "protocol/json.hpp"
#include "protocol/recovery.hpp"
#include "protocol/socketio.hpp"
#include "protocol/ws_json.hpp"

using namespace qc::protocol;

namespace {

const limits lim;

// issue 11: RapidJSON 1.1.0's full-precision path read past a table (ASan) or overflowed
// (UBSan: diyfp.h, "signed integer overflow", "passing zero to clz()") on these, in every
// JSON target from its first seed.
const std::string long_number = "128.74836467836484838364836483643636483648e-336";
const std::string many_zeros = "0." + std::string(370, '0') + "1";

double number_in(const std::string& json) {
  auto doc = parse_json(json, lim);
  REQUIRE_MESSAGE(doc.ok(), json);
  REQUIRE(doc->IsNumber());
  return doc->GetDouble();
}

} // namespace

TEST_CASE("fuzz finding: the numbers of issue 11 parse to strtod's value in the JSON layer") {
  for (const auto& text : {long_number, many_zeros, std::string("0e100"), std::string("-0e-400")}) {
    INFO(text);
    CHECK(number_in(text) == 0.0);
  }
}

TEST_CASE("fuzz finding: hard-to-round numbers are the double strtod reads") {
  // The fuzz_json differential compares every number with strtod bit for bit.
  for (const char* text : {"2.2250738585072011e-308", "2.2250738585072012e-308", "4.9406564584124654e-324",
                           "1.7976931348623157e308", "17976931348623157e292", "9007199254740993.0",
                           "0.1", "123456789012345678901234567890", "1e-400"}) {
    INFO(text);
    CHECK(number_in(text) == std::strtod(text, nullptr));
  }
  CHECK_FALSE(parse_json("1.7976931348623159e308", lim).ok()); // rounds to infinity
}

TEST_CASE("fuzz finding: the numbers of issue 11 in every parser that takes them") {
  for (const auto& n : {long_number, many_zeros, std::string("0e100")}) {
    INFO(n);
    // Socket.IO: an event, and CONNECT auth.
    CHECK(parse_sio("2[\"x\"," + n + "]", lim).ok());
    CHECK(parse_sio("0{\"a\":" + n + "}", lim).ok());
    auto recovery = parse_recovery_auth("{\"pid\":\"p1\",\"a\":" + n + "}", lim);
    REQUIRE(recovery);
    CHECK(recovery->pid == "p1");
    // /ws
    auto ws = parse_ws_message("{\"event\":\"x\",\"data\":" + n + "}", lim);
    REQUIRE(ws.ok());
    CHECK(ws->payload.GetDouble() == 0.0);
    // POST /publish and `publish`: the stored price reads back as 0.
    auto body = parse_json("{\"symbol\":\"600519\",\"price\":" + n + "}", lim);
    REQUIRE(body.ok());
    auto ticks = parse_ticks(*body, lim);
    REQUIRE(ticks.ok());
    REQUIRE(ticks->ticks.front().fields.size() == 1);
    CHECK(number_in(ticks->ticks.front().fields.front().second) == 0.0);
    // A CSV replay row.
    auto header = qc::parse_csv_header("symbol,price");
    REQUIRE(header.ok());
    auto row = qc::parse_csv_row("600519," + n, *header.value);
    REQUIRE_MESSAGE(row.ok(), row.error);
    CHECK(number_in(row.value->fields.front().second) == 0.0);
  }
}

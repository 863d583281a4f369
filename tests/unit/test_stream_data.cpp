#include <doctest/doctest.h>

#include "protocol/stream_data.hpp"

using namespace qc::protocol;

namespace {

const std::vector<std::string> defaults{"price", "volume", "timestamp"};

tick sample() {
  tick t;
  t.symbol = "600519";
  t.timestamp_ms = 1764134400000;
  t.fields = {{"price", "1688.5"},
              {"name", R"("Kweichow \"Moutai\"")"},
              {"volume", "1200"},
              {"halted", "false"},
              {"timestamp", "1764134400000"}};
  return t;
}

} // namespace

TEST_CASE("make_filter normalises") {
  SUBCASE("no fields: the defaults, sorted") {
    const auto f = make_filter({}, defaults);
    CHECK_FALSE(f.all);
    CHECK(f.fields == std::vector<std::string>{"price", "timestamp", "volume"});
  }
  SUBCASE("order and repeats do not matter") {
    CHECK(make_filter({"volume", "price", "volume"}, defaults) == make_filter({"price", "volume"}, defaults));
    CHECK(make_filter({"volume", "price", "price"}, defaults).fields == std::vector<std::string>{"price", "volume"});
    CHECK(make_filter({"price"}, defaults) != make_filter({"price", "volume"}, defaults));
  }
  SUBCASE("a star anywhere means all") {
    const auto f = make_filter({"price", "*", "volume"}, defaults);
    CHECK(f.all);
    CHECK(f.fields.empty());
    CHECK(f == make_filter({"*"}, defaults));
    CHECK(make_filter({}, {"*"}).all);
  }
}

TEST_CASE("filter_fields") {
  // A name with a comma is not two names.
  CHECK(make_filter({"a,b"}, defaults) != make_filter({"a", "b"}, defaults));
  CHECK(filter_fields(make_filter({"price", "*"}, defaults)) == std::vector<std::string>{"*"});
  CHECK(filter_fields(make_filter({"volume", "price"}, defaults)) == std::vector<std::string>{"price", "volume"});
}

TEST_CASE("encode_stream_data with the default filter keeps the tick's order") {
  CHECK(encode_stream_data(sample(), 1764134400000, 7, make_filter({}, defaults), false) ==
        R"({"symbol":"600519","data":{"price":1688.5,"volume":1200,"timestamp":1764134400000},"timestamp":1764134400000,"seq":7})");
}

TEST_CASE("encode_stream_data with all fields writes strings, booleans and numbers raw") {
  CHECK(encode_stream_data(sample(), 1764134400000, 1, make_filter({"*"}, defaults), false) ==
        R"({"symbol":"600519","data":{"price":1688.5,"name":"Kweichow \"Moutai\"","volume":1200,"halted":false,"timestamp":1764134400000},"timestamp":1764134400000,"seq":1})");
}

TEST_CASE("encode_stream_data leaves out fields the tick lacks") {
  CHECK(encode_stream_data(sample(), 5, 2, make_filter({"bid", "halted"}, defaults), false) ==
        R"({"symbol":"600519","data":{"halted":false},"timestamp":5,"seq":2})");
  CHECK(encode_stream_data(sample(), 5, 2, make_filter({"bid"}, defaults), false) ==
        R"({"symbol":"600519","data":{},"timestamp":5,"seq":2})");
}

TEST_CASE("encode_stream_data: snapshot flag, timestamp from the caller, no symbol in data") {
  tick t;
  t.symbol = "BTC-USDT";
  t.fields = {{"symbol", R"("BTC-USDT")"}, {"price", "91000.25"}, {"id", R"("t-1")"}};
  CHECK(encode_stream_data(t, 1764134400123, 42, make_filter({"*"}, defaults), true) ==
        R"({"symbol":"BTC-USDT","data":{"price":91000.25,"id":"t-1"},"timestamp":1764134400123,"seq":42,"snapshot":true})");
  CHECK(encode_stream_data(t, 1764134400123, 43, make_filter({"symbol", "price"}, defaults), false) ==
        R"({"symbol":"BTC-USDT","data":{"price":91000.25},"timestamp":1764134400123,"seq":43})");
}

TEST_CASE("encode_stream_data escapes field names") {
  tick t;
  t.symbol = "X";
  t.fields = {{"we\"ird", "1"}};
  CHECK(encode_stream_data(t, 1, 1, make_filter({"we\"ird"}, defaults), false) ==
        R"({"symbol":"X","data":{"we\"ird":1},"timestamp":1,"seq":1})");
}

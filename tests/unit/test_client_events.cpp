#include <string>

#include <doctest/doctest.h>

#include "protocol/client_events.hpp"
#include "protocol/json.hpp"

using namespace qc::protocol;

namespace {

const limits default_limits;

// Parses payload_json (empty: no payload at all) and runs parse_client_event.
std::variant<client_event, event_error> run(std::string_view name, std::string_view payload_json,
                                            const limits& lim = default_limits) {
  if (payload_json.empty())
    return parse_client_event(name, nullptr, lim);
  auto doc = parse_json(payload_json, lim);
  REQUIRE_MESSAGE(doc.ok(), "test payload must be valid JSON: ", std::string(payload_json));
  return parse_client_event(name, &*doc, lim);
}

template <class Event>
Event expect_event(std::string_view name, std::string_view payload_json, const limits& lim = default_limits) {
  auto out = run(name, payload_json, lim);
  if (const auto* err = std::get_if<event_error>(&out))
    FAIL("unexpected error ", to_string(err->err.code), ": ", err->err.message);
  const auto& event = std::get<client_event>(out);
  REQUIRE(std::holds_alternative<Event>(event));
  return std::get<Event>(event);
}

event_error expect_error(std::string_view name, std::string_view payload_json, error_code code,
                         std::string_view reply_event, const limits& lim = default_limits) {
  INFO("event ", std::string(name), " payload ", std::string(payload_json));
  auto out = run(name, payload_json, lim);
  REQUIRE(std::holds_alternative<event_error>(out));
  auto err = std::get<event_error>(out);
  CHECK(err.err.code == code);
  CHECK(err.reply_event == reply_event);
  CHECK_FALSE(err.err.message.empty());
  return err;
}

} // namespace

// -- unknown events ---------------------------------------------------------------------

TEST_CASE("unknown events get INVALID_ACTION on error") {
  auto e = expect_error("subscribe_everything", R"({"room":"a"})", error_code::invalid_action, "error");
  CHECK(e.err.message.find("subscribe_everything") != std::string::npos);
  CHECK_FALSE(e.request_id.has_value());
  expect_error("", "", error_code::invalid_action, "error");
  expect_error("Subscribe", R"({"room":"a"})", error_code::invalid_action, "error");
  expect_error(std::string(1000, 'x'), "", error_code::invalid_action, "error");
}

// -- rooms ------------------------------------------------------------------------------

TEST_CASE("subscribe and unsubscribe take a valid room") {
  CHECK(expect_event<subscribe_room>("subscribe", R"({"room":"market_600519"})").room == "market_600519");
  CHECK(expect_event<unsubscribe_room>("unsubscribe", R"({"room":"user:u1","extra":1})").room == "user:u1");
}

TEST_CASE("subscribe and unsubscribe refuse a missing or bad room with INVALID_PARAMETERS on error") {
  for (auto name : {"subscribe", "unsubscribe"}) {
    CAPTURE(name);
    expect_error(name, "", error_code::invalid_parameters, "error");
    expect_error(name, "null", error_code::invalid_parameters, "error");
    expect_error(name, R"("market_600519")", error_code::invalid_parameters, "error");
    expect_error(name, R"(["market_600519"])", error_code::invalid_parameters, "error");
    expect_error(name, R"({})", error_code::invalid_parameters, "error");
    expect_error(name, R"({"room":null})", error_code::invalid_parameters, "error");
    expect_error(name, R"({"room":""})", error_code::invalid_parameters, "error");
    expect_error(name, R"({"room":5})", error_code::invalid_parameters, "error");
    expect_error(name, R"({"room":"bad room"})", error_code::invalid_parameters, "error");
    expect_error(name, R"({"room":"a/b"})", error_code::invalid_parameters, "error");
    expect_error(name, R"({"room":")" + std::string(129, 'r') + R"("})", error_code::invalid_parameters, "error");
  }
}

TEST_CASE("room_message with every field") {
  const auto m = expect_event<room_message_in>(
      "room_message",
      R"({"room":"r1","content":{"text":"hi","n":[1,2]},"message_type":"alert","metadata":{"k":"v"},"target":{"role":"admin","user_id":"u1"}})");
  CHECK(m.room == "r1");
  CHECK(m.content_json == R"({"text":"hi","n":[1,2]})");
  CHECK(m.type == message_type::alert);
  CHECK(m.metadata_json == R"({"k":"v"})");
  CHECK(m.target.role == "admin");
  CHECK(m.target.user_id == "u1");
}

TEST_CASE("room_message defaults") {
  const auto m = expect_event<room_message_in>("room_message", R"({"room":"r1","content":"hello"})");
  CHECK(m.content_json == R"("hello")");
  CHECK(m.type == message_type::text);
  CHECK(m.metadata_json == "{}");
  CHECK_FALSE(m.target.role.has_value());
  CHECK_FALSE(m.target.user_id.has_value());

  const auto nulls = expect_event<room_message_in>(
      "room_message", R"({"room":"r1","content":0,"message_type":null,"metadata":null,"target":null})");
  CHECK(nulls.content_json == "0");
  CHECK(nulls.type == message_type::text);
  CHECK(nulls.metadata_json == "{}");

  for (auto type : {"text", "notification", "alert", "system", "data"}) {
    const auto t = expect_event<room_message_in>(
        "room_message", std::string(R"({"room":"r","content":1,"message_type":")") + type + "\"}");
    CHECK(to_string(t.type) == type);
  }
}

TEST_CASE("room_message refusals are INVALID_PARAMETERS on error") {
  auto bad = [](std::string_view payload) {
    expect_error("room_message", payload, error_code::invalid_parameters, "error");
  };
  bad("");
  bad(R"([1])");
  bad(R"({"content":"x"})");
  bad(R"({"room":"bad room","content":"x"})");
  bad(R"({"room":"r"})");
  bad(R"({"room":"r","content":null})");
  bad(R"({"room":"r","content":"x","message_type":"shout"})");
  bad(R"({"room":"r","content":"x","message_type":"TEXT"})");
  bad(R"({"room":"r","content":"x","message_type":1})");
  bad(R"({"room":"r","content":"x","metadata":"m"})");
  bad(R"({"room":"r","content":"x","metadata":[1]})");
  bad(R"({"room":"r","content":"x","target":"admin"})");
  bad(R"({"room":"r","content":"x","target":{"role":""}})");
  bad(R"({"room":"r","content":"x","target":{"role":7}})");
  bad(R"({"room":"r","content":"x","target":{"user_id":["u1"]}})");
}

TEST_CASE("room_message content and metadata are bounded") {
  limits lim;
  lim.max_content_bytes = 10;
  // "12345678" with quotes is exactly 10 bytes.
  expect_event<room_message_in>("room_message", R"({"room":"r","content":"12345678"})", lim);
  auto e = expect_error("room_message", R"({"room":"r","content":"123456789"})", error_code::invalid_parameters,
                        "error", lim);
  CHECK(e.err.message.find("content") != std::string::npos);
  expect_error("room_message", R"({"room":"r","content":1,"metadata":{"k":"12345678"}})",
               error_code::invalid_parameters, "error", lim);
  expect_error("room_message", R"({"room":"r","content":")" + std::string(65537, 'x') + "\"}",
               error_code::invalid_parameters, "error");
}

// -- streams ----------------------------------------------------------------------------

TEST_CASE("subscribe_market_stream") {
  const auto s = expect_event<subscribe_stream>("subscribe_market_stream", R"({"symbol":"600519"})");
  CHECK(s.symbol == "600519");
  CHECK(s.fields.empty());

  const auto f = expect_event<subscribe_stream>("subscribe_market_stream",
                                                R"({"symbol":"BTC-USDT","fields":["price","volume","price"]})");
  CHECK(f.symbol == "BTC-USDT");
  CHECK(f.fields == std::vector<std::string>{"price", "volume"});

  CHECK(expect_event<subscribe_stream>("subscribe_market_stream", R"({"symbol":"a","fields":[]})").fields.empty());
  CHECK(expect_event<subscribe_stream>("subscribe_market_stream", R"({"symbol":"a","fields":null})").fields.empty());
  CHECK(expect_event<subscribe_stream>("subscribe_market_stream", R"({"symbol":"a","fields":["*"]})").fields ==
        std::vector<std::string>{"*"});
}

TEST_CASE("stream events refuse a missing or bad symbol with INVALID_SYMBOL on stream_error") {
  for (auto name : {"subscribe_market_stream", "unsubscribe_market_stream", "stream_filter_update"}) {
    CAPTURE(name);
    expect_error(name, "", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"("600519")", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"({})", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"({"symbol":""})", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"({"symbol":600519,"fields":["price"]})", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"({"symbol":"BTC/USDT","fields":["price"]})", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"({"symbol":"market:1","fields":["price"]})", error_code::invalid_symbol, "stream_error");
    expect_error(name, R"({"symbol":")" + std::string(33, 'S') + R"(","fields":["price"]})",
                 error_code::invalid_symbol, "stream_error");
  }
}

TEST_CASE("stream field lists are checked: INVALID_PARAMETERS on stream_error") {
  for (auto name : {"subscribe_market_stream", "stream_filter_update"}) {
    CAPTURE(name);
    expect_error(name, R"({"symbol":"a","fields":"price"})", error_code::invalid_parameters, "stream_error");
    expect_error(name, R"({"symbol":"a","fields":{"price":true}})", error_code::invalid_parameters, "stream_error");
    expect_error(name, R"({"symbol":"a","fields":["price",1]})", error_code::invalid_parameters, "stream_error");
    expect_error(name, R"({"symbol":"a","fields":[""]})", error_code::invalid_parameters, "stream_error");
    expect_error(name, R"({"symbol":"a","fields":[")" + std::string(65, 'f') + R"("]})",
                 error_code::invalid_parameters, "stream_error");
  }
}

TEST_CASE("too many fields in a stream filter") {
  limits lim;
  lim.max_fields = 3;
  expect_event<subscribe_stream>("subscribe_market_stream", R"({"symbol":"a","fields":["a","b","c"]})", lim);
  auto e = expect_error("subscribe_market_stream", R"({"symbol":"a","fields":["a","b","c","d"]})",
                        error_code::invalid_parameters, "stream_error", lim);
  CHECK(e.err.message.find("3") != std::string::npos);
  expect_error("stream_filter_update", R"({"symbol":"a","fields":["a","b","c","d"]})", error_code::invalid_parameters,
               "stream_error", lim);

  std::string many = R"({"symbol":"a","fields":[)";
  for (int i = 0; i < 33; ++i)
    many += (i ? ",\"f" : "\"f") + std::to_string(i) + "\"";
  many += "]}";
  expect_error("subscribe_market_stream", many, error_code::invalid_parameters, "stream_error");
}

TEST_CASE("unsubscribe_market_stream") {
  CHECK(expect_event<unsubscribe_stream>("unsubscribe_market_stream", R"({"symbol":"600519.SH"})").symbol ==
        "600519.SH");
}

TEST_CASE("stream_filter_update needs a non-empty filter") {
  const auto u = expect_event<stream_filter_update>("stream_filter_update",
                                                    R"({"symbol":"600519","fields":["price","bid"]})");
  CHECK(u.symbol == "600519");
  CHECK(u.fields == std::vector<std::string>{"price", "bid"});
  expect_error("stream_filter_update", R"({"symbol":"600519","fields":[]})", error_code::invalid_parameters,
               "stream_error");
  expect_error("stream_filter_update", R"({"symbol":"600519"})", error_code::invalid_parameters, "stream_error");
  expect_error("stream_filter_update", R"({"symbol":"600519","fields":null})", error_code::invalid_parameters,
               "stream_error");
}

// -- publish ----------------------------------------------------------------------------

TEST_CASE("publish one tick") {
  const auto p = expect_event<publish_ticks>(
      "publish", R"({"price":1688.5,"symbol":"600519","volume":1200,"timestamp":1764134400000,"halted":false,"venue":"SH"})");
  REQUIRE(p.ticks.size() == 1);
  const tick& t = p.ticks[0];
  CHECK(t.symbol == "600519");
  CHECK_FALSE(t.id.has_value());
  CHECK(t.timestamp_ms == 1764134400000);
  using field = std::pair<std::string, std::string>;
  CHECK(t.fields == std::vector<field>{{"price", "1688.5"},
                                       {"volume", "1200"},
                                       {"timestamp", "1764134400000"},
                                       {"halted", "false"},
                                       {"venue", "\"SH\""}});
}

TEST_CASE("publish an array of ticks, with ids") {
  const auto p = expect_event<publish_ticks>(
      "publish", R"([{"symbol":"A","id":"t-1","price":1},{"symbol":"B","id":42,"price":2,"timestamp":5.0}])");
  REQUIRE(p.ticks.size() == 2);
  CHECK(p.ticks[0].symbol == "A");
  CHECK(p.ticks[0].id == "t-1");
  CHECK_FALSE(p.ticks[0].timestamp_ms.has_value());
  CHECK(p.ticks[1].id == "42");
  CHECK(p.ticks[1].timestamp_ms == 5);
  CHECK(p.ticks[1].fields.size() == 3);
}

TEST_CASE("publish refusals are INVALID_PARAMETERS on error") {
  auto bad = [](std::string_view payload) {
    expect_error("publish", payload, error_code::invalid_parameters, "error");
  };
  bad("");
  bad("null");
  bad("5");
  bad(R"("600519")");
  bad("[]");
  bad("[1]");
  bad(R"([{"symbol":"A"},"B"])");
  bad(R"({"price":1})");                                 // no symbol
  bad(R"({"symbol":"","price":1})");
  bad(R"({"symbol":"bad symbol","price":1})");
  bad(R"({"symbol":7,"price":1})");
  bad(R"({"symbol":"A","price":{"v":1}})");              // non-scalar fields
  bad(R"({"symbol":"A","price":[1]})");
  bad(R"({"symbol":"A","price":null})");
  bad(R"({"symbol":"A","":1})");
  bad(R"({"symbol":"A","price":1,"price":2})");         // repeated field
  bad(R"({"symbol":"A","symbol":"B"})");
  bad(R"({"symbol":"A","timestamp":"2025-11-26"})");
  bad(R"({"symbol":"A","timestamp":-1})");
  bad(R"({"symbol":"A","timestamp":1.5})");
  bad(R"({"symbol":"A","id":""})");
  bad(R"({"symbol":"A","id":1.5})");
  bad(R"({"symbol":"A","id":true})");
  bad(R"([{"symbol":"A"},{"symbol":"B","x":{}}])");
}

TEST_CASE("publish names the offending tick") {
  auto e = expect_error("publish", R"([{"symbol":"A"},{"symbol":"A"},{"price":3}])", error_code::invalid_parameters,
                        "error");
  CHECK(e.err.message.find("tick 2") != std::string::npos);
}

TEST_CASE("publish is bounded in ticks and fields") {
  limits lim;
  lim.max_ticks_per_publish = 2;
  lim.max_tick_fields = 3;
  expect_event<publish_ticks>("publish", R"([{"symbol":"A"},{"symbol":"B"}])", lim);
  expect_error("publish", R"([{"symbol":"A"},{"symbol":"B"},{"symbol":"C"}])", error_code::invalid_parameters, "error",
               lim);
  expect_event<publish_ticks>("publish", R"({"symbol":"A","a":1,"b":2})", lim);
  expect_error("publish", R"({"symbol":"A","a":1,"b":2,"c":3})", error_code::invalid_parameters, "error", lim);

  std::string thousand_and_one = "[";
  for (int i = 0; i < 1001; ++i)
    thousand_and_one += (i ? "," : "") + std::string(R"({"symbol":"A","price":1})");
  thousand_and_one += "]";
  expect_error("publish", thousand_and_one, error_code::invalid_parameters, "error");
}

TEST_CASE("publish is bounded in name, value and whole-tick bytes") {
  limits lim;
  lim.max_tick_name_bytes = 8;
  lim.max_tick_value_bytes = 10;
  lim.max_tick_bytes = 40;
  // At each bound: accepted. "12345678" is 10 bytes as JSON text, quotes included.
  expect_event<publish_ticks>("publish", R"({"symbol":"A","12345678":"12345678"})", lim);
  auto name = expect_error("publish", R"({"symbol":"A","123456789":1})", error_code::invalid_parameters, "error", lim);
  CHECK(name.err.message.find("name is longer than 8 bytes") != std::string::npos);
  auto value = expect_error("publish", R"({"symbol":"A","v":"123456789"})", error_code::invalid_parameters, "error", lim);
  CHECK(value.err.message.find("longer than 10 bytes") != std::string::npos);
  // A long number is as long as its text: the bound is on the JSON, not on strings only.
  expect_error("publish", R"({"symbol":"A","v":12345678901})", error_code::invalid_parameters, "error", lim);
  // Each field fits, the whole does not: 1 + 3 * (1 + 10 + 4) = 46 > 40.
  auto whole = expect_error("publish", R"({"symbol":"A","a":"12345678","b":"12345678","c":"12345678"})",
                            error_code::invalid_parameters, "error", lim);
  CHECK(whole.err.message.find("larger than 40 bytes") != std::string::npos);
  // 1 + 2 * 15 = 31: fits.
  expect_event<publish_ticks>("publish", R"({"symbol":"A","a":"12345678","b":"12345678"})", lim);
}

TEST_CASE("tick_bytes counts the symbol, and names, values and 4 bytes per field") {
  tick t;
  t.symbol = "ABC";
  t.fields.emplace_back("price", "1.5");
  t.fields.emplace_back("name", R"("x")");
  CHECK(tick_bytes(t) == 3 + (5 + 3 + 4) + (4 + 3 + 4));
}

TEST_CASE("parse_ticks serves POST /publish too") {
  auto doc = parse_json(R"({"symbol":"600519","price":1})", default_limits);
  REQUIRE(doc);
  auto ticks = parse_ticks(*doc, default_limits);
  REQUIRE(ticks);
  CHECK(ticks->ticks.size() == 1);
  auto bad = parse_json(R"([])", default_limits);
  REQUIRE(bad);
  CHECK(parse_ticks(*bad, default_limits).error().code == error_code::invalid_parameters);
}

// -- ping -------------------------------------------------------------------------------

TEST_CASE("ping takes anything") {
  expect_event<ping_in>("ping", "");
  expect_event<ping_in>("ping", "null");
  expect_event<ping_in>("ping", R"({"type":"ping","timestamp":1})");
  expect_event<ping_in>("ping", "[1,2]");
}

// -- requests ---------------------------------------------------------------------------

TEST_CASE("request basics: id, action, trace id") {
  const auto r = expect_event<request_in>(
      "request", R"({"type":"request","request_id":"req_1","action":"get_subscriptions","trace_id":"t1"})");
  CHECK(r.request_id == "req_1");
  CHECK(r.action == request_action::get_subscriptions);
  CHECK(r.trace_id == "t1");

  const auto numeric = expect_event<request_in>("request", R"({"request_id":17,"action":"list_rooms"})");
  CHECK(numeric.request_id == "17");
  CHECK_FALSE(numeric.trace_id.has_value());
  CHECK(numeric.action == request_action::list_rooms);

  CHECK(expect_event<request_in>("request", R"({"request_id":"r","action":"get_stats","payload":null})").action ==
        request_action::get_stats);
}

TEST_CASE("a request without a usable request_id is answered on error") {
  for (auto payload : {"", "null", "[1]", R"({"action":"list_rooms"})", R"({"request_id":"","action":"list_rooms"})",
                       R"({"request_id":{},"action":"list_rooms"})", R"({"request_id":true,"action":"list_rooms"})"}) {
    CAPTURE(payload);
    auto e = expect_error("request", payload, error_code::invalid_parameters, "error");
    CHECK_FALSE(e.request_id.has_value());
  }
  expect_error("request", R"({"request_id":")" + std::string(129, 'r') + R"(","action":"list_rooms"})",
               error_code::invalid_parameters, "error");
}

TEST_CASE("unknown or missing request actions are INVALID_ACTION responses") {
  auto e = expect_error("request", R"({"request_id":"r1","action":"drop_tables","trace_id":"t9"})",
                        error_code::invalid_action, "response");
  CHECK(e.request_id == "r1");
  CHECK(e.trace_id == "t9");
  CHECK(e.err.message.find("drop_tables") != std::string::npos);
  expect_error("request", R"({"request_id":"r1"})", error_code::invalid_action, "response");
  expect_error("request", R"({"request_id":"r1","action":5})", error_code::invalid_action, "response");
  expect_error("request", R"({"request_id":"r1","action":"GET_STATS"})", error_code::invalid_action, "response");
}

TEST_CASE("request envelope problems are INVALID_PARAMETERS responses") {
  auto e = expect_error("request", R"({"request_id":"r1","action":"list_rooms","payload":[1]})",
                        error_code::invalid_parameters, "response");
  CHECK(e.request_id == "r1");
  expect_error("request", R"({"request_id":"r1","action":"list_rooms","payload":"x"})", error_code::invalid_parameters,
               "response");
  expect_error("request", R"({"request_id":"r1","action":"list_rooms","trace_id":5})", error_code::invalid_parameters,
               "response");
  expect_error("request", R"({"request_id":"r1","action":"list_rooms","trace_id":""})", error_code::invalid_parameters,
               "response");
}

namespace {

std::string req(std::string_view action, std::string_view params) {
  return std::string(R"({"request_id":"r","action":")") + std::string(action) + R"(","payload":)" +
         std::string(params) + "}";
}

void bad_params(std::string_view action, std::string_view params) {
  auto e = expect_error("request", req(action, params), error_code::invalid_parameters, "response");
  CHECK(e.request_id == "r");
}

} // namespace

TEST_CASE("request get_market_data") {
  auto r = expect_event<request_in>("request", req("get_market_data", R"({"symbol":"600519"})"));
  CHECK(r.action == request_action::get_market_data);
  CHECK(r.symbol == "600519");
  CHECK_FALSE(r.limit.has_value());
  CHECK(expect_event<request_in>("request", req("get_market_data", R"({"symbol":"A","limit":1000})")).limit == 1000u);
  CHECK(expect_event<request_in>("request", req("get_market_data", R"({"symbol":"A","limit":1})")).limit == 1u);

  bad_params("get_market_data", "{}");
  bad_params("get_market_data", R"({"symbol":""})");
  bad_params("get_market_data", R"({"symbol":"bad/symbol"})");
  bad_params("get_market_data", R"({"symbol":600519})");
  bad_params("get_market_data", R"({"symbol":"A","limit":0})");
  bad_params("get_market_data", R"({"symbol":"A","limit":1001})");
  bad_params("get_market_data", R"({"symbol":"A","limit":-1})");
  bad_params("get_market_data", R"({"symbol":"A","limit":2.5})");
  bad_params("get_market_data", R"({"symbol":"A","limit":"10"})");
  bad_params("get_market_data", R"({"symbol":"A","limit":4294967297})");
  expect_error("request", R"({"request_id":"r","action":"get_market_data"})", error_code::invalid_parameters,
               "response");
}

TEST_CASE("requests without parameters ignore their payload") {
  CHECK(expect_event<request_in>("request", req("get_subscriptions", R"({"x":1})")).action ==
        request_action::get_subscriptions);
  CHECK(expect_event<request_in>("request", req("list_rooms", "{}")).action == request_action::list_rooms);
  CHECK(expect_event<request_in>("request", req("get_stats", "{}")).action == request_action::get_stats);
}

TEST_CASE("request get_stats takes an optional page: non-negative integers, bounds applied later") {
  auto plain = expect_event<request_in>("request", req("get_stats", "{}"));
  CHECK_FALSE(plain.stats_page.limit.has_value());
  CHECK_FALSE(plain.stats_page.offset.has_value());
  auto paged = expect_event<request_in>("request", req("get_stats", R"({"limit":0,"offset":12345678901})"));
  CHECK(paged.stats_page.limit == std::optional<std::uint64_t>(0));
  CHECK(paged.stats_page.offset == std::optional<std::uint64_t>(12345678901ull));
  bad_params("get_stats", R"({"limit":-1})");
  bad_params("get_stats", R"({"limit":"5"})");
  bad_params("get_stats", R"({"offset":1.5})");
  // null is an absent parameter, as for every request parameter.
  CHECK_FALSE(expect_event<request_in>("request", req("get_stats", R"({"offset":null})")).stats_page.offset.has_value());
}

TEST_CASE("request room_members") {
  CHECK(expect_event<request_in>("request", req("room_members", R"({"room":"market_600519"})")).room == "market_600519");
  bad_params("room_members", "{}");
  bad_params("room_members", R"({"room":"no spaces"})");
  bad_params("room_members", R"({"room":1})");
}

TEST_CASE("request get_offline_messages") {
  CHECK_FALSE(expect_event<request_in>("request", req("get_offline_messages", "{}")).count.has_value());
  CHECK(expect_event<request_in>("request", req("get_offline_messages", R"({"count":50})")).count == 50u);
  bad_params("get_offline_messages", R"({"count":0})");
  bad_params("get_offline_messages", R"({"count":1001})");
  bad_params("get_offline_messages", R"({"count":"5"})");
  bad_params("get_offline_messages", R"({"count":true})");
}

TEST_CASE("request send_to_user") {
  const auto r =
      expect_event<request_in>("request", req("send_to_user", R"({"user_id":"u1","event":"alert","data":{"x":[1]}})"));
  CHECK(r.user_id == "u1");
  CHECK(r.event == "alert");
  CHECK(r.data_json == R"({"x":[1]})");
  CHECK(expect_event<request_in>("request", req("send_to_user", R"({"user_id":"u1","event":"e"})")).data_json ==
        "null");

  bad_params("send_to_user", R"({"event":"e","data":1})");
  bad_params("send_to_user", R"({"user_id":"","event":"e"})");
  bad_params("send_to_user", R"({"user_id":7,"event":"e"})");
  bad_params("send_to_user", R"({"user_id":")" + std::string(129, 'u') + R"(","event":"e"})");
  bad_params("send_to_user", R"({"user_id":"u1"})");
  bad_params("send_to_user", R"({"user_id":"u1","event":""})");
  bad_params("send_to_user", R"({"user_id":"u1","event":")" + std::string(65, 'e') + R"("})");
  bad_params("send_to_user", R"({"user_id":"u1","event":1})");
  bad_params("send_to_user", R"({"user_id":"u1","event":"e","data":")" + std::string(65536, 'd') + R"("})");
}

TEST_CASE("request broadcast") {
  const auto r = expect_event<request_in>(
      "request", req("broadcast", R"({"room":"market_600519","event":"price_update","data":{"p":1},"role":"trader"})"));
  CHECK(r.room == "market_600519");
  CHECK(r.event == "price_update");
  CHECK(r.data_json == R"({"p":1})");
  CHECK(r.role == "trader");
  CHECK_FALSE(expect_event<request_in>("request", req("broadcast", R"({"room":"r","event":"e"})")).role.has_value());

  bad_params("broadcast", R"({"event":"e"})");
  bad_params("broadcast", R"({"room":"bad room","event":"e"})");
  bad_params("broadcast", R"({"room":"r"})");
  bad_params("broadcast", R"({"room":"r","event":""})");
  bad_params("broadcast", R"({"room":"r","event":"e","role":""})");
  bad_params("broadcast", R"({"room":"r","event":"e","role":["admin"]})");
  bad_params("broadcast", R"({"room":"r","event":"e","data":")" + std::string(65536, 'd') + R"("})");
}

TEST_CASE("message_type and request_action names round trip") {
  for (auto t : {message_type::text, message_type::notification, message_type::alert, message_type::system,
                 message_type::data})
    CHECK(parse_message_type(to_string(t)) == t);
  CHECK_FALSE(parse_message_type("shout").has_value());
  for (auto a : {request_action::get_market_data, request_action::get_subscriptions, request_action::list_rooms,
                 request_action::room_members, request_action::get_offline_messages, request_action::get_stats,
                 request_action::send_to_user, request_action::broadcast})
    CHECK(parse_request_action(to_string(a)) == a);
  CHECK(to_string(request_action::get_offline_messages) == "get_offline_messages");
  CHECK_FALSE(parse_request_action("").has_value());
}

// -- auth_refresh -----------------------------------------------------------------------

TEST_CASE("auth_refresh takes a token string up to limits.max-token-bytes") {
  auto e = expect_event<auth_refresh>("auth_refresh", R"({"token":"a.b.c"})");
  CHECK(e.token == "a.b.c");
  expect_error("auth_refresh", "", error_code::invalid_parameters, "error");
  expect_error("auth_refresh", "{}", error_code::invalid_parameters, "error");
  expect_error("auth_refresh", R"({"token":""})", error_code::invalid_parameters, "error");
  expect_error("auth_refresh", R"({"token":7})", error_code::invalid_parameters, "error");
  limits small;
  small.max_token_bytes = 8;
  expect_event<auth_refresh>("auth_refresh", R"({"token":"12345678"})", small);
  auto long_one = expect_error("auth_refresh", R"({"token":"123456789"})", error_code::auth_failed, "error", small);
  CHECK(long_one.err.message.find("8 bytes") != std::string::npos);
}

// Numbers from the network: long and extreme decimal texts once crashed the broker
// (RapidJSON 1.1.0's full-precision conversion read out of bounds, upstream #1251) and
// stored wrong values. Each entry point that parses JSON gets them; the broker stays up
// and stores the right value.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <chrono>
#include <string>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

const std::string crasher = "128.74836467836484838364836483643636483648e-336";
const std::string long_zero = "0." + std::string(400, '0') + "1";

http_response post_publish(broker_under_test& broker, const std::string& body) {
  return http_request("POST", broker.host(), broker.port(), "/publish", body,
                      {{"Content-Type", "application/json"}});
}

// The price the stream's snapshot reports for `symbol`, as JSON text.
std::string snapshot_price(broker_under_test& broker, const std::string& symbol) {
  sio_client c;
  connect_as(c, broker, "reader-" + symbol);
  REQUIRE(c.emit("subscribe_market_stream", R"({"symbol":")" + symbol + R"(","fields":["price"]})"));
  auto got = c.wait_event("stream_data");
  REQUIRE_MESSAGE(got, got.error());
  json_doc tick(*got);
  CHECK(tick.boolean("/snapshot") == true);
  return tick.text("/data/price");
}

} // namespace

TEST_CASE("POST /publish: extreme decimal numbers parse to their value and never crash") {
  broker_under_test broker;
  auto bare = post_publish(broker, crasher);
  CHECK(bare.status == 400);
  CHECK(json_doc(bare.body).str("/error_code") == "INVALID_PARAMETERS"); // a number is not a tick
  CHECK(post_publish(broker, long_zero).status == 400);
  REQUIRE(broker.process().running());

  for (const auto& [symbol, price] : {std::pair{"NUMA", std::string("0e100")}, std::pair{"NUMB", crasher},
                                      std::pair{"NUMC", long_zero}}) {
    INFO("price text: " << price);
    auto ok = post_publish(broker, R"({"symbol":")" + std::string(symbol) + R"(","price":)" + price + "}");
    REQUIRE_MESSAGE(ok.status == 200, ok.describe());
    CHECK(snapshot_price(broker, symbol) == "0.0");
  }
  auto exact = post_publish(broker, R"({"symbol":"NUMD","price":1688.50000000000000000000000000001})");
  REQUIRE(exact.status == 200);
  CHECK(snapshot_price(broker, "NUMD") == "1688.5");
  CHECK(broker.process().running());
}

TEST_CASE("/ws: an extreme number in an event is parsed, not a crash") {
  broker_under_test broker;
  json_ws_client w;
  REQUIRE(w.connect(broker.host(), broker.port(), "user_id=nina").ok);
  REQUIRE(w.wait_event("connect_response"));
  REQUIRE(w.send_raw(R"({"event":"x","data":)" + crasher + "}"));
  auto err = w.wait_event("error");
  REQUIRE_MESSAGE(err, err.error());
  CHECK(json_doc(*err).str("/error_code") == "INVALID_ACTION");
  REQUIRE(w.send_raw(R"({"event":"x","data":)" + long_zero + "}"));
  CHECK(w.wait_event("error"));
  CHECK(w.is_open());
  CHECK(broker.process().running());
}

TEST_CASE("Socket.IO: an extreme number before CONNECT and in the CONNECT auth object") {
  broker_under_test broker;
  {
    sio_client early;
    REQUIRE(early.open(broker.host(), broker.port()));
    REQUIRE(early.send_raw(R"(42["x",)" + crasher + "]"));
    auto closed = early.wait_closed(3s); // an event before CONNECT closes, as the official server does
    CHECK_MESSAGE(closed, closed.error());
  }
  REQUIRE(broker.process().running());
  sio_client c;
  REQUIRE(c.open(broker.host(), broker.port(), "user_id=olga"));
  auto connected = c.connect_namespace("/", R"({"a":)" + crasher + "}");
  REQUIRE_MESSAGE(connected, connected.error());
  auto welcome = c.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  CHECK(json_doc(*welcome).str("/user_id") == "olga");
  REQUIRE(c.emit("publish", R"({"symbol":"NUME","price":)" + crasher + "}", 1));
  auto ack = c.wait_ack(1);
  REQUIRE_MESSAGE(ack, ack.error());
  CHECK(json_doc(*ack).integer("/accepted") == 1);
  CHECK(snapshot_price(broker, "NUME") == "0.0");
  CHECK(broker.process().running());
}

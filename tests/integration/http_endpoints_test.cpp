// The plain HTTP endpoints beside the WebSocket ones.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

using namespace qc::test;

TEST_CASE("/health reports ok with node and uptime") {
  broker_under_test broker;
  auto r = http_get(broker.host(), broker.port(), "/health");
  REQUIRE_MESSAGE(r.status == 200, r.describe());
  json_doc j(r.body);
  CHECK(j.str("/status") == "ok");
  CHECK(j.is_string("/node"));
  REQUIRE(j.is_integer("/uptime_s"));
  CHECK(*j.integer("/uptime_s") >= 0);
  CHECK(*j.integer("/uptime_s") < 60);
}

TEST_CASE("/api/socketio-status has the MyStocks shape") {
  broker_under_test broker;
  sio_client c;
  connect_as(c, broker, "ann");
  auto r = http_get(broker.host(), broker.port(), "/api/socketio-status");
  REQUIRE_MESSAGE(r.status == 200, r.describe());
  json_doc j(r.body);
  CHECK(j.str("/status") == "active");
  CHECK(j.str("/service") == "Socket.IO");
  CHECK(j.is_object("/statistics"));
  REQUIRE(j.is_integer("/timestamp"));
  // Seconds here, as MyStocks had it.
  CHECK(*j.integer("/timestamp") > 1700000000);
  CHECK(*j.integer("/timestamp") < 100000000000);
}

TEST_CASE("an unknown path is 404 and the broker keeps serving") {
  broker_under_test broker;
  auto r = http_get(broker.host(), broker.port(), "/no/such/thing");
  CHECK(r.status == 404);
  CHECK(http_get(broker.host(), broker.port(), "/health").status == 200);
}

TEST_CASE("a WebSocket upgrade on an unknown path is refused with an HTTP status") {
  broker_under_test broker;
  ws_client ws;
  auto r = ws.connect(broker.host(), broker.port(), "/not-a-socket");
  CHECK_FALSE(r.ok);
  CHECK(r.http_status == 404);
  CHECK_FALSE(ws.is_open());
  sio_client c;
  connect_as(c, broker, "after");  // the broker is unaffected
}

TEST_CASE("POST /publish refuses malformed JSON, non-ticks and other methods, and accepts ticks") {
  broker_under_test broker;
  auto post = [&](const std::string& body) {
    return http_request("POST", broker.host(), broker.port(), "/publish", body,
                        {{"Content-Type", "application/json"}});
  };
  auto bad_json = post("{not json");
  CHECK(bad_json.status == 400);
  CHECK(json_doc(bad_json.body).str("/error_code") == "INVALID_MESSAGE_FORMAT");
  auto deep = post(std::string(10000, '[') + std::string(10000, ']'));
  CHECK(deep.status == 400);
  CHECK(json_doc(deep.body).str("/error_code") == "INVALID_MESSAGE_FORMAT");
  auto no_symbol = post(R"({"price":1})");
  CHECK(no_symbol.status == 400);
  CHECK(json_doc(no_symbol.body).str("/error_code") == "INVALID_PARAMETERS");
  CHECK(http_get(broker.host(), broker.port(), "/publish").status == 405);
  auto ok = post(R"([{"symbol":"600519","price":1.5,"volume":2},{"symbol":"000001","price":9}])");
  REQUIRE_MESSAGE(ok.status == 200, ok.describe());
  CHECK(json_doc(ok.body).integer("/accepted") == 2);
  CHECK(json_doc(ok.body).integer("/duplicates") == 0);
}

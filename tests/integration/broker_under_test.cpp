#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"

#include "tests/support/json_doc.hpp"

#include <cstdlib>
#include <fstream>

namespace qc::test {

std::string quotecast_binary() {
  if (const char* env = std::getenv("QC_BROKER_BINARY"); env && *env) return env;
  return QC_BROKER_BINARY;
}

broker_under_test::broker_under_test(std::vector<std::string> extra_args) : dir_("qc-it") {
  const auto config = dir_.path() / "quotecast.ini";
  std::ofstream(config) << "; empty: the tests rely on built-in defaults and command-line flags\n";
  broker_options options;
  options.binary = quotecast_binary();
  options.working_dir = dir_.path();
  options.args = {"--port=0", "--host=127.0.0.1", "--data-dir=" + (dir_.path() / "data").string(),
                  "--config-file=" + config.string(), "--auth.mode=header",
                  // /stats needs system:stats read (admin) since #13; the tests read it.
                  "--auth.default-roles=[\"trader\",\"publisher\",\"admin\"]",
                  // Each /stats read sees every action before it (no cached snapshot);
                  // stats_test.cpp covers the default cache with its own flag.
                  "--stats.cache-ms=0"};
  options.args.insert(options.args.end(), extra_args.begin(), extra_args.end());
  process_.emplace(std::move(options));
}

std::string connect_as(sio_client& c, broker_under_test& b, const std::string& user_id) {
  std::map<std::string, std::string> headers;
  if (!user_id.empty()) headers["X-User-Id"] = user_id;
  auto connected = c.open_and_connect(b.host(), b.port(), "", headers);
  REQUIRE_MESSAGE(connected, connected.error());
  auto welcome = c.wait_event("connect_response");
  REQUIRE_MESSAGE(welcome, welcome.error());
  json_doc j(*welcome);
  if (!user_id.empty()) CHECK(j.str("/user_id") == user_id);
  REQUIRE(j.is_string("/sid"));
  return j.str("/sid");
}

std::int64_t join_room(sio_client& c, const std::string& room) {
  REQUIRE(c.emit("subscribe", "{\"room\":" + json_quote(room) + "}"));
  auto sub = c.wait_event("subscribed");
  REQUIRE_MESSAGE(sub, sub.error());
  json_doc j(*sub);
  CHECK(j.str("/room") == room);
  CHECK(j.str("/status") == "subscribed");
  REQUIRE(j.integer("/members"));
  return *j.integer("/members");
}

std::string text_message(const std::string& room, const std::string& content) {
  return "{\"room\":" + json_quote(room) + ",\"content\":" + json_quote(content) + ",\"message_type\":\"text\"}";
}

long rss_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

json_doc fetch_stats(broker_under_test& broker) {
  auto r = http_get(broker.host(), broker.port(), "/stats");
  REQUIRE_MESSAGE(r.status == 200, r.describe());
  json_doc j(r.body);
  REQUIRE_MESSAGE(j.ok(), r.body);
  return j;
}

}  // namespace qc::test

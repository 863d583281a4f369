// durability.leave_under_load (PROTOCOL.md §7): a user who leaves while a room is busy
// loses nothing. Room messages published before the goodbye arrive live; those
// published after it wait in the user's offline queue; none falls in between (the
// moment when the session has left the room but the broker does not yet count the
// user as away).
//
// Users join one busy room and say goodbye (DISCONNECT, close) one after another while
// a sender publishes acknowledged room messages at up to ~1,000/s. Each user then reconnects:
// every acknowledged message must have reached it, live or offline.
#include "tests/support/broker_process.hpp"
#include "tests/support/json_doc.hpp"
#include "tests/support/sio_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace qc::test {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr int kLeavers = 8;
constexpr int kMessages = 800;       // below the per-user offline bound of 1000
constexpr auto kQuiet = 800ms;       // no room_message this long: the offline queue is done
const std::string kRoom = "churn";

std::string broker_binary() {
  if (const char* env = std::getenv("QC_BROKER_BINARY"); env && *env) return env;
  return QC_BROKER_BINARY;
}

std::map<std::string, std::string> as_user(const std::string& u) { return {{"X-User-Id", u}}; }

// The seq a sender put in a room_message's content.
int seq_of(const std::string& payload) {
  auto content = json_doc(payload).str("/content");
  return content.empty() ? -1 : std::stoi(content);
}

// Collects every room_message already buffered or arriving until `quiet` passes.
void collect(sio_client& c, std::set<int>& into, std::chrono::milliseconds quiet) {
  while (auto m = c.wait_event_full("room_message", quiet))
    into.insert(seq_of(m->payload));
}

}  // namespace

TEST_CASE("leave_under_load") {
  temp_dir dir{"qc-leave"};
  const auto config = dir.path() / "quotecast.ini";
  std::ofstream(config) << "; empty: built-in defaults and command-line flags only\n";
  broker_options options;
  options.binary = broker_binary();
  options.working_dir = dir.path();
  options.args = {"--port=0", "--host=127.0.0.1", "--data-dir=" + (dir.path() / "data").string(),
                  "--config-file=" + config.string(), "--auth.mode=header",
                  "--limits.events-per-second=1000000"};
  broker_process broker(options);
  const std::string host = broker.host();

  auto join = [&](sio_client& c, const std::string& user) {
    auto connected = c.open_and_connect(host, broker.port(), "", as_user(user));
    REQUIRE_MESSAGE(connected, connected.error());
    REQUIRE(c.emit("subscribe", "{\"room\":\"" + kRoom + "\"}", 1));
    auto ack = c.wait_ack(1);
    REQUIRE_MESSAGE(ack, ack.error());
    REQUIRE(json_doc(*ack).boolean("/ok") == std::optional<bool>(true));
  };
  sio_client sender;
  join(sender, "leave-sender");
  std::vector<std::unique_ptr<sio_client>> leavers;
  std::vector<std::set<int>> live(kLeavers);
  for (int i = 0; i < kLeavers; ++i) {
    leavers.push_back(std::make_unique<sio_client>());
    join(*leavers.back(), "leaver-" + std::to_string(i));
  }

  // -- publish; the leavers say goodbye at even intervals while it runs -----------------------
  // Message `seq` asks for ack id seq + 1 (1 was the subscribe); acks come in order.
  std::set<int> acked;
  std::uint64_t next_ack = 2;
  auto take_ack = [&](std::chrono::milliseconds wait) {
    auto ack = sender.wait_ack(next_ack, wait);
    if (!ack)
      return false;
    REQUIRE_MESSAGE(json_doc(*ack).boolean("/ok") == std::optional<bool>(true), *ack);
    acked.insert(static_cast<int>(next_ack - 1));
    ++next_ack;
    return true;
  };
  int seq = 0, left_so_far = 0;
  while (seq < kMessages) {
    ++seq;
    REQUIRE(sender.emit("room_message",
                        "{\"room\":\"" + kRoom + "\",\"content\":\"" + std::to_string(seq) + "\",\"message_type\":\"text\"}",
                        static_cast<std::uint64_t>(seq) + 1));
    while (take_ack(0ms)) {
    }
    // Leaver k goes after message (k + 1) * kMessages / (kLeavers + 1).
    if (left_so_far < kLeavers && seq >= (left_so_far + 1) * kMessages / (kLeavers + 1)) {
      // A goodbye (not recoverable: the user is away from here on). Then keep reading
      // until the broker falls silent: everything it wrote before it handled the
      // goodbye arrives (a client that closed at once would discard it, and so would
      // the broker's count of it), and nothing after. A quiet period rather than a
      // fixed time, because a slow (sanitized) broker may still be writing what it
      // took in before the goodbye. Then the TCP connection goes.
      auto& c = *leavers[left_so_far];
      c.send_raw("41");
      collect(c, live[left_so_far], 300ms);
      c.drop();
      ++left_so_far;
    }
    std::this_thread::sleep_for(1ms);
  }
  while (next_ack <= static_cast<std::uint64_t>(seq) + 1)
    REQUIRE_MESSAGE(take_ack(5s), "no ack for room message " << next_ack - 1);
  REQUIRE(left_so_far == kLeavers);
  REQUIRE(static_cast<int>(acked.size()) == seq);
  MESSAGE(seq << " room messages acknowledged while " << kLeavers << " members left");

  // -- each leaver comes back: live + offline must hold every acknowledged message ------------
  for (int i = 0; i < kLeavers; ++i) {
    CAPTURE(i);
    sio_client c;
    auto connected = c.open_and_connect(host, broker.port(), "", as_user("leaver-" + std::to_string(i)));
    REQUIRE_MESSAGE(connected, connected.error());
    auto welcome = c.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    std::set<int> offline;
    collect(c, offline, kQuiet);
    std::vector<int> missing;
    for (int s : acked)
      if (!live[i].count(s) && !offline.count(s))
        missing.push_back(s);
    const std::string first = missing.empty() ? "" : std::to_string(missing.front());
    CHECK_MESSAGE(missing.empty(), missing.size() << " acknowledged messages never reached leaver-" << i
                                                  << " (first " << first << "); live " << live[i].size()
                                                  << ", offline " << offline.size());
    // Every leaver but the last left while messages were still being sent.
    const bool got_some_offline = !offline.empty() || i == kLeavers - 1;
    CHECK_MESSAGE(got_some_offline, "leaver-" << i << " left mid-stream but got nothing offline");
  }
}

}  // namespace qc::test

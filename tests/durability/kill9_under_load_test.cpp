// durability.kill9_under_load (PROTOCOL.md §7): "A broker that is killed (kill -9) and
// restarted loses no saved subscription and no queued offline message."
//
// A real broker (simulated feed running for background load) gets users who subscribe
// to rooms and go away cleanly; a sender then pipelines send_to_user requests to them
// as fast as the answers come back. After a random 0.5-1.5 s the broker is SIGKILLed
// mid-stream and restarted on the same data directory. Every user then reconnects and
// must get back every room whose subscribe was acknowledged, and every message whose
// send_to_user was answered {"queued":1}, as offline notifications, in send order,
// each once. Messages still unanswered at the kill may or may not be there.
//
// QC_DURABILITY_SEED=<n> repeats a run's kill time (the seed is printed).
#include "tests/support/broker_process.hpp"
#include "tests/support/json_doc.hpp"
#include "tests/support/sio_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace qc::test {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr int kUsers = 40;
constexpr int kRoomsPerUser = 3;
constexpr std::size_t kWindow = 50;       // send_to_user requests outstanding at once
constexpr int kMaxPerUser = 900;          // stays below the per-user bound of 1000
constexpr auto kVerifyBudget = 10s;       // for all users' reconnects together
constexpr auto kQuiet = 1000ms;           // no notification this long: the user's queue is done

std::string broker_binary() {
  if (const char* env = std::getenv("QC_BROKER_BINARY"); env && *env) return env;
  return QC_BROKER_BINARY;
}

std::uint64_t seed() {
  if (const char* env = std::getenv("QC_DURABILITY_SEED"); env && *env) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

std::string user_name(int i) { return "dur-user-" + std::to_string(i); }

std::vector<std::string> rooms_of(int i) {
  // One room shared by a few users, one of the user's own, one shared by a third.
  return {"desk." + std::to_string(i % 5), "u" + std::to_string(i) + ":inbox", "sector-" + std::to_string(i % 3)};
}

std::map<std::string, std::string> as_user(const std::string& u) { return {{"X-User-Id", u}}; }

std::chrono::milliseconds left(clock::time_point deadline) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return d.count() > 0 ? d : 0ms;
}

struct broker_setup {
  temp_dir dir{"qc-durability"};
  broker_options options;

  broker_setup() {
    const auto config = dir.path() / "quotecast.ini";
    std::ofstream(config) << "; empty: built-in defaults and command-line flags only\n";
    // The simulated feed's symbols (its default, conf/symbols.txt, is relative to the cwd).
    const auto symbols = dir.path() / "symbols.txt";
    std::ofstream(symbols) << "600519 1688.50\n000001 11.20\n600036 35.10\nAAPL 190.00\nBTC-USDT 60000\n";
    options.binary = broker_binary();
    options.working_dir = dir.path();
    options.args = {"--port=0",
                    "--host=127.0.0.1",
                    "--data-dir=" + (dir.path() / "data").string(),
                    "--config-file=" + config.string(),
                    "--auth.mode=header",
                    "--feed.simulated",
                    "--feed.rate=2000",
                    "--feed.symbols-file=" + symbols.string(),
                    // The sender pipelines far more than the default 100 events/s.
                    "--limits.events-per-second=1000000"};
  }
};

struct user_record {
  std::string name;
  std::vector<std::string> acked_rooms;
  std::vector<std::int64_t> acked_ids;  // message ids answered queued:1 (ids grow in send order)
  std::set<std::int64_t> sent_ids;      // every id sent to this user, answered or not
  int sent = 0;
};

}  // namespace

TEST_CASE("kill9_under_load") {
  const auto test_start = clock::now();
  const std::uint64_t run_seed = seed();
  std::mt19937_64 rng(run_seed);
  const auto load_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(500, 1500)(rng));
  MESSAGE("seed " << run_seed << " (QC_DURABILITY_SEED), kill after " << load_for.count() << " ms of load");

  broker_setup setup;
  std::optional<broker_process> broker;
  broker.emplace(setup.options);
  const std::string host = broker->host();

  // -- users subscribe (durably, acknowledged) and leave cleanly --------------------------
  std::vector<user_record> users(kUsers);
  for (int i = 0; i < kUsers; ++i) {
    auto& u = users[i];
    u.name = user_name(i);
    sio_client c;
    auto connected = c.open_and_connect(host, broker->port(), "", as_user(u.name));
    REQUIRE_MESSAGE(connected, connected.error());
    auto welcome = c.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    std::uint64_t ack_id = 0;
    for (const auto& room : rooms_of(i)) {
      REQUIRE(c.emit("subscribe", "{\"room\":" + json_quote(room) + "}", ++ack_id));
      auto ack = c.wait_ack(ack_id);
      REQUIRE_MESSAGE(ack, ack.error());
      json_doc j(*ack);
      CHECK_MESSAGE(j.boolean("/ok") == std::optional<bool>(true), "subscribe " << room << ": " << *ack);
      if (j.boolean("/ok") == std::optional<bool>(true) && j.str("/room") == room) u.acked_rooms.push_back(room);
    }
    // A Socket.IO goodbye: DISCONNECT, then the close handshake. No recovery, offline.
    c.send_raw("41");
    c.close();
  }
  // The sessions end asynchronously; give the broker a moment so the first messages
  // find the users away (a message that still reaches a closing session answers
  // delivered:1 and is simply not counted).
  std::this_thread::sleep_for(200ms);

  // -- the sender: send_to_user as fast as the answers come back, then kill -9 ---------------
  std::int64_t next_id = 1;
  std::map<std::string, std::pair<int, std::int64_t>> outstanding;  // request_id -> (user, message id)
  std::deque<std::string> order;                                    // request ids in send order
  int acked = 0, delivered_live = 0, refused = 0, next_user = 0;
  std::string first_refusal;
  bool sender_lost = false;
  {
    sio_client sender;
    auto connected = sender.open_and_connect(host, broker->port(), "", as_user("dur-sender"));
    REQUIRE_MESSAGE(connected, connected.error());
    REQUIRE(sender.wait_event("connect_response"));

    const auto kill_at = clock::now() + load_for;
    while (clock::now() < kill_at && !sender_lost) {
      // Fill the window.
      while (outstanding.size() < kWindow) {
        int tries = 0;
        while (tries < kUsers && users[next_user].sent >= kMaxPerUser) {
          next_user = (next_user + 1) % kUsers;
          ++tries;
        }
        if (tries == kUsers) break;  // every user is at the cap: just wait for the kill
        auto& u = users[next_user];
        const std::int64_t id = next_id++;
        const std::string rid = "m" + std::to_string(id);
        const std::string payload = "{\"type\":\"request\",\"request_id\":\"" + rid +
                                    "\",\"action\":\"send_to_user\",\"payload\":{\"user_id\":" + json_quote(u.name) +
                                    ",\"event\":\"note\",\"data\":{\"id\":" + std::to_string(id) + "}}}";
        if (!sender.emit("request", payload)) {
          sender_lost = true;
          break;
        }
        u.sent_ids.insert(id);
        ++u.sent;
        outstanding.emplace(rid, std::make_pair(next_user, id));
        order.push_back(rid);
        next_user = (next_user + 1) % kUsers;
      }
      auto response = sender.wait_event_full("response", std::min<std::chrono::milliseconds>(left(kill_at), 100ms));
      if (!response) {
        if (!sender.is_open()) sender_lost = true;
        continue;
      }
      json_doc j(response->payload);
      auto it = outstanding.find(j.str("/request_id"));
      REQUIRE_MESSAGE(it != outstanding.end(), "response to nothing outstanding: " << response->payload);
      auto [ui, id] = it->second;
      outstanding.erase(it);
      if (j.boolean("/success") != std::optional<bool>(true)) {
        if (refused++ == 0) first_refusal = response->payload;
        continue;
      }
      if (j.integer("/data/queued") == std::optional<std::int64_t>(1)) {
        users[ui].acked_ids.push_back(id);
        ++acked;
      } else {
        ++delivered_live;
      }
    }
    REQUIRE_MESSAGE(!sender_lost, "the sender's connection ended before the kill: " << sender.describe()
                                                                                       << "\nbroker output:\n"
                                                                                       << broker->output_tail());
    auto status = broker->kill9();
    CHECK_MESSAGE(status.signal == SIGKILL, "the broker ended otherwise: " << status.describe());
    sender.drop();
  }
  const std::size_t in_flight = outstanding.size();
  MESSAGE("sent " << (next_id - 1) << ", acknowledged queued " << acked << ", answered delivered (not counted) "
                  << delivered_live << ", refused " << refused << ", unanswered at the kill " << in_flight);
  CHECK_MESSAGE(refused == 0, "send_to_user refused: " << first_refusal);
  CHECK_MESSAGE(acked > 0, "no message was acknowledged before the kill: nothing was tested");

  // -- restart on the same data directory ---------------------------------------------------
  broker.reset();
  broker.emplace(setup.options);

  // -- every user comes back: rooms restored, acknowledged messages delivered --------------
  const auto verify_deadline = clock::now() + kVerifyBudget;
  int extras_total = 0;
  for (auto& u : users) {
    CAPTURE(u.name);
    sio_client c;
    auto connected = c.open_and_connect(host, broker->port(), "", as_user(u.name));
    REQUIRE_MESSAGE(connected, connected.error());
    auto welcome = c.wait_event("connect_response");
    REQUIRE_MESSAGE(welcome, welcome.error());
    json_doc w(*welcome);
    const auto restored = w.strings("/restored/rooms");
    const std::set<std::string> restored_set(restored.begin(), restored.end());
    for (const auto& room : u.acked_rooms)
      CHECK_MESSAGE(restored_set.count(room) == 1,
                    "acknowledged room " << room << " not restored; connect_response: " << *welcome);

    const std::set<std::int64_t> acked_set(u.acked_ids.begin(), u.acked_ids.end());
    std::vector<std::int64_t> received;  // every notification id, in arrival order
    std::size_t acked_seen = 0;
    std::string problem;
    while (acked_seen < acked_set.size()) {
      // Queued messages follow connect_response back to back: a quiet second means no
      // more are coming (and a loss costs one user a second, not the others their budget).
      auto n = c.wait_event_full("notification", std::min<std::chrono::milliseconds>(left(verify_deadline), kQuiet));
      if (!n) {
        problem = n.error();
        break;
      }
      json_doc j(n->payload);
      CHECK_MESSAGE(j.boolean("/offline") == std::optional<bool>(true), "not marked offline: " << n->payload);
      auto id = j.integer("/data/id");
      REQUIRE_MESSAGE(id, "notification without data.id: " << n->payload);
      received.push_back(*id);
      if (acked_set.count(*id)) ++acked_seen;
    }
    // A short look for anything after the last acknowledged message (late unacknowledged
    // ones, or duplicates).
    while (problem.empty()) {
      auto n = c.wait_event_full("notification", std::min<std::chrono::milliseconds>(left(verify_deadline), 50ms));
      if (!n) break;
      json_doc j(n->payload);
      if (auto id = j.integer("/data/id")) received.push_back(*id);
    }

    // What was acknowledged, in the order it came back, must be exactly what was sent.
    std::vector<std::int64_t> acked_received;
    std::map<std::int64_t, int> times;
    int extras = 0;
    for (auto id : received) {
      ++times[id];
      if (acked_set.count(id))
        acked_received.push_back(id);
      else if (u.sent_ids.count(id))
        ++extras;  // unanswered at the kill: allowed
      else
        FAIL_CHECK("notification " << id << " was never sent to " << u.name);
    }
    extras_total += extras;
    std::vector<std::int64_t> expected(acked_set.begin(), acked_set.end());  // ids grow in send order
    if (acked_received != expected) {
      std::vector<std::int64_t> missing, duplicated;
      std::set<std::int64_t> got(acked_received.begin(), acked_received.end());
      for (auto id : expected)
        if (!got.count(id)) missing.push_back(id);
      for (auto& [id, k] : times)
        if (k > 1 && acked_set.count(id)) duplicated.push_back(id);
      std::ostringstream detail;
      detail << "acknowledged " << expected.size() << ", received " << acked_received.size() << " of them; missing "
             << missing.size();
      for (std::size_t k = 0; k < missing.size() && k < 10; ++k) detail << (k ? "," : " [") << missing[k];
      if (!missing.empty()) detail << "]";
      detail << "; duplicated " << duplicated.size();
      bool ordered = std::is_sorted(acked_received.begin(), acked_received.end());
      detail << "; in send order: " << (ordered ? "yes" : "no");
      if (!problem.empty()) detail << "; stopped waiting: " << problem;
      FAIL_CHECK(detail.str());
    }
    for (auto& [id, k] : times)
      if (k > 1 && !acked_set.count(id)) MESSAGE("unacknowledged message " << id << " arrived " << k << " times");
    c.send_raw("41");
    c.close();
  }
  MESSAGE("unacknowledged messages that survived the kill anyway: " << extras_total << " of " << in_flight);

  auto status = broker->terminate();
  CHECK_MESSAGE(status.clean(), "the restarted broker did not stop cleanly: " << status.describe() << "\n"
                                                                             << broker->output_tail());
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - test_start);
  MESSAGE("took " << took.count() << " ms");
}

}  // namespace qc::test

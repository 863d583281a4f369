// The feed actors in a real actor system, sending to a test market that collects
// every tick and answers as the real market does.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <unistd.h>

#include <caf/all.hpp>

#include "actors/feeds/feed_files.hpp"
#include "actors/feeds/feed_replay.hpp"
#include "actors/feeds/feed_simulated.hpp"
#include "actors/messages.hpp"

using namespace qc;
using namespace std::chrono_literals;

namespace {

using collected_atom = caf::atom_constant<caf::atom("collected")>;
using arrivals_atom = caf::atom_constant<caf::atom("arrivals")>;
using steady = std::chrono::steady_clock;

struct market_state {
  tick_batch ticks;
  std::vector<std::int64_t> arrival_ms; // per tick, steady-clock ms since the market started
  steady::time_point start = steady::now();
};

// How the test market answers (tick_atom, tick_batch): the real market's feed handler
// returns void, its publish handler answers publish_result; feeds must work with
// either, and must stop sending when a market never answers.
enum class reply { none, result, never };

// Stands in for the market and collects the ticks. (The argument also avoids a CAF 0.17
// null dereference that UBSan stops on when a function without arguments is spawned.)
caf::behavior test_market(caf::stateful_actor<market_state>* self, reply mode) {
  auto take = [self](const tick_batch& batch) {
    const auto at = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now()
                                                                          - self->state.start);
    for (const auto& t : batch) {
      self->state.ticks.push_back(t);
      self->state.arrival_ms.push_back(at.count());
    }
  };
  auto query = caf::message_handler{
    [self](collected_atom) { return self->state.ticks; },
    [self](arrivals_atom) { return self->state.arrival_ms; },
  };
  switch (mode) {
  case reply::none:
    return query.or_else([take](tick_atom, const tick_batch& batch) { take(batch); });
  case reply::result:
    return query.or_else([take](tick_atom, const tick_batch& batch) {
      take(batch);
      return publish_result{static_cast<std::uint32_t>(batch.size()), 0};
    });
  case reply::never:
    break;
  }
  return query.or_else([self, take](tick_atom, const tick_batch& batch) {
    take(batch);
    return self->make_response_promise<publish_result>(); // never delivered
  });
}

// The feeds talk to the market's typed interface; this stand-in answers dynamically,
// which is how the tests vary the answer.
qc::market_actor as_market(const caf::actor& stand_in) {
  return caf::actor_cast<qc::market_actor>(stand_in);
}

// A file in the temp directory, removed at the end of the test.
struct temp_file {
  std::filesystem::path path;
  temp_file(const std::string& name, const std::string& text)
    : path(std::filesystem::temp_directory_path()
           / ("qc_feed_" + std::to_string(::getpid()) + "_" + name)) {
    std::ofstream(path) << text;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
};

// One actor system per test, with the scheduler the broker uses.
struct actor_test {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::unique_ptr<caf::scoped_actor> self;
  std::vector<caf::actor> spawned;

  actor_test() {
    cfg.set("scheduler.max-threads", 2);
    system = std::make_unique<caf::actor_system>(cfg);
    self = std::make_unique<caf::scoped_actor>(*system);
  }
  ~actor_test() {
    for (const auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    self.reset();
    system.reset();
  }

  caf::actor market(reply mode = reply::none) { return keep(system->spawn(test_market, mode)); }

  caf::actor keep(caf::actor a) {
    spawned.push_back(a);
    return a;
  }

  tick_batch collected(const caf::actor& market) {
    tick_batch out;
    (*self)->request(market, 5s, collected_atom::value)
      .receive([&](const tick_batch& b) { out = b; },
               [&](caf::error& err) { FAIL("market did not answer: " << system->render(err)); });
    return out;
  }

  std::vector<std::int64_t> arrivals(const caf::actor& market) {
    std::vector<std::int64_t> out;
    (*self)->request(market, 5s, arrivals_atom::value)
      .receive([&](const std::vector<std::int64_t>& v) { out = v; },
               [&](caf::error& err) { FAIL("market did not answer: " << system->render(err)); });
    return out;
  }

  /// Waits until `who` quits; returns its exit reason, or nullopt after the timeout.
  std::optional<caf::error> wait_down(const caf::actor& who, std::chrono::milliseconds timeout) {
    std::optional<caf::error> reason;
    (*self)->monitor(who);
    (*self)->receive([&](const caf::down_msg& d) { reason = d.reason; },
                     caf::after(timeout) >> [] {});
    return reason;
  }
};

std::string field(const protocol::tick& t, const std::string& name) {
  for (const auto& [n, v] : t.fields)
    if (n == name)
      return v;
  return "<absent>";
}

const std::string symbols_text = "600519 1688.50\n000001 11.20\nBTC-USDT 97000\n# done\n";

feed_settings simulated_settings(const temp_file& symbols, std::size_t rate, std::uint64_t seed) {
  feed_settings cfg;
  cfg.simulated = true;
  cfg.rate = rate;
  cfg.seed = seed;
  cfg.symbols_file = symbols.path.string();
  return cfg;
}

feed_settings replay_settings(const temp_file& csv, double speed, bool loop = false) {
  feed_settings cfg;
  cfg.replay_file = csv.path.string();
  cfg.replay_speed = speed;
  cfg.replay_loop = loop;
  return cfg;
}

} // namespace

TEST_CASE("simulated feed: about `rate` ticks per second of valid symbols and prices") {
  temp_file symbols("symbols_rate.txt", symbols_text);
  actor_test t;
  auto market = t.market();
  t.keep(t.system->spawn(simulated_feed, simulated_settings(symbols, 200, 1), as_market(market)));
  std::this_thread::sleep_for(500ms);
  const auto ticks = t.collected(market);
  // 100 expected; CI machines are noisy, so only the order of magnitude is checked.
  CHECK(ticks.size() >= 40);
  CHECK(ticks.size() <= 160);
  const std::set<std::string> valid{"600519", "000001", "BTC-USDT"};
  for (const auto& tick : ticks) {
    CHECK(valid.contains(tick.symbol));
    CHECK(std::stod(field(tick, "price")) > 0);
    CHECK(std::stoll(field(tick, "volume")) > 0);
    CHECK(tick.timestamp_ms);
  }
}

TEST_CASE("simulated feed: a fixed seed repeats the walk, another seed does not") {
  temp_file symbols("symbols_seed.txt", symbols_text);
  actor_test t;
  auto m1 = t.market(), m2 = t.market(reply::result), m3 = t.market();
  t.keep(t.system->spawn(simulated_feed, simulated_settings(symbols, 500, 42), as_market(m1)));
  t.keep(t.system->spawn(simulated_feed, simulated_settings(symbols, 500, 42), as_market(m2)));
  t.keep(t.system->spawn(simulated_feed, simulated_settings(symbols, 500, 43), as_market(m3)));
  std::this_thread::sleep_for(300ms);
  const auto a = t.collected(m1), b = t.collected(m2), c = t.collected(m3);
  const auto n = std::min({a.size(), b.size(), c.size()});
  REQUIRE(n >= 20);
  bool differs = false;
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(a[i].symbol == b[i].symbol);
    CHECK(field(a[i], "price") == field(b[i], "price"));
    CHECK(field(a[i], "volume") == field(b[i], "volume"));
    differs = differs || field(a[i], "price") != field(c[i], "price");
  }
  CHECK(differs);
}

TEST_CASE("simulated feed: quits when its market goes down, or at once without symbols") {
  temp_file symbols("symbols_down.txt", symbols_text);
  actor_test t;
  auto market = t.market();
  auto feed = t.keep(t.system->spawn(simulated_feed, simulated_settings(symbols, 100, 0), as_market(market)));
  caf::anon_send_exit(market, caf::exit_reason::user_shutdown);
  CHECK(t.wait_down(feed, 5s));

  temp_file empty("symbols_empty.txt", "# nothing here\n");
  auto other = t.market();
  auto bad = t.keep(t.system->spawn(simulated_feed, simulated_settings(empty, 100, 0), as_market(other)));
  auto reason = t.wait_down(bad, 5s);
  REQUIRE(reason);
  CHECK(*reason); // not a normal exit
}

TEST_CASE("feeds stop sending to a market that never answers") {
  temp_file symbols("symbols_stuck.txt", symbols_text);
  std::string csv = "symbol,price\n";
  for (int i = 0; i < 20000; ++i)
    csv += "600519," + std::to_string(i) + "\n";
  temp_file file("replay_stuck.csv", csv);
  actor_test t;
  auto m1 = t.market(reply::never), m2 = t.market(reply::never);
  t.keep(t.system->spawn(simulated_feed, simulated_settings(symbols, 10000, 1), as_market(m1)));
  t.keep(t.system->spawn(replay_feed, replay_settings(file, 0), as_market(m2)));
  // Wait until the replay has sent all it may (slow builds take longer), then make
  // sure nothing more comes.
  for (int i = 0; i < 100 && t.collected(m2).size() < 4 * 1000; ++i)
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(300ms);
  // At most feed_max_in_flight (4) batches: a simulated one holds ~100 ticks at this
  // rate (a late timer: more), a replayed one at most 1000.
  CHECK(t.collected(m1).size() <= 4 * 500);
  CHECK(t.collected(m2).size() == 4 * 1000);
}

TEST_CASE("replay at speed 0: exactly the good rows, in order") {
  std::string csv = "symbol,timestamp,price,exchange\n";
  std::vector<std::string> expected;
  for (int i = 0; i < 2500; ++i) { // more than one batch
    const std::string sym = i % 3 == 0 ? "600519" : (i % 3 == 1 ? "000001" : "BTC-USDT");
    csv += sym + "," + std::to_string(1764120600000 + i * 10) + "," + std::to_string(i) + ",X\n";
    expected.push_back(sym + "/" + std::to_string(i));
    if (i == 10)
      csv += ",1764120600000,1,X\n"; // no symbol
    if (i == 20)
      csv += "600519,1764120600000\n"; // too few cells
    if (i == 30)
      csv += "\n";
  }
  temp_file file("replay_fast.csv", csv);
  actor_test t;
  auto market = t.market(reply::result);
  auto feed = t.keep(t.system->spawn(replay_feed, replay_settings(file, 0), as_market(market)));
  auto reason = t.wait_down(feed, 10s);
  REQUIRE(reason);
  CHECK_FALSE(*reason); // a normal exit at the end of the file
  const auto ticks = t.collected(market);
  REQUIRE(ticks.size() == expected.size());
  for (std::size_t i = 0; i < ticks.size(); ++i)
    REQUIRE(ticks[i].symbol + "/" + field(ticks[i], "price") == expected[i]);
  CHECK(field(ticks[0], "exchange") == R"("X")");
  CHECK(ticks[0].timestamp_ms == std::optional<std::int64_t>(1764120600000));
}

TEST_CASE("replay at speed 10 keeps the recorded pace, ten times faster") {
  // 21 rows 100 ms apart: 2 s recorded, 200 ms replayed.
  std::string csv = "timestamp,symbol,price\n";
  for (int i = 0; i <= 20; ++i)
    csv += std::to_string(1764120600000 + i * 100) + ",600519," + std::to_string(100 + i) + "\n";
  temp_file file("replay_paced.csv", csv);
  actor_test t;
  auto market = t.market();
  const auto start = steady::now();
  auto feed = t.keep(t.system->spawn(replay_feed, replay_settings(file, 10), as_market(market)));
  REQUIRE(t.wait_down(feed, 10s));
  const auto elapsed = steady::now() - start;
  const auto ticks = t.collected(market);
  const auto at = t.arrivals(market);
  REQUIRE(ticks.size() == 21);
  for (std::size_t i = 0; i < ticks.size(); ++i)
    CHECK(field(ticks[i], "price") == std::to_string(100 + i));
  CHECK(at.back() - at.front() >= 150); // never early
  CHECK(elapsed >= 180ms);
  CHECK(elapsed < 3s); // loosely: not at the recorded pace
  // Spread out over time, not one burst: the middle row arrives well after the first.
  CHECK(at[10] - at.front() >= 60);
}

TEST_CASE("replay in a loop starts over with timestamps that keep increasing") {
  temp_file file("replay_loop.csv", "symbol,timestamp,price\nA,1000,1\nB,1010,2\nC,1020,3\n");
  actor_test t;
  auto market = t.market();
  // At speed 1 a pass takes 20 ms: a few passes in 150 ms.
  auto feed = t.keep(t.system->spawn(replay_feed, replay_settings(file, 1, true), as_market(market)));
  std::this_thread::sleep_for(150ms);
  caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
  REQUIRE(t.wait_down(feed, 5s));
  const auto ticks = t.collected(market);
  REQUIRE(ticks.size() >= 9);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    CHECK(ticks[i].symbol == std::string(1, static_cast<char>('A' + i % 3)));
    if (i > 0)
      CHECK(*ticks[i].timestamp_ms > *ticks[i - 1].timestamp_ms);
    CHECK(field(ticks[i], "timestamp") == std::to_string(*ticks[i].timestamp_ms));
  }
  CHECK(*ticks[3].timestamp_ms == 1021); // the second pass follows the first
}

TEST_CASE("replay of a missing file quits at once with an error") {
  actor_test t;
  auto market = t.market();
  feed_settings cfg;
  cfg.replay_file = "/nonexistent/ticks.csv";
  auto feed = t.keep(t.system->spawn(replay_feed, cfg, as_market(market)));
  auto reason = t.wait_down(feed, 5s);
  REQUIRE(reason);
  CHECK(*reason);
}

TEST_CASE("replay of a file without good rows ends at once, even when looping") {
  temp_file file("replay_empty.csv", "symbol,price\n,1\n");
  actor_test t;
  auto market = t.market();
  auto feed = t.keep(t.system->spawn(replay_feed, replay_settings(file, 0, true), as_market(market)));
  auto reason = t.wait_down(feed, 5s);
  REQUIRE(reason);
  CHECK_FALSE(*reason);
  CHECK(t.collected(market).empty());
}

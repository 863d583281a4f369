// The market actor (actors/market/market.cpp) message by message: a stream spawned on
// the first subscribe or tick, ticks routed to their symbol's stream and on to its
// subscribers, the broker's stream limit, and the retirement of idle streams, which
// must never retire a stream that has been sent something since it said it was idle.
#define CAF_SUITE actors.market

#include "tests/actors/actor_fixture.hpp"


using namespace qc;
using namespace qc::test;

namespace {

/// A tick as a feed or a publisher hands it over: one price, and an id if given.
protocol::tick tick_of(const std::string& symbol, const std::string& price,
                       const std::string& id = {}) {
  protocol::tick t;
  t.symbol = symbol;
  if (!id.empty()) {
    t.id = id;
    t.fields.emplace_back("id", '"' + id + '"');
  }
  t.fields.emplace_back("price", price);
  return t;
}

bool carries(const shared_frame& f, const std::string& symbol, const std::string& price) {
  return f && f->socketio.find("\"stream_data\"") != std::string::npos
         && f->socketio.find("\"symbol\":\"" + symbol + '"') != std::string::npos
         && f->socketio.find("\"price\":" + price) != std::string::npos;
}

struct market_fixture : actor_fixture {
  std::vector<caf::actor> markets; // each is shut down at the end, with its streams
  caf::actor market = start_market(shared_cfg());
  caf::actor alice = session("alice");
  caf::actor bob = session("bob");

  ~market_fixture() override {
    // A stream re-arms its idle timer forever: stop every stream before the base
    // fixture runs the remaining timers.
    for (auto& m : markets)
      self->send(m, shutdown_atom::value);
    sched.run();
  }

  caf::actor start_market(std::shared_ptr<const settings> with) {
    markets.push_back(start(market_spawn_fn, std::move(with)));
    return markets.back();
  }

  stream_reply subscribe(const std::string& symbol, const std::string& sid,
                         const caf::actor& who, const caf::actor& via) {
    return ask<stream_reply>(via, stream_sub_atom::value, symbol, sid, who, sink_ptr{},
                             std::vector<std::string>{});
  }

  stream_reply subscribe(const std::string& symbol, const std::string& sid,
                         const caf::actor& who) {
    return subscribe(symbol, sid, who, market);
  }

  stream_listing streams(const caf::actor& of) { return ask<stream_listing>(of, listing_atom::value); }

  /// The stream actor a subscription was answered for (its topic names the stream).
  caf::actor stream_of(const stream_reply& reply) {
    for (auto& s : streams(market))
      if (s.id() == reply.topic.stream)
        return caf::actor_cast<caf::actor>(s);
    CAF_FAIL("no stream with id " << reply.topic.stream);
  }

  /// Unsubscribes and fires the stream's idle check: the stream is now idle.
  void leave_and_wait_idle(const std::string& symbol, const std::string& sid) {
    self->send(market, stream_unsub_atom::value, symbol, sid);
    sched.run();
    CAF_REQUIRE_EQUAL(advance_time(cfg->stream.idle_timeout), 1u);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(market_tests, market_fixture)

CAF_TEST(the first subscribe spawns the stream of the symbol and answers with the filter) {
  CAF_CHECK(streams(market).empty());
  auto reply = subscribe("AAPL", "s1", alice);
  CAF_CHECK(reply.ok);
  // The default filter (stream.default-fields), normalised: sorted.
  CAF_CHECK(reply.fields == (std::vector<std::string>{"price", "timestamp", "volume"}));
  CAF_CHECK(!reply.snapshot); // no tick yet
  auto stream = stream_of(reply);
  CAF_CHECK(subscribe("AAPL", "s2", bob).topic.stream == stream.id());
  CAF_CHECK_EQUAL(streams(market).size(), 1u);
  CAF_CHECK_EQUAL(ask<stream_stats>(stream, get_stats_atom::value).subscriber_count, 2u);
}

CAF_TEST(ticks go to the stream of their symbol and from there to its subscribers) {
  auto aapl = stream_of(subscribe("AAPL", "s1", alice));
  auto msft = stream_of(subscribe("MSFT", "s2", bob));
  self->send(market, tick_atom::value, tick_batch{tick_of("MSFT", "55"), tick_of("AAPL", "101")});
  expect((tick_atom, tick_batch), from(self).to(market));
  expect((tick_atom, tick_batch), from(market).to(aapl));
  CAF_CHECK(carries(delivered(aapl, alice), "AAPL", "101"));
  expect((tick_atom, tick_batch), from(market).to(msft));
  CAF_CHECK(carries(delivered(msft, bob), "MSFT", "55"));
  CAF_CHECK(mailbox_empty(alice));
  CAF_CHECK(mailbox_empty(bob));
  // A later subscriber gets the last tick as its snapshot.
  auto late = subscribe("AAPL", "s3", bob);
  CAF_CHECK(carries(late.snapshot, "AAPL", "101"));
}

CAF_TEST(a tick for a symbol nobody watches spawns its stream) {
  self->send(market, tick_atom::value, tick_batch{tick_of("IBM", "140")});
  sched.run();
  auto listed = streams(market);
  CAF_REQUIRE_EQUAL(listed.size(), 1u);
  CAF_CHECK_EQUAL(ask<stream_stats>(listed[0], get_stats_atom::value).ticks, 1u);
}

CAF_TEST(a publish is answered with what every stream took and dropped) {
  auto result = ask<publish_result>(market, publish_atom::value,
                                    tick_batch{tick_of("AAPL", "101", "t1"),
                                               tick_of("AAPL", "102", "t1"),
                                               tick_of("MSFT", "55", "t2")});
  CAF_CHECK_EQUAL(result.accepted, 2u);
  CAF_CHECK_EQUAL(result.duplicates, 1u);
  auto empty = ask<publish_result>(market, publish_atom::value, tick_batch{});
  CAF_CHECK_EQUAL(empty.accepted, 0u);
  CAF_CHECK_EQUAL(empty.duplicates, 0u);
}

CAF_TEST(past the stream limit of the broker a subscribe is refused and ticks are dropped) {
  auto tight = std::make_shared<settings>(*cfg);
  tight->limits.max_streams = 1;
  auto limited = start_market(tight);
  CAF_CHECK(subscribe("AAPL", "s1", alice, limited).ok);
  auto refused = subscribe("MSFT", "s1", alice, limited);
  CAF_CHECK(!refused.ok);
  CAF_CHECK(refused.code == protocol::error_code::subscription_failed);
  CAF_CHECK_EQUAL(refused.error, "the broker's stream limit is reached");
  auto published = ask<publish_result>(limited, publish_atom::value,
                                       tick_batch{tick_of("MSFT", "55")});
  CAF_CHECK_EQUAL(published.accepted, 0u);
  self->send(limited, tick_atom::value, tick_batch{tick_of("IBM", "140")});
  sched.run();
  CAF_CHECK_EQUAL(streams(limited).size(), 1u);
}

CAF_TEST(messages for a symbol without a stream are answered without spawning one) {
  auto filter = ask<stream_reply>(market, stream_filter_atom::value, std::string("AAPL"),
                                  std::string("s1"), std::vector<std::string>{"price"});
  CAF_CHECK(!filter.ok);
  CAF_CHECK(filter.code == protocol::error_code::stream_not_found);
  CAF_CHECK_EQUAL(filter.error, "no stream for AAPL");
  CAF_CHECK_EQUAL(ask<std::string>(market, market_data_atom::value, std::string("AAPL"),
                                   std::uint32_t{10}, std::uint64_t{0}),
                  "");
  self->send(market, stream_unsub_atom::value, std::string("AAPL"), std::string("s1"));
  sched.run();
  CAF_CHECK(streams(market).empty());
}

CAF_TEST(filter updates and market data reach the stream of the symbol) {
  subscribe("AAPL", "s1", alice);
  auto updated = ask<stream_reply>(market, stream_filter_atom::value, std::string("AAPL"),
                                   std::string("s1"), std::vector<std::string>{"price"});
  CAF_CHECK(updated.ok);
  CAF_CHECK(updated.fields == std::vector<std::string>{"price"});
  auto stranger = ask<stream_reply>(market, stream_filter_atom::value, std::string("AAPL"),
                                    std::string("s9"), std::vector<std::string>{"price"});
  CAF_CHECK(!stranger.ok);
  CAF_CHECK(stranger.code == protocol::error_code::subscriber_not_found);
  self->send(market, tick_atom::value, tick_batch{tick_of("AAPL", "101")});
  sched.run();
  auto data = ask<std::string>(market, market_data_atom::value, std::string("AAPL"),
                               std::uint32_t{10}, std::uint64_t{0});
  CAF_CHECK_EQUAL(data.rfind(R"({"symbol":"AAPL","last":{)", 0), 0u);
  CAF_CHECK(data.find("\"price\":101") != std::string::npos);
}

CAF_TEST(an idle stream is retired and the next subscribe spawns a new one) {
  auto reply = subscribe("AAPL", "s1", alice);
  auto stream = stream_of(reply);
  leave_and_wait_idle("AAPL", "s1");
  expect((idle_check_atom), from(stream).to(stream));
  auto [idle, symbol, handled] =
    next_message<stream_idle_atom, std::string, std::uint64_t>(stream, market);
  CAF_CHECK_EQUAL(symbol, "AAPL");
  CAF_CHECK_EQUAL(handled, 2u); // the subscribe and the unsubscribe
  expect((retire_atom), from(market).to(stream));
  CAF_CHECK(gone(stream));
  CAF_CHECK(streams(market).empty());
  CAF_CHECK(subscribe("AAPL", "s1", alice).topic.stream != reply.topic.stream);
}

CAF_TEST(a stream with subscribers or recent ticks does not report itself idle) {
  auto stream = stream_of(subscribe("AAPL", "s1", alice));
  CAF_CHECK_EQUAL(advance_time(cfg->stream.idle_timeout), 1u);
  expect((idle_check_atom), from(stream).to(stream));
  CAF_CHECK(mailbox_empty(market));

  self->send(market, stream_unsub_atom::value, std::string("AAPL"), std::string("s1"));
  self->send(market, tick_atom::value, tick_batch{tick_of("AAPL", "101")});
  sched.run();
  CAF_CHECK_EQUAL(advance_time(cfg->stream.idle_timeout), 1u);
  expect((idle_check_atom), from(stream).to(stream)); // ticked since the last check
  CAF_CHECK(mailbox_empty(market));
  CAF_CHECK_EQUAL(advance_time(cfg->stream.idle_timeout), 1u);
  expect((idle_check_atom), from(stream).to(stream));
  expect((stream_idle_atom, std::string, std::uint64_t), from(stream).to(market));
  expect((retire_atom), from(market).to(stream));
  CAF_CHECK(gone(stream));
}

CAF_TEST(an idle report overtaken by a message to the stream retires nothing) {
  auto stream = stream_of(subscribe("AAPL", "s1", alice));
  leave_and_wait_idle("AAPL", "s1");
  // A tick passes the market while the stream's idle check waits in its mailbox.
  self->send(market, tick_atom::value, tick_batch{tick_of("AAPL", "101")});
  expect((tick_atom, tick_batch), from(self).to(market));
  expect((idle_check_atom), from(stream).to(stream));
  auto [idle, symbol, handled] =
    next_message<stream_idle_atom, std::string, std::uint64_t>(stream, market);
  CAF_CHECK_EQUAL(handled, 2u); // the market has sent it three
  // The stream takes the tick, and no retire follows it.
  expect((tick_atom, tick_batch), from(market).to(stream));
  CAF_CHECK(mailbox_empty(stream));
  sched.run();
  CAF_CHECK(!gone(stream));
  CAF_CHECK_EQUAL(streams(market).size(), 1u);
  CAF_CHECK_EQUAL(ask<stream_stats>(stream, get_stats_atom::value).ticks, 1u);
}

CAF_TEST(shutdown stops every stream and the market) {
  auto stream = stream_of(subscribe("AAPL", "s1", alice));
  self->send(market, shutdown_atom::value);
  sched.run();
  CAF_CHECK(gone(stream));
  CAF_CHECK(gone(market));
}

CAF_TEST_FIXTURE_SCOPE_END()

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "actors/market/stream_book.hpp"

using qc::stream_book;
using qc::stream_history;
using qc::protocol::field_filter;
using qc::protocol::make_filter;
using qc::protocol::tick;
using verdict = stream_history::verdict;

namespace {

// A tick of symbol "S" with a price (and id / timestamp when given, also as fields, as
// parse_ticks leaves them).
tick price_tick(std::string price, std::optional<std::string> id = {}, std::optional<std::int64_t> ts = {}) {
  tick t;
  t.symbol = "S";
  t.fields.emplace_back("price", std::move(price));
  if (id) {
    t.id = id;
    t.fields.emplace_back("id", '"' + *id + '"');
  }
  if (ts) {
    t.timestamp_ms = ts;
    t.fields.emplace_back("timestamp", std::to_string(*ts));
  }
  return t;
}

std::vector<std::uint64_t> seqs(const std::vector<const qc::stream_tick*>& ticks) {
  std::vector<std::uint64_t> out;
  for (const auto* t : ticks)
    out.push_back(t->seq);
  return out;
}

const std::vector<std::string> defaults{"price", "volume", "timestamp"};

using book = stream_book<int>;

// sid -> subscriber for each group, keyed by the group's filter: what for_each_group shows.
std::map<field_filter, std::map<std::string, int>> groups_of(const book& b) {
  std::map<field_filter, std::map<std::string, int>> out;
  b.for_each_group([&](const field_filter& f, std::uint64_t, std::span<const book::member> members) {
    CHECK_FALSE(members.empty());
    CHECK_FALSE(out.contains(f)); // each filter once
    for (const auto& m : members)
      out[f][m.sid] = m.subscriber;
  });
  return out;
}

} // namespace

TEST_CASE("the first tick gets seq 1 and becomes the last value") {
  stream_history h("S", 10);
  CHECK(h.symbol() == "S");
  CHECK(h.last() == nullptr);
  CHECK(h.recent(5).empty());
  CHECK(h.add(price_tick("1.5", {}, 1000), 2000) == verdict::accepted);
  REQUIRE(h.last() != nullptr);
  CHECK(h.last()->seq == 1);
  CHECK(h.last()->timestamp_ms == 1000); // the tick's own timestamp
  CHECK(h.last()->tick.fields.size() == 2);
  CHECK(h.last_update_ms() == 2000);     // when it arrived
  CHECK(h.add(price_tick("1.6"), 3000) == verdict::accepted);
  CHECK(h.last()->seq == 2);
  CHECK(h.last()->tick.fields.front().second == "1.6");
}

TEST_CASE("a tick without timestamp is stamped with its receive time, also as a field") {
  stream_history h("S", 10);
  h.add(price_tick("1"), 1764134400123);
  const auto& last = *h.last();
  CHECK(last.timestamp_ms == 1764134400123);
  CHECK(last.tick.timestamp_ms == 1764134400123);
  CHECK(last.tick.fields.back() == std::pair<std::string, std::string>{"timestamp", "1764134400123"});
}

TEST_CASE("dedup by id within the ring window") {
  stream_history h("S", 3);
  CHECK(h.add(price_tick("1", "a"), 1) == verdict::accepted);
  CHECK(h.add(price_tick("2", "a"), 2) == verdict::duplicate); // other fields, same id
  CHECK(h.add(price_tick("2", "b"), 3) == verdict::accepted);
  CHECK(h.add(price_tick("3", "c"), 4) == verdict::accepted);
  CHECK(h.add(price_tick("4", "a"), 5) == verdict::duplicate); // "a" still in the ring
  CHECK(h.add(price_tick("4", "d"), 6) == verdict::accepted);  // evicts "a"
  CHECK(h.add(price_tick("5", "a"), 7) == verdict::accepted);  // "a" left with its tick
  CHECK(h.add(price_tick("6", "c"), 8) == verdict::duplicate); // "c" is still in
  CHECK(h.accepted() == 5);
  CHECK(h.duplicates_dropped() == 3);
}

TEST_CASE("dedup by fields equal to the last tick's, apart from timestamp and id") {
  stream_history h("S", 100);
  tick a;
  a.symbol = "S";
  a.fields = {{"price", "10"}, {"volume", "5"}, {"venue", R"("SH")"}};
  CHECK(h.add(a, 1) == verdict::accepted);

  SUBCASE("same fields with a new timestamp and a new id") {
    tick b = a;
    b.id = "x";
    b.timestamp_ms = 99;
    b.fields.emplace_back("id", R"("x")");
    b.fields.emplace_back("timestamp", "99");
    CHECK(h.add(b, 2) == verdict::duplicate);
  }
  SUBCASE("same fields in another order") {
    tick b = a;
    std::ranges::reverse(b.fields);
    CHECK(h.add(b, 2) == verdict::duplicate);
  }
  SUBCASE("one value differs") {
    tick b = a;
    b.fields[1].second = "6";
    CHECK(h.add(b, 2) == verdict::accepted);
  }
  SUBCASE("a field fewer or more") {
    tick fewer = a;
    fewer.fields.pop_back();
    CHECK(h.add(fewer, 2) == verdict::accepted);
    CHECK(h.add(a, 3) == verdict::accepted); // the last tick is now `fewer`
  }
  SUBCASE("same name, value of another JSON type") {
    tick b = a;
    b.fields[0].second = R"("10")";
    CHECK(h.add(b, 2) == verdict::accepted);
  }
  SUBCASE("only the previous tick counts") {
    tick b = a;
    b.fields[0].second = "11";
    CHECK(h.add(b, 2) == verdict::accepted);
    CHECK(h.add(a, 3) == verdict::accepted);
  }
}

TEST_CASE("seq has no gaps among accepted ticks when duplicates come in between") {
  stream_history h("S", 100);
  std::vector<verdict> verdicts;
  verdicts.push_back(h.add(price_tick("1", "a"), 1));
  verdicts.push_back(h.add(price_tick("1", "b"), 2)); // same fields
  verdicts.push_back(h.add(price_tick("2", "a"), 3)); // same id
  verdicts.push_back(h.add(price_tick("2", "c"), 4));
  verdicts.push_back(h.add(price_tick("2"), 5));      // same fields
  verdicts.push_back(h.add(price_tick("3"), 6));
  CHECK(verdicts == std::vector{verdict::accepted, verdict::duplicate, verdict::duplicate, verdict::accepted,
                                verdict::duplicate, verdict::accepted});
  CHECK(seqs(h.recent(10)) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(h.accepted() == 3);
  CHECK(h.duplicates_dropped() == 3);
  CHECK(h.last_update_ms() == 6);
}

TEST_CASE("the ring keeps the newest ticks and recent() gives them oldest first") {
  stream_history h("S", 4);
  for (int i = 1; i <= 7; ++i)
    h.add(price_tick(std::to_string(i)), i);
  CHECK(h.buffer_size() == 4);
  CHECK(h.ring_capacity() == 4);
  CHECK(seqs(h.recent(10)) == std::vector<std::uint64_t>{4, 5, 6, 7});
  CHECK(seqs(h.recent(2)) == std::vector<std::uint64_t>{6, 7});
  CHECK(h.recent(0).empty());
  CHECK(h.recent(2).back() == h.last());
  CHECK(h.recent(1).front()->tick.fields.front().second == "7");
}

TEST_CASE("a ring of capacity 0 still keeps the last value") {
  stream_history h("S", 0);
  CHECK(h.ring_capacity() == 1);
  h.add(price_tick("1", "a"), 1);
  h.add(price_tick("2", "b"), 2);
  CHECK(h.buffer_size() == 1);
  CHECK(h.last()->seq == 2);
  CHECK(h.add(price_tick("3", "a"), 3) == verdict::accepted); // "a" went with its tick
}

TEST_CASE("deliveries are counted by the owner") {
  stream_history h("S", 1);
  CHECK(h.deliveries() == 0);
  h.count_deliveries(3);
  h.count_deliveries(2);
  CHECK(h.deliveries() == 5);
}

TEST_CASE("subscribers with the same fields in any order share one group") {
  book b("S");
  CHECK(b.subscribe("s1", 1, make_filter({"price", "volume"}, defaults)));
  CHECK(b.subscribe("s2", 2, make_filter({"volume", "price", "price"}, defaults)));
  CHECK(b.subscribe("s3", 3, make_filter({}, defaults)));
  CHECK(b.subscriber_count() == 3);
  CHECK(b.group_count() == 2);
  const auto groups = groups_of(b);
  CHECK(groups.at(make_filter({"price", "volume"}, defaults)) == std::map<std::string, int>{{"s1", 1}, {"s2", 2}});
  CHECK(groups.at(make_filter({}, defaults)) == std::map<std::string, int>{{"s3", 3}});
  CHECK(b.has_subscriber("s2"));
  CHECK_FALSE(b.has_subscriber("s4"));
  REQUIRE(b.filter_of("s3") != nullptr);
  CHECK(*b.filter_of("s3") == make_filter({}, defaults));
  CHECK(b.filter_of("s4") == nullptr);
}

TEST_CASE("changing a filter moves the subscriber; the last one out removes the group") {
  book b("S");
  b.subscribe("s1", 1, make_filter({"price"}, defaults));
  b.subscribe("s2", 2, make_filter({"price"}, defaults));
  b.subscribe("s3", 3, make_filter({"*"}, defaults));

  SUBCASE("set_filter") {
    CHECK(b.set_filter("s1", make_filter({"*"}, defaults)));
    CHECK(groups_of(b) == std::map<field_filter, std::map<std::string, int>>{
                            {make_filter({"price"}, defaults), {{"s2", 2}}},
                            {make_filter({"*"}, defaults), {{"s1", 1}, {"s3", 3}}}});
    CHECK(b.set_filter("s2", make_filter({"volume"}, defaults)));
    CHECK(groups_of(b) == std::map<field_filter, std::map<std::string, int>>{
                            {make_filter({"volume"}, defaults), {{"s2", 2}}},
                            {make_filter({"*"}, defaults), {{"s1", 1}, {"s3", 3}}}});
    CHECK(b.set_filter("s2", make_filter({"volume"}, defaults))); // unchanged
    CHECK_FALSE(b.set_filter("nobody", make_filter({"*"}, defaults)));
    CHECK(b.subscriber_count() == 3);
  }
  SUBCASE("subscribing again replaces the subscriber and its filter") {
    CHECK_FALSE(b.subscribe("s3", 30, make_filter({"price"}, defaults)));
    CHECK(b.subscriber_count() == 3);
    CHECK(groups_of(b) == std::map<field_filter, std::map<std::string, int>>{
                            {make_filter({"price"}, defaults), {{"s1", 1}, {"s2", 2}, {"s3", 30}}}});
  }
  SUBCASE("unsubscribe") {
    CHECK(b.unsubscribe("s3"));
    CHECK_FALSE(b.unsubscribe("s3"));
    CHECK(b.group_count() == 1);
    CHECK(b.unsubscribe("s1"));
    CHECK(groups_of(b) == std::map<field_filter, std::map<std::string, int>>{
                            {make_filter({"price"}, defaults), {{"s2", 2}}}});
    CHECK(b.unsubscribe("s2"));
    CHECK(b.group_count() == 0);
    CHECK(b.subscriber_count() == 0);
    CHECK(groups_of(b).empty());
  }
}

TEST_CASE("find() tells a subscriber's group, and a group's id is never given to another") {
  book b("S");
  CHECK_FALSE(b.find("s1").has_value());
  b.subscribe("s1", 1, make_filter({"price"}, defaults));
  b.subscribe("s2", 2, make_filter({"price"}, defaults));
  auto first = b.find("s1");
  REQUIRE(first.has_value());
  CHECK(first->entry->subscriber == 1);
  CHECK(b.find("s2")->group == first->group); // same filter, same group
  b.subscribe("s3", 3, make_filter({"volume"}, defaults));
  auto volume_group = b.find("s3")->group;
  CHECK(volume_group != first->group);
  // The price group empties and goes; a new group with the same filter gets a new id,
  // so a topic named by (stream, group) never means two things.
  b.unsubscribe("s1");
  b.unsubscribe("s2");
  b.subscribe("s4", 4, make_filter({"price"}, defaults));
  auto again = b.find("s4")->group;
  CHECK(again != first->group);
  CHECK(again != volume_group);
  // Moving to another filter moves the member to that group.
  CHECK(b.set_filter("s4", make_filter({"volume"}, defaults)));
  CHECK(b.find("s4")->group == volume_group);
  std::set<std::uint64_t> ids;
  b.for_each_group([&](const field_filter&, std::uint64_t id, std::span<const book::member>) {
    ids.insert(id);
  });
  CHECK(ids == std::set<std::uint64_t>{volume_group});
}

TEST_CASE("peak_subscribers remembers the most at once") {
  book b("S");
  CHECK(b.peak_subscribers() == 0);
  b.subscribe("s1", 1, make_filter({}, defaults));
  b.subscribe("s2", 2, make_filter({}, defaults));
  b.subscribe("s2", 2, make_filter({"*"}, defaults)); // a re-subscribe is not another subscriber
  CHECK(b.peak_subscribers() == 2);
  b.unsubscribe("s1");
  b.unsubscribe("s2");
  b.subscribe("s3", 3, make_filter({}, defaults));
  CHECK(b.subscriber_count() == 1);
  CHECK(b.peak_subscribers() == 2);
}

TEST_CASE("groups stay consistent through many random changes") {
  // Against a plain model: sid -> (subscriber, filter). Unsubscribing swaps members
  // inside a group, so this checks the bookkeeping of their positions.
  book b("S");
  std::map<std::string, std::pair<int, field_filter>> model;
  const std::vector<field_filter> filters{make_filter({}, defaults), make_filter({"*"}, defaults),
                                          make_filter({"price"}, defaults), make_filter({"volume", "bid"}, defaults)};
  std::mt19937 rng(7);
  std::size_t peak = 0;
  for (int step = 0; step < 5000; ++step) {
    const std::string sid = "s" + std::to_string(rng() % 40);
    const auto& filter = filters[rng() % filters.size()];
    switch (rng() % 3) {
    case 0:
      CHECK(b.subscribe(sid, step, filter) == !model.contains(sid));
      model[sid] = {step, filter};
      break;
    case 1:
      CHECK(b.set_filter(sid, filter) == model.contains(sid));
      if (model.contains(sid))
        model[sid].second = filter;
      break;
    default:
      CHECK(b.unsubscribe(sid) == (model.erase(sid) == 1));
    }
    peak = std::max(peak, model.size());
  }
  std::map<field_filter, std::map<std::string, int>> expected;
  for (const auto& [sid, entry] : model)
    expected[entry.second][sid] = entry.first;
  CHECK(groups_of(b) == expected);
  CHECK(b.subscriber_count() == model.size());
  CHECK(b.group_count() == expected.size());
  CHECK(b.peak_subscribers() == peak);
  for (const auto& [sid, entry] : model)
    CHECK(*b.filter_of(sid) == entry.second);
}

TEST_CASE("the ring is bounded in bytes too: the oldest go, the newest always stays") {
  // Each price_tick("NNNN") is 1 + (5 + 4 + 4) = 14 bytes, and 28 once the stream has
  // added its receive time as "timestamp":1 (9 + 1 + 4).
  REQUIRE(qc::protocol::tick_bytes(price_tick("1000")) == 14);
  stream_history h("S", 1000, 100);
  for (int i = 0; i < 10; ++i)
    REQUIRE(h.add(price_tick(std::to_string(1000 + i)), 1) == verdict::accepted);
  CHECK(h.buffer_size() == 3); // 3 * 28 = 84 <= 100 < 112
  CHECK(h.buffer_bytes() == 84);
  CHECK(seqs(h.recent(100)) == std::vector<std::uint64_t>{8, 9, 10});
  // One tick bigger than the whole budget: it is the last value, so it stays, alone.
  REQUIRE(h.add(price_tick(std::string(100, '7')), 1) == verdict::accepted);
  CHECK(h.buffer_size() == 1);
  CHECK(h.buffer_bytes() == 1 + 5 + 100 + 4 + 14);
  CHECK(h.last()->seq == 11);
  // The next small one pushes it out.
  REQUIRE(h.add(price_tick("2000"), 1) == verdict::accepted);
  CHECK(h.buffer_size() == 1);
  CHECK(h.buffer_bytes() == 28);
}

TEST_CASE("an id leaves the duplicate window when the byte bound evicts its tick") {
  stream_history h("S", 1000, 40); // two 34-byte ticks (id and timestamp added) do not fit together
  REQUIRE(h.add(price_tick("1", "a"), 1) == verdict::accepted);
  REQUIRE(h.add(price_tick("2", "b"), 1) == verdict::accepted);
  CHECK(h.buffer_size() == 1);
  CHECK(h.add(price_tick("3", "a"), 1) == verdict::accepted); // "a" was evicted
  CHECK(h.add(price_tick("4", "a"), 1) == verdict::duplicate);
}

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "actors/session/replay_buffer.hpp"

using qc::replay_buffer;

namespace {

struct evictions {
  std::vector<std::pair<int, std::uint64_t>> seen; // value, number
  auto sink() {
    return [this](int&& v, std::uint64_t number) { seen.emplace_back(v, number); };
  }
};

std::vector<int> contents(const replay_buffer<int>& b) {
  std::vector<int> out;
  for (std::size_t i = 0; i < b.size(); ++i)
    out.push_back(b[i]);
  return out;
}

} // namespace

TEST_CASE("replay_buffer: keeps the newest up to its bound, oldest first, and reports what it evicts") {
  replay_buffer<int> b;
  evictions ev;
  CHECK(b.empty());
  for (int i = 0; i < 5; ++i)
    b.push(i, 3, ev.sink());
  CHECK(contents(b) == std::vector<int>{2, 3, 4});
  CHECK(b.pushed() == 5);
  CHECK(b.overrun());
  REQUIRE(ev.seen.size() == 2);
  CHECK(ev.seen[0] == std::pair<int, std::uint64_t>{0, 0});
  CHECK(ev.seen[1] == std::pair<int, std::uint64_t>{1, 1});
}

TEST_CASE("replay_buffer: a larger bound lets it grow past a wrapped ring, in order") {
  replay_buffer<int> b;
  evictions ev;
  for (int i = 0; i < 5; ++i)
    b.push(i, 3, ev.sink()); // wrapped: holds 2 3 4
  for (int i = 5; i < 9; ++i)
    b.push(i, 6, ev.sink()); // parked: a larger bound
  CHECK(contents(b) == std::vector<int>{3, 4, 5, 6, 7, 8});
  CHECK(ev.seen.size() == 3);
}

TEST_CASE("replay_buffer: a smaller bound evicts down to it on the next push") {
  replay_buffer<int> b;
  evictions ev;
  for (int i = 0; i < 6; ++i)
    b.push(i, 10, ev.sink());
  CHECK_FALSE(b.overrun());
  b.push(6, 2, ev.sink());
  CHECK(contents(b) == std::vector<int>{5, 6});
  CHECK(ev.seen.size() == 5);
  CHECK(ev.seen.back() == std::pair<int, std::uint64_t>{4, 4});
}

TEST_CASE("replay_buffer: take hands over everything in order and starts afresh, counting on") {
  replay_buffer<int> b;
  evictions ev;
  for (int i = 0; i < 7; ++i)
    b.push(i, 4, ev.sink());
  auto all = b.take();
  CHECK(all == std::vector<int>{3, 4, 5, 6});
  CHECK(b.empty());
  CHECK_FALSE(b.overrun());
  b.push(7, 4, ev.sink());
  CHECK(contents(b) == std::vector<int>{7});
  CHECK(b.pushed() == 8);
}

namespace {

struct string_weight {
  std::size_t operator()(const std::string& s) const { return s.size(); }
};

} // namespace

TEST_CASE("replay_buffer: a byte bound evicts the oldest until what is held fits") {
  replay_buffer<std::string, string_weight> b;
  std::vector<std::uint64_t> evicted;
  auto sink = [&](std::string&&, std::uint64_t number) { evicted.push_back(number); };
  b.push(std::string(40, 'a'), 100, 100, sink);
  b.push(std::string(40, 'b'), 100, 100, sink);
  CHECK(b.bytes() == 80);
  CHECK_FALSE(b.overrun());
  b.push(std::string(30, 'c'), 100, 100, sink); // 110 > 100: the oldest goes
  CHECK(b.size() == 2);
  CHECK(b.bytes() == 70);
  CHECK(b[0][0] == 'b');
  CHECK(b.overrun());
  CHECK(evicted == std::vector<std::uint64_t>{0});
  // One element heavier than the bound cannot be kept at all: everything goes.
  b.push(std::string(150, 'd'), 100, 100, sink);
  CHECK(b.empty());
  CHECK(b.bytes() == 0);
  CHECK(evicted == std::vector<std::uint64_t>{0, 1, 2, 3});
  // The count bound still applies with bytes to spare.
  for (int i = 0; i < 5; ++i)
    b.push(std::string(1, 'e'), 3, 100, sink);
  CHECK(b.size() == 3);
  CHECK(b.bytes() == 3);
  CHECK(b.take().size() == 3);
  CHECK(b.bytes() == 0);
}

TEST_CASE("replay_buffer: drop_oldest evicts one at a time and reports it") {
  replay_buffer<std::string, string_weight> b;
  std::vector<std::uint64_t> evicted;
  auto sink = [&](std::string&&, std::uint64_t number) { evicted.push_back(number); };
  b.push("xy", 10, 100, sink);
  b.push("z", 10, 100, sink);
  CHECK(b.drop_oldest(sink));
  CHECK(b.bytes() == 1);
  CHECK(b.overrun());
  CHECK(b.drop_oldest(sink));
  CHECK_FALSE(b.drop_oldest(sink));
  CHECK(evicted == std::vector<std::uint64_t>{0, 1});
}

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "actors/replay_buffer.hpp"

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

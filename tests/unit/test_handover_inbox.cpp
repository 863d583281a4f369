// handover_inbox (actors/net/handover_inbox.hpp): a session thread hands items to its
// connection's strand; one drain is posted per busy stretch, and nothing is lost or
// reordered.

#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "actors/net/handover_inbox.hpp"

using namespace qc;

TEST_CASE("handover_inbox: a drain is asked for only when the inbox goes from empty to not empty") {
  handover_inbox<int> inbox;
  CHECK(inbox.add([](std::vector<int>& v) { v.push_back(1); }));
  CHECK_FALSE(inbox.add([](std::vector<int>& v) { v.push_back(2); }));
  CHECK_FALSE(inbox.add([](std::vector<int>& v) { v.push_back(3); v.push_back(4); }));
  auto& taken = inbox.take();
  CHECK(taken == std::vector<int>{1, 2, 3, 4});
  taken.clear();
  CHECK(inbox.take().empty()); // a second drain finds nothing
  CHECK(inbox.add([](std::vector<int>& v) { v.push_back(5); }));
  CHECK(inbox.take() == std::vector<int>{5});
}

TEST_CASE("handover_inbox: items from two threads arrive once each, each thread's in order") {
  handover_inbox<int> inbox;
  constexpr int per_thread = 20'000;
  auto give = [&](int base) {
    for (int i = 0; i < per_thread; ++i)
      inbox.add([&](std::vector<int>& v) { v.push_back(base + i); });
  };
  std::thread a(give, 0);
  std::thread b(give, per_thread);
  std::vector<int> got;
  auto drain = [&] {
    auto& taken = inbox.take();
    got.insert(got.end(), taken.begin(), taken.end());
    taken.clear();
  };
  while (got.size() < 2 * per_thread / 2)
    drain();
  a.join();
  b.join();
  drain();
  REQUIRE(got.size() == 2 * per_thread);
  int next_a = 0;
  int next_b = per_thread;
  for (int x : got) {
    if (x < per_thread)
      CHECK(x == next_a++);
    else
      CHECK(x == next_b++);
  }
}

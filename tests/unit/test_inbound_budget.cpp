#include <doctest/doctest.h>

#include <chrono>

#include "actors/session/inbound_budget.hpp"

using qc::inbound_budget;
using verdict = inbound_budget::verdict;
using namespace std::chrono_literals;

TEST_CASE("messages past the rate are refused until tokens come back") {
  auto t0 = inbound_budget::clock::now();
  inbound_budget b(5, 1000, 100, 5, t0);
  for (int i = 0; i < 5; ++i)
    CHECK(b.admit(10, t0) == verdict::accept);
  CHECK(b.admit(10, t0) == verdict::refuse);
  CHECK(b.admit(10, t0 + 100ms) == verdict::refuse); // half a token
  CHECK(b.admit(10, t0 + 250ms) == verdict::accept);  // one token back
}

TEST_CASE("bytes past the byte rate are refused; the burst is at least one whole message") {
  auto t0 = inbound_budget::clock::now();
  inbound_budget b(1000, 100, 300, 5, t0); // burst max(100, 300) = 300 bytes
  CHECK(b.admit(300, t0) == verdict::accept);
  CHECK(b.admit(1, t0) == verdict::refuse);
  CHECK(b.admit(100, t0 + 1s) == verdict::accept);
  CHECK(b.admit(1, t0 + 1s) == verdict::refuse);
}

TEST_CASE("charged bytes are never refused but overdraw what follows") {
  auto t0 = inbound_budget::clock::now();
  inbound_budget b(1000, 100, 100, 5, t0);
  b.charge(150, t0); // 100 - 150 = -50
  CHECK(b.admit(1, t0) == verdict::refuse);
  CHECK(b.admit(1, t0 + 400ms) == verdict::refuse); // -10
  CHECK(b.admit(10, t0 + 1s) == verdict::accept);   // +50
  b.charge(1000000, t0 + 1s); // the debt stops at one burst
  CHECK(b.admit(5, t0 + 2100ms) == verdict::accept);
}

TEST_CASE("refusals in flood_seconds consecutive seconds are flooding; a quiet second resets") {
  auto t0 = inbound_budget::clock::now();
  inbound_budget b(1, 1000, 100, 3, t0);
  CHECK(b.admit(1, t0) == verdict::accept);
  CHECK(b.admit(1, t0) == verdict::refuse);             // second 0
  CHECK(b.admit(1, t0 + 100ms) == verdict::refuse);     // still second 0: no new strike
  CHECK(b.admit(1, t0 + 1500ms) == verdict::accept);    // a token came back
  CHECK(b.admit(1, t0 + 1600ms) == verdict::refuse);    // second 1
  // second 2 has no refusal at all: the streak starts over in second 3
  CHECK(b.admit(1, t0 + 3100ms) == verdict::accept);
  CHECK(b.admit(1, t0 + 3200ms) == verdict::refuse);    // second 3: streak 1
  CHECK(b.admit(1, t0 + 4300ms) == verdict::accept);
  CHECK(b.admit(1, t0 + 4400ms) == verdict::refuse);    // second 4: streak 2
  CHECK(b.admit(1, t0 + 5500ms) == verdict::accept);
  CHECK(b.admit(1, t0 + 5600ms) == verdict::flooding);  // second 5: streak 3
}

// incomplete_message_watch (actors/net/incomplete_message_watch.hpp): when a message
// the peer began and did not finish is overdue, on a clock the test sets.

#include <chrono>
#include <cstdint>

#include <doctest/doctest.h>

#include "actors/net/incomplete_message_watch.hpp"

using namespace qc;
using namespace std::chrono_literals;
using clock_type = incomplete_message_watch::clock;

TEST_CASE("incomplete_message_watch: a message unfinished for the whole timeout is overdue") {
  incomplete_message_watch watch;
  auto t0 = clock_type::time_point{} + 1h;
  CHECK(watch.unfinished(1, t0, 10s) == t0 + 10s);
  CHECK_FALSE(watch.unfinished(1, t0 + 2s, 10s)); // a check is pending already
  watch.checked();
  CHECK_FALSE(watch.overdue(1, false, t0 + 9s, 10s));
  CHECK(watch.unfinished(1, t0 + 9s, 10s) == t0 + 10s); // still counted from t0
  watch.checked();
  CHECK(watch.overdue(1, false, t0 + 10s, 10s));
}

TEST_CASE("incomplete_message_watch: a new message gets its own full time") {
  incomplete_message_watch watch;
  auto t0 = clock_type::time_point{} + 1h;
  // A peer that finishes each message and begins the next just before every check.
  for (std::uint64_t message = 1; message <= 3; ++message) {
    auto now = t0 + static_cast<int>(message - 1) * 10s;
    CHECK(watch.unfinished(message, now, 10s) == now + 10s);
    watch.checked();
    CHECK_FALSE(watch.overdue(message + 1, false, now + 10s, 10s));
  }
  CHECK(watch.unfinished(4, t0 + 30s, 10s) == t0 + 40s);
}

TEST_CASE("incomplete_message_watch: time spent paused for the session does not count") {
  incomplete_message_watch watch;
  auto t0 = clock_type::time_point{} + 1h;
  watch.unfinished(1, t0, 10s);
  watch.checked();
  CHECK_FALSE(watch.overdue(1, true, t0 + 10s, 10s)); // paused: starts again from here
  CHECK(watch.unfinished(1, t0 + 10s, 10s) == t0 + 20s);
  watch.checked();
  CHECK_FALSE(watch.overdue(1, false, t0 + 19s, 10s));
  CHECK(watch.overdue(1, false, t0 + 20s, 10s));
}

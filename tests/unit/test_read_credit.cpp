// read_credit (actors/net/read_credit.hpp): when a connection stops reading for its
// session and when it resumes.

#include <doctest/doctest.h>

#include "actors/net/connection.hpp"
#include "actors/net/read_credit.hpp"

using namespace qc;

TEST_CASE("read_credit: reading pauses at the limit and resumes at half of it") {
  read_credit<4> credit;
  CHECK_FALSE(credit.forwarded());
  CHECK_FALSE(credit.forwarded());
  CHECK_FALSE(credit.forwarded());
  CHECK(credit.forwarded()); // 4 unhandled: pause
  CHECK(credit.unhandled() == 4);
  CHECK_FALSE(credit.consumed()); // 3
  CHECK(credit.consumed());       // 2: resume
  CHECK_FALSE(credit.consumed()); // 1
  CHECK_FALSE(credit.consumed()); // 0
  CHECK(credit.unhandled() == 0);
}

TEST_CASE("read_credit: coming down to half without a pause asks for a (harmless) resume") {
  read_credit<4> credit;
  credit.forwarded();
  credit.forwarded();
  credit.forwarded(); // 3, no pause
  CHECK(credit.consumed()); // 2
}

TEST_CASE("read_credit: the connection's limit") {
  read_credit<connection::max_unhandled_frames> credit;
  for (std::size_t i = 1; i < connection::max_unhandled_frames; ++i)
    REQUIRE_FALSE(credit.forwarded());
  CHECK(credit.forwarded());
  for (std::size_t i = connection::max_unhandled_frames; i > connection::max_unhandled_frames / 2 + 1; --i)
    REQUIRE_FALSE(credit.consumed());
  CHECK(credit.consumed());
}

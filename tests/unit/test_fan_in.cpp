#include <doctest/doctest.h>

#include "actors/common/fan_in.hpp"

using qc::fan_in;

TEST_CASE("fan_in runs the continuation once, when the last expected answer arrives") {
  fan_in pending(3);
  int done = 0;
  auto last = [&] { ++done; };
  pending.arrived(last);
  pending.arrived(last);
  CHECK(done == 0);
  CHECK(pending.outstanding() == 1);
  pending.arrived(last);
  CHECK(done == 1);
  CHECK(pending.outstanding() == 0);
}

TEST_CASE("fan_in: a held count keeps early answers from finishing a fan-out still going out") {
  fan_in pending;
  int done = 0;
  auto last = [&] { ++done; };
  pending.expect(); // held while requests go out
  pending.expect(2);
  pending.arrived(last); // an early answer
  pending.arrived(last);
  CHECK(done == 0);
  pending.arrived(last); // the held count: everything is out and answered
  CHECK(done == 1);
}

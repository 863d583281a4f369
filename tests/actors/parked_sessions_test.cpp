// The registry of parked sessions (actors/durability/parked_sessions.cpp) message by
// message: a dropped session parks under its pid, a returning client claims it once,
// the window's end unparks it, and past recovery.max-parked a drop is refused. What
// parked sessions keep is bounded in bytes by a budget the sessions charge themselves
// (recovery.parked-total-bytes); the registry reports it.
#define CAF_SUITE actors.parked_sessions

#include "tests/actors/actor_fixture.hpp"

using namespace qc;
using namespace qc::test;

namespace {

struct parked_sessions_fixture : actor_fixture {
  std::shared_ptr<byte_budget> budget = std::make_shared<byte_budget>(1000);
  caf::actor registry = start_registry(shared_cfg());
  caf::actor first = session("first");
  caf::actor second = session("second");

  caf::actor start_registry(std::shared_ptr<const settings> with) {
    return start(parked_sessions_spawn_fn, std::move(with),
                     std::shared_ptr<const byte_budget>(budget));
  }

  bool park(const std::string& pid, const caf::actor& who) {
    return ask<bool>(registry, park_atom::value, pid, who);
  }

  std::vector<caf::actor> claim(const std::string& pid) {
    return ask<std::vector<caf::actor>>(registry, resume_atom::value, pid);
  }

  void unpark(const std::string& pid) {
    self->send(registry, unpark_atom::value, pid);
    expect((unpark_atom, std::string), from(self).to(registry));
  }

  recovery_stats stats() { return ask<recovery_stats>(registry, get_stats_atom::value); }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(parked_sessions_tests, parked_sessions_fixture)

CAF_TEST(a parked session is handed to the first client that claims its pid and only to it) {
  CAF_CHECK(park("p1", first));
  CAF_CHECK(park("p2", second));
  auto s = stats();
  CAF_CHECK_EQUAL(s.parked_sessions, 2u);
  CAF_CHECK_EQUAL(s.parked_total, 2u);

  auto found = claim("p1");
  CAF_REQUIRE_EQUAL(found.size(), 1u);
  CAF_CHECK(found[0] == first);
  CAF_CHECK(claim("p1").empty()); // claimed once: a second client gets nothing
  CAF_CHECK_EQUAL(stats().parked_sessions, 1u);
  CAF_CHECK(claim("unknown").empty());
}

CAF_TEST(the end of the window unparks the session and counts it expired) {
  CAF_CHECK(park("p1", first));
  unpark("p1");
  CAF_CHECK(claim("p1").empty());
  auto s = stats();
  CAF_CHECK_EQUAL(s.parked_sessions, 0u);
  CAF_CHECK_EQUAL(s.expired, 1u);
  // A session claimed before its timer fired unparks a pid that is gone: not expired.
  CAF_CHECK(park("p2", second));
  CAF_CHECK_EQUAL(claim("p2").size(), 1u);
  unpark("p2");
  CAF_CHECK_EQUAL(stats().expired, 1u);
}

CAF_TEST(past max-parked a drop is refused and counted) {
  auto tight = std::make_shared<settings>(*cfg);
  tight->recovery.max_parked = 1;
  registry = start_registry(tight);
  CAF_CHECK(park("p1", first));
  CAF_CHECK(!park("p2", second));
  auto s = stats();
  CAF_CHECK_EQUAL(s.refused_parks, 1u);
  CAF_CHECK_EQUAL(s.parked_sessions, 1u);
  CAF_CHECK_EQUAL(s.parked_total, 1u);
  CAF_CHECK(claim("p2").empty());
  // A claim makes room again.
  CAF_CHECK_EQUAL(claim("p1").size(), 1u);
  CAF_CHECK(park("p2", second));
}

CAF_TEST(recoveries are counted as whole or with a gap and the packets replayed are summed) {
  self->send(registry, recovered_atom::value, false, std::uint64_t{12});
  self->send(registry, recovered_atom::value, true, std::uint64_t{0});
  self->send(registry, recovered_atom::value, false, std::uint64_t{3});
  sched.run();
  auto s = stats();
  CAF_CHECK_EQUAL(s.recovered, 2u);
  CAF_CHECK_EQUAL(s.recovery_gaps, 1u);
  CAF_CHECK_EQUAL(s.replayed_packets, 15u);
}

CAF_TEST(the bytes parked sessions keep are reported and bounded by the shared budget) {
  budget_lease one(budget);
  budget_lease other(budget);
  CAF_CHECK(one.charge(600));
  CAF_CHECK_EQUAL(stats().parked_bytes, 600u);
  CAF_CHECK(!other.charge(500)); // over recovery.parked-total-bytes: the holder stops growing
  CAF_CHECK(other.charge(400));
  CAF_CHECK_EQUAL(stats().parked_bytes, 1000u);
  one.charge(0); // a session that is claimed or expires gives its bytes back
  CAF_CHECK_EQUAL(stats().parked_bytes, 400u);
}

CAF_TEST(without a budget the registry reports no parked bytes) {
  registry = start(parked_sessions_spawn_fn, shared_cfg(), std::shared_ptr<const byte_budget>());
  CAF_CHECK(park("p1", first));
  CAF_CHECK_EQUAL(stats().parked_bytes, 0u);
}

CAF_TEST_FIXTURE_SCOPE_END()

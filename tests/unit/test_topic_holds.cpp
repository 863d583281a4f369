// topic_holds (actors/net/topic_holds.hpp): which of a connection's stream topics hold
// their frames until the session releases them, driven frame by frame.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "actors/net/topic_holds.hpp"

using namespace qc;
using take_result = topic_holds::take_result;

namespace {

shared_frame frame(std::string name, std::string offset = {}) {
  auto f = std::make_shared<wire_frame>();
  f->json = std::move(name);
  f->offset = std::move(offset);
  return f;
}

std::vector<std::string> names(const std::vector<shared_frame>& frames) {
  std::vector<std::string> out;
  for (auto& f : frames)
    out.push_back(f->json);
  return out;
}

constexpr topic_id aapl{1, 0};
constexpr topic_id msft{2, 0};

} // namespace

TEST_CASE("topic_holds: a held topic keeps its frames in order until released") {
  topic_holds holds;
  holds.join(aapl, "AAPL", true);
  CHECK(holds.holding() == 1);
  CHECK(holds.take(aapl, frame("a1")) == take_result::held);
  CHECK(holds.take(aapl, frame("a2")) == take_result::held);
  CHECK(holds.take(msft, frame("m1")) == take_result::not_held); // not a member
  auto released = holds.release(aapl);
  CHECK(names(released.frames) == std::vector<std::string>{"a1", "a2"});
  CHECK(released.skipped == 0);
  CHECK(holds.holding() == 0);
  CHECK(holds.take(aapl, frame("a3")) == take_result::not_held);
  CHECK(holds.release(aapl).frames.empty()); // released once
}

TEST_CASE("topic_holds: a topic joined without holding lets frames through") {
  topic_holds holds;
  holds.join(aapl, "AAPL", false);
  CHECK(holds.holding() == 0);
  CHECK(holds.members() == 1);
  CHECK(holds.take(aapl, frame("a1")) == take_result::not_held);
}

TEST_CASE("topic_holds: past max_held_frames the oldest held frames go and are counted") {
  topic_holds holds;
  holds.join(aapl, "AAPL", true);
  holds.join(msft, "MSFT", true);
  for (std::size_t i = 0; i < topic_holds::max_held_frames; ++i)
    REQUIRE(holds.take(aapl, frame(std::to_string(i))) == take_result::held);
  CHECK(holds.take(aapl, frame("over1")) == take_result::held_dropped);
  CHECK(holds.take(aapl, frame("over2")) == take_result::held_dropped);
  CHECK(holds.take(msft, frame("m1")) == take_result::held); // each topic has its own bound
  auto released = holds.release(aapl);
  REQUIRE(released.frames.size() == topic_holds::max_held_frames);
  CHECK(released.frames.front()->json == "2");
  CHECK(released.frames.back()->json == "over2");
  CHECK(released.skipped == 2);
}

TEST_CASE("topic_holds: leaving gives the topic's symbol once") {
  topic_holds holds;
  holds.join(aapl, "AAPL", true);
  holds.join(msft, "MSFT", false);
  CHECK(holds.leave(aapl) == std::optional<std::string>("AAPL"));
  CHECK(holds.holding() == 0);
  CHECK(holds.members() == 1);
  CHECK_FALSE(holds.leave(aapl));
  CHECK(holds.leave(msft) == std::optional<std::string>("MSFT"));
  CHECK(holds.members() == 0);
}

TEST_CASE("topic_holds: stopping hands over the replayable held frames in order") {
  topic_holds holds;
  holds.join(aapl, "AAPL", true);
  holds.join(msft, "MSFT", true);
  holds.take(aapl, frame("a1", "s1-1"));
  holds.take(aapl, frame("a2")); // not replayable: dropped
  holds.take(msft, frame("m1", "s2-1"));
  std::vector<shared_frame> kept{frame("k0", "r-0")};
  holds.stop_holding(kept);
  CHECK(names(kept) == std::vector<std::string>{"k0", "a1", "m1"});
  CHECK(holds.holding() == 0);
  CHECK(holds.members() == 2); // still members: frames now pass
  CHECK(holds.take(aapl, frame("a3")) == take_result::not_held);
  CHECK(holds.release(aapl).frames.empty());
}

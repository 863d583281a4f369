// fanout_shard (actors/net/fanout.hpp) with its strand played by a plain queue: who gets a
// published frame, in which order work runs, and how a backlog is flushed.

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "actors/net/fanout.hpp"

using namespace qc;

namespace {

/// The shard's strand, by hand: posted work waits until run() runs it, in order.
struct manual_strand {
  std::deque<std::function<void()>> queue;

  fanout_shard::post_function poster() {
    return [this](std::function<void()> work) { queue.push_back(std::move(work)); };
  }

  void run() {
    while (!queue.empty()) {
      auto work = std::move(queue.front());
      queue.pop_front();
      work();
    }
  }
};

/// A connection that writes down what its shard does to it.
class recording_sink : public fanout_sink {
public:
  explicit recording_sink(fanout_shard& shard) : shard_(shard) {}

  fanout_shard& shard() override { return shard_; }

  void joined(topic_id topic, const std::string& symbol) override {
    events.push_back("joined " + symbol + "/" + std::to_string(topic.group));
  }

  void left(topic_id topic, bool replaced) override {
    events.push_back((replaced ? "replaced " : "left ") + std::to_string(topic.group));
  }

  bool take(topic_id, const shared_frame& frame) override {
    taken.push_back(frame);
    events.push_back("take " + frame->offset);
    return !std::exchange(flush_due_, true);
  }

  void flush() override {
    flush_due_ = false;
    events.push_back("flush");
  }

  std::vector<std::string> events;
  std::vector<shared_frame> taken;

private:
  fanout_shard& shard_;
  bool flush_due_ = false;
};

shared_frame frame_with_offset(std::string offset) {
  auto f = std::make_shared<wire_frame>();
  f->offset = std::move(offset);
  return f;
}

/// A shard on a hand-run strand, and connections on it.
struct shard_under_test {
  manual_strand strand;
  fanout_shard shard{strand.poster()};

  std::shared_ptr<recording_sink> connection() { return std::make_shared<recording_sink>(shard); }
};

const topic_id topic_a{7, 1};
const topic_id topic_b{7, 2};
const topic_id other_stream{8, 1}; // same group number, another stream

} // namespace

TEST_CASE_FIXTURE(shard_under_test,
                  "a published frame reaches every member of its topic and nobody else") {
  auto a1 = connection();
  auto a2 = connection();
  auto b = connection();
  auto c = connection();
  shard.join(topic_a, "S", a1);
  shard.join(topic_a, "S", a2);
  shard.join(topic_b, "S", b);
  shard.join(other_stream, "T", c);
  shard.publish(topic_a, frame_with_offset("S:1"));
  CHECK(a1->events.empty()); // nothing runs before the strand does
  strand.run();
  CHECK(a1->events == std::vector<std::string>{"joined S/1", "take S:1", "flush"});
  CHECK(a2->events == std::vector<std::string>{"joined S/1", "take S:1", "flush"});
  CHECK(b->events == std::vector<std::string>{"joined S/2"});
  CHECK(c->events == std::vector<std::string>{"joined T/1"});
}

TEST_CASE_FIXTURE(shard_under_test,
                  "work runs in the order posted: a join before a tick gets it, a leave before one does not") {
  auto early = connection();
  auto late = connection();
  shard.join(topic_a, "S", early);
  shard.publish(topic_a, frame_with_offset("S:1"));
  shard.join(topic_a, "S", late);
  shard.publish(topic_a, frame_with_offset("S:2"));
  shard.leave(topic_a, early, false);
  shard.publish(topic_a, frame_with_offset("S:3"));
  strand.run();
  CHECK(early->events
        == std::vector<std::string>{"joined S/1", "take S:1", "take S:2", "left 1", "flush"});
  CHECK(late->events == std::vector<std::string>{"joined S/1", "take S:2", "take S:3", "flush"});
}

TEST_CASE_FIXTURE(shard_under_test,
                  "a backlog of ticks is written with one flush per connection, after all of them") {
  auto sink = connection();
  shard.join(topic_a, "S", sink);
  shard.join(topic_b, "S", sink);
  for (int i = 1; i <= 3; ++i) {
    shard.publish(topic_a, frame_with_offset("a" + std::to_string(i)));
    shard.publish(topic_b, frame_with_offset("b" + std::to_string(i)));
  }
  strand.run();
  CHECK(sink->events
        == std::vector<std::string>{"joined S/1", "joined S/2", "take a1", "take b1", "take a2",
                                    "take b2", "take a3", "take b3", "flush"});
  // With the strand idle between ticks, each tick gets its own flush.
  sink->events.clear();
  shard.publish(topic_a, frame_with_offset("a4"));
  strand.run();
  shard.publish(topic_a, frame_with_offset("a5"));
  strand.run();
  CHECK(sink->events == std::vector<std::string>{"take a4", "flush", "take a5", "flush"});
}

TEST_CASE_FIXTURE(shard_under_test,
                  "a leave says whether the subscription moved, and takes only that member") {
  auto moved = connection();
  auto stays = connection();
  shard.join(topic_a, "S", moved);
  shard.join(topic_a, "S", stays);
  shard.leave(topic_a, moved, true);
  shard.leave(topic_b, stays, false); // not a member of b: told anyway, nothing else changes
  shard.publish(topic_a, frame_with_offset("S:1"));
  strand.run();
  CHECK(moved->events == std::vector<std::string>{"joined S/1", "replaced 1"});
  CHECK(stays->events == std::vector<std::string>{"joined S/1", "left 2", "take S:1", "flush"});
}

TEST_CASE_FIXTURE(shard_under_test,
                  "members' copies of a frame count on the shard's own holder, not on the frame's") {
  std::vector<std::shared_ptr<recording_sink>> sinks;
  for (int i = 0; i < 3; ++i) {
    sinks.push_back(connection());
    shard.join(topic_a, "S", sinks.back());
  }
  auto original = frame_with_offset("S:1");
  shard.publish(topic_a, original);
  strand.run();
  for (auto& sink : sinks) {
    REQUIRE(sink->taken.size() == 1);
    CHECK(sink->taken.front().get() == original.get()); // the same bytes, not a copy
  }
  // The original is held by this test and by the shard's one holder, whatever the
  // number of members; the holder lives as long as any member's copy.
  CHECK(original.use_count() == 2);
  for (auto& sink : sinks)
    sink->taken.clear();
  CHECK(original.use_count() == 1);
}

TEST_CASE_FIXTURE(shard_under_test, "clear() lets go of every member") {
  auto sink = connection();
  shard.join(topic_a, "S", sink);
  strand.run();
  CHECK(sink.use_count() == 2); // ours and the topic's
  shard.clear();
  CHECK(sink.use_count() == 1);
  shard.publish(topic_a, frame_with_offset("S:1"));
  strand.run();
  CHECK(sink->taken.empty());
}

// outbound_router (actors/net/outbound_router.hpp): where each frame given to a
// connection goes (written, held, kept for replay, back to the session), frame by frame.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "actors/common/frames.hpp"
#include "actors/net/outbound_router.hpp"

using namespace qc;

namespace {

/// The connection, as the router sees it: writes down what it was asked.
struct recording_owner : routing_owner {
  std::vector<shared_frame> forwarded;
  int conflated_count = 0;
  int slow = 0;
  void forward_to_session(shared_frame frame) override { forwarded.push_back(std::move(frame)); }
  void conflated() override { ++conflated_count; }
  void slow_consumer() override { ++slow; }
};

struct router_under_test {
  /// Default settings, but for the outbound bounds.
  explicit router_under_test(std::size_t soft_bytes = 1u << 20, std::size_t max_bytes = 8u << 20)
    : cfg(bounded(soft_bytes, max_bytes)), router(owner, close, cfg, transport_kind::json) {}

  static settings bounded(std::size_t soft_bytes, std::size_t max_bytes) {
    settings s;
    s.limits.soft_outbound_bytes = soft_bytes;
    s.limits.max_outbound_bytes = max_bytes;
    return s;
  }

  /// The payloads the next write would carry, in order.
  std::vector<std::string> written() {
    write_batch batch;
    router.queue().fill(batch);
    router.queue().batch_written();
    std::string bytes;
    for (auto& s : batch.segments())
      bytes.append(batch.data(s), s.size);
    std::vector<std::string> out; // small text frames: a 2-byte header each
    for (std::size_t at = 0; at < bytes.size();) {
      std::size_t size = static_cast<unsigned char>(bytes[at + 1]);
      REQUIRE(size < 126);
      out.push_back(bytes.substr(at + 2, size));
      at += 2 + size;
    }
    return out;
  }

  recording_owner owner;
  close_handshake close;
  settings cfg;
  outbound_router router;
};

shared_frame room_packet(const std::string& text, const std::string& offset = {}) {
  return make_shared_frame("room_message", R"({"text":")" + text + R"("})", {}, offset);
}

shared_frame tick(int price, const std::string& offset = {}) {
  return make_shared_frame("stream_data", R"({"symbol":"AAPL","price":)" + std::to_string(price) + "}",
                           "AAPL", offset);
}

std::string json_of(const shared_frame& f) {
  return f->json;
}

constexpr topic_id aapl{7, 0};

} // namespace

TEST_CASE("outbound_router: a stream's frames wait for the release, behind the session's reply") {
  router_under_test t;
  t.router.join(aapl, "AAPL");
  CHECK_FALSE(t.router.from_stream(aapl, tick(1))); // held
  t.router.from_session(make_out_frame("reply"));
  CHECK(t.written() == std::vector<std::string>{"reply"});
  t.router.release(aapl);
  CHECK(t.router.from_stream(aapl, tick(2))); // written: the shard must flush
  CHECK(t.written() == std::vector<std::string>{json_of(tick(1)), json_of(tick(2))});
  CHECK(t.router.direct_frames() == 2);
}

TEST_CASE("outbound_router: a topic held past its bound conflates, and the first released frame says how many") {
  router_under_test t;
  t.router.join(aapl, "AAPL");
  for (std::size_t i = 0; i < topic_holds::max_held_frames + 3; ++i)
    t.router.from_stream(aapl, tick(static_cast<int>(i)));
  CHECK(t.owner.conflated_count == 3);
  t.router.release(aapl);
  CHECK(t.router.queue().size() == topic_holds::max_held_frames);
  write_batch batch;
  t.router.queue().fill(batch);
  std::string first;
  for (auto& s : batch.segments())
    first.append(batch.data(s), s.size);
  CHECK(first.find(R"("price":3,"conflated":3})") != std::string::npos);
}

TEST_CASE("outbound_router: replayable frames are kept, written or remembered, and handed over at close") {
  router_under_test t;
  t.router.from_session(frame_for(room_packet("a", "r-1"), transport_kind::json));
  t.router.from_session(frame_for(room_packet("not replayable"), transport_kind::json));
  t.router.remember(frame_for(room_packet("b", "r-2"), transport_kind::json));
  t.router.from_stream(aapl, tick(1, "s-1")); // not a member: not held
  CHECK(t.router.queue().size() == 3);        // remembered is not written
  t.close.begin(1000, "bye");
  auto kept = t.router.close();
  std::vector<std::string> offsets;
  for (auto& f : kept)
    offsets.push_back(f->offset);
  CHECK(offsets == std::vector<std::string>{"r-1", "r-2", "s-1"});
  CHECK(t.router.closed());
}

TEST_CASE("outbound_router: held frames are handed over at close too, and later ones go back to the session") {
  router_under_test t;
  t.router.join(aapl, "AAPL");
  t.router.from_stream(aapl, tick(1, "s-1"));
  t.router.from_stream(aapl, tick(2)); // not replayable: nobody needs it
  t.close.begin(1000, "bye");
  auto kept = t.router.close();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0]->offset == "s-1");
  CHECK_FALSE(t.router.from_stream(aapl, tick(3, "s-3")));
  CHECK_FALSE(t.router.from_stream(aapl, tick(4)));
  t.router.from_session(frame_for(room_packet("c", "r-3"), transport_kind::json));
  t.router.from_session(make_out_frame("own"));
  REQUIRE(t.owner.forwarded.size() == 2);
  CHECK(t.owner.forwarded[0]->offset == "s-3");
  CHECK(t.owner.forwarded[1]->offset == "r-3");
  CHECK(t.router.queue().empty()); // closing: nothing more is written
  t.router.join(topic_id{8, 0}, "MSFT"); // joined after the close: nothing held
  t.router.from_stream(topic_id{8, 0}, tick(5, "s-5"));
  CHECK(t.owner.forwarded.size() == 3);
}

TEST_CASE("outbound_router: once closing, frames are kept but not written") {
  router_under_test t;
  t.close.begin(1008, "slow consumer");
  CHECK(t.router.from_stream(aapl, tick(1, "s-1")));
  t.router.from_session(frame_for(room_packet("a", "r-1"), transport_kind::json));
  CHECK(t.router.queue().empty());
  CHECK(t.router.direct_frames() == 0);
  CHECK(t.router.close().size() == 2);
}

TEST_CASE("outbound_router: past the hard bound the connection is told it has a slow consumer") {
  router_under_test t{100, 200};
  t.router.from_session(make_out_frame(std::string(150, 'x')));
  CHECK(t.owner.slow == 0);
  t.router.from_stream(aapl, tick(1));
  CHECK(t.owner.slow == 1);
}

TEST_CASE("outbound_router: leaving gives the symbol back") {
  router_under_test t;
  t.router.join(aapl, "AAPL");
  CHECK(t.router.leave(aapl) == std::optional<std::string>("AAPL"));
  CHECK_FALSE(t.router.leave(aapl));
  CHECK(t.router.from_stream(aapl, tick(1))); // no longer held (the shard would not call, but nothing holds it)
}

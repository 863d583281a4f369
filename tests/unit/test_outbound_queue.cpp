// outbound_queue, conflation_index and write_batch (actors/net/): what a connection
// writes and in which order, driven frame by frame without a socket.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "actors/net/conflation_index.hpp"
#include "actors/net/outbound_queue.hpp"
#include "actors/net/write_batch.hpp"

using namespace qc;
using protocol::ws_opcode;

namespace {

/// A frame as the client reads it off the wire.
struct written_frame {
  ws_opcode opcode;
  std::string payload;
  bool operator==(const written_frame&) const = default;
};

std::string bytes_of(const write_batch& batch) {
  std::string out;
  for (auto& s : batch.segments())
    out.append(batch.data(s), s.size);
  return out;
}

/// Splits a batch into the server frames it holds (FIN set, unmasked).
std::vector<written_frame> frames_of(const write_batch& batch) {
  auto bytes = bytes_of(batch);
  std::vector<written_frame> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto opcode = static_cast<ws_opcode>(static_cast<unsigned char>(bytes[at]) & 0x0f);
    std::uint64_t size = static_cast<unsigned char>(bytes[at + 1]) & 0x7f;
    at += 2;
    std::size_t extra = size == 126 ? 2 : size == 127 ? 8 : 0;
    if (extra > 0) {
      size = 0;
      for (std::size_t i = 0; i < extra; ++i)
        size = size << 8 | static_cast<unsigned char>(bytes[at + i]);
      at += extra;
    }
    REQUIRE(at + size <= bytes.size());
    out.push_back({opcode, bytes.substr(at, size)});
    at += size;
  }
  return out;
}

/// A stream_data frame of `symbol` in the plain-JSON encoding. `symbol` must outlive
/// the frame (the key views it, as a real frame's key views its wire_frame).
out_frame tick(std::string_view symbol, int price) {
  auto bytes = std::make_shared<const std::string>(
    R"({"event":"stream_data","data":{"symbol":")" + std::string(symbol)
    + R"(","price":)" + std::to_string(price) + "}}");
  return out_frame{std::move(bytes), false, symbol, nullptr};
}

std::string tick_text(std::string_view symbol, int price) {
  return *tick(symbol, price).bytes;
}

std::string conflated_text(std::string_view symbol, int price, int count) {
  return R"({"event":"stream_data","data":{"symbol":")" + std::string(symbol) + R"(","price":)"
         + std::to_string(price) + R"(,"conflated":)" + std::to_string(count) + "}}";
}

/// A frame of the session's own, never conflated.
out_frame own(std::string text) {
  return out_frame{std::make_shared<const std::string>(std::move(text)), false, {}, nullptr};
}

written_frame text(std::string payload) {
  return {ws_opcode::text, std::move(payload)};
}

/// limits.soft-outbound-bytes and limits.max-outbound-bytes, the rest as configured by default.
limit_settings bounds(std::size_t soft, std::size_t max) {
  limit_settings limits;
  limits.soft_outbound_bytes = soft;
  limits.max_outbound_bytes = max;
  return limits;
}

const limit_settings roomy = bounds(1u << 20, 8u << 20);

} // namespace

TEST_CASE("outbound_queue: control frames first, then data frames in the order queued") {
  outbound_queue q{roomy};
  q.push(own("one"));
  q.push(own("two"));
  q.push_control(ws_opcode::pong, "p");
  q.push(own("three"));
  write_batch batch;
  q.fill(batch);
  CHECK(frames_of(batch) == std::vector<written_frame>{
                              {ws_opcode::pong, "p"}, text("one"), text("two"), text("three")});
  CHECK(q.empty());
}

TEST_CASE("outbound_queue: one waiting control frame per opcode, the newest") {
  outbound_queue q{roomy};
  q.push_control(ws_opcode::pong, "first");
  q.push_control(ws_opcode::ping, "");
  q.push_control(ws_opcode::pong, "second");
  write_batch batch;
  q.fill(batch);
  CHECK(frames_of(batch) == std::vector<written_frame>{{ws_opcode::pong, "second"},
                                                       {ws_opcode::ping, ""}});
  q.fill(batch); // control frames go once
  CHECK(batch.empty());
}

TEST_CASE("outbound_queue: a batch takes at most max_batch_frames frames") {
  outbound_queue q{roomy};
  for (int i = 0; i < 300; ++i)
    q.push(own(std::to_string(i)));
  write_batch batch;
  q.fill(batch);
  auto first = frames_of(batch);
  REQUIRE(first.size() == outbound_queue::max_batch_frames);
  CHECK(first.front() == text("0"));
  CHECK(first.back() == text("255"));
  q.batch_written();
  q.fill(batch);
  auto second = frames_of(batch);
  REQUIRE(second.size() == 300 - outbound_queue::max_batch_frames);
  CHECK(second.front() == text("256"));
  CHECK(second.back() == text("299"));
}

TEST_CASE("outbound_queue: a batch stops once max_batch_bytes are in flight; large payloads are shared, not copied") {
  auto limits = bounds(8u << 20, 16u << 20);
  outbound_queue q{limits};
  std::vector<std::shared_ptr<const std::string>> payloads;
  for (char c : {'a', 'b', 'c'}) {
    payloads.push_back(std::make_shared<const std::string>(600 * 1024, c));
    q.push(out_frame{payloads.back(), true, {}, nullptr});
  }
  write_batch batch;
  q.fill(batch);
  auto frames = frames_of(batch);
  REQUIRE(frames.size() == 2); // 600 KiB < 1 MiB: one more; 1.2 MiB: stop
  CHECK(frames[0].opcode == ws_opcode::binary);
  CHECK(q.size() == 1);
  CHECK(q.unwritten_bytes() == 3 * 600 * 1024);
  // The batch points at the queued payloads themselves.
  std::vector<const char*> referenced;
  for (auto& s : batch.segments())
    if (s.external)
      referenced.push_back(s.data);
  CHECK(referenced == std::vector<const char*>{payloads[0]->data(), payloads[1]->data()});
  CHECK(payloads[0].use_count() == 2); // the test's and the batch's
  batch.clear();
  CHECK(payloads[0].use_count() == 1);
}

TEST_CASE("outbound_queue: byte accounting counts waiting and in-flight bytes and returns to 0") {
  outbound_queue q{roomy};
  q.push(own("12345"));
  q.push(own("123"));
  CHECK(q.unwritten_bytes() == 8);
  write_batch batch;
  q.fill(batch);
  CHECK(q.unwritten_bytes() == 8); // in flight now
  q.push(own("12"));
  CHECK(q.unwritten_bytes() == 10);
  q.batch_written();
  CHECK(q.unwritten_bytes() == 2);
  q.fill(batch);
  q.batch_written();
  CHECK(q.unwritten_bytes() == 0);
}

TEST_CASE("outbound_queue: well below the soft bound no key is tracked and nothing conflates") {
  auto limits = bounds(10'000, 100'000);
  outbound_queue q{limits};
  for (int i = 0; i < 10; ++i)
    CHECK_FALSE(q.push(tick("AAPL", i)).conflated);
  CHECK(q.tracked_keys() == 0);
  CHECK(q.size() == 10);
}

TEST_CASE("outbound_queue: past the soft bound a tick replaces its symbol's newest waiting one, in its place") {
  auto limits = bounds(100, 100'000);
  outbound_queue q{limits};
  q.push(own(std::string(120, 'x'))); // past the soft bound from here on
  CHECK_FALSE(q.push(tick("AAPL", 1)).conflated); // tracked: nothing of its key waits yet
  CHECK_FALSE(q.push(tick("MSFT", 1)).conflated);
  CHECK(q.tracked_keys() == 2);
  CHECK(q.push(tick("AAPL", 2)).conflated);
  CHECK(q.push(tick("AAPL", 3)).conflated);
  q.push(own("session"));
  CHECK(q.push(tick("MSFT", 2), 4).conflated); // 4 dropped before it elsewhere, plus the one it replaces
  CHECK(q.size() == 4);
  CHECK(q.unwritten_bytes()
        == 120 + tick_text("AAPL", 3).size() + tick_text("MSFT", 2).size() + 7);
  write_batch batch;
  q.fill(batch);
  CHECK(frames_of(batch) == std::vector<written_frame>{text(std::string(120, 'x')),
                                                       text(conflated_text("AAPL", 3, 2)),
                                                       text(conflated_text("MSFT", 2, 5)),
                                                       text("session")});
  CHECK(q.tracked_keys() == 0); // every newest one went out
  CHECK(q.unwritten_bytes() == 120 + conflated_text("AAPL", 3, 2).size()
                                 + conflated_text("MSFT", 2, 5).size() + 7);
  q.batch_written();
  CHECK(q.unwritten_bytes() == 0);
}

TEST_CASE("outbound_queue: a tick whose symbol's newest frame is already taken is queued behind") {
  auto limits = bounds(100, 100'000);
  outbound_queue q{limits};
  q.push(own(std::string(120, 'x')));
  q.push(tick("AAPL", 1));
  write_batch batch;
  q.fill(batch); // AAPL 1 is in flight, still past the soft bound
  CHECK_FALSE(q.push(tick("AAPL", 2)).conflated);
  CHECK(q.push(tick("AAPL", 3)).conflated);
  q.batch_written();
  q.fill(batch);
  CHECK(frames_of(batch) == std::vector<written_frame>{text(conflated_text("AAPL", 3, 1))});
}

TEST_CASE("outbound_queue: a tick handed in with skipped ticks says so even unconflated") {
  outbound_queue q{roomy};
  q.push(tick("AAPL", 7), 3);
  write_batch batch;
  q.fill(batch);
  CHECK(frames_of(batch) == std::vector<written_frame>{text(conflated_text("AAPL", 7, 3))});
}

TEST_CASE("outbound_queue: past the hard bound push says to close") {
  auto limits = bounds(100, 300);
  outbound_queue q{limits};
  CHECK_FALSE(q.push(own(std::string(150, 'a'))).over_limit);
  CHECK_FALSE(q.push(own(std::string(150, 'b'))).over_limit); // 300 is not past 300
  CHECK(q.push(own("c")).over_limit);
  q.drop();
  CHECK(q.empty());
  CHECK(q.unwritten_bytes() == 0);
  CHECK(q.tracked_keys() == 0);
}

TEST_CASE("outbound_queue: a conflated tick larger than the one it replaces can pass the hard bound") {
  auto limits = bounds(100, 200);
  outbound_queue q{limits};
  q.push(own(std::string(120, 'x')));
  q.push(tick("AAPL", 1));
  auto result = q.push(out_frame{std::make_shared<const std::string>(200, 'y'), false, "AAPL", nullptr});
  CHECK(result.conflated);
  CHECK(result.over_limit);
}

TEST_CASE("outbound_queue: when_written waits for the frames queued before it") {
  outbound_queue q{roomy};
  int done = 0;
  int abandoned = 0;
  q.when_written([&] { ++done; }, [&] { ++abandoned; }); // nothing queued: due at once
  q.call_due_waiters();
  CHECK(done == 1);
  for (int i = 0; i < 300; ++i)
    q.push(own("f"));
  q.when_written([&] { ++done; }, [&] { ++abandoned; });
  q.push(own("after"));
  write_batch batch;
  q.fill(batch); // 256 of 300
  q.batch_written();
  q.call_due_waiters();
  CHECK(done == 1);
  q.fill(batch); // the other 44 and "after"
  q.batch_written();
  q.call_due_waiters();
  CHECK(done == 2);
  CHECK(abandoned == 0);
}

TEST_CASE("outbound_queue: drop abandons the waiters") {
  outbound_queue q{roomy};
  int done = 0;
  int abandoned = 0;
  q.push(own("f"));
  q.when_written([&] { ++done; }, [&] { ++abandoned; });
  q.when_written([&] { ++done; }, {}); // no abandon callback: just forgotten
  q.drop();
  q.call_due_waiters();
  CHECK(done == 0);
  CHECK(abandoned == 1);
}

TEST_CASE("conflation_index owns its keys") {
  conflation_index index;
  {
    std::string key = "AAPL";
    index.remember(key, 3);
    key = "XXXX"; // the bytes the key came from change (or go)
  }
  CHECK(index.newest("AAPL") == 3u);
  CHECK_FALSE(index.newest("XXXX"));
  index.remember("AAPL", 5);
  CHECK(index.size() == 1);
  index.forget_if_newest("AAPL", 3); // not the newest any more: stays
  CHECK(index.newest("AAPL") == 5u);
  index.forget_if_newest("AAPL", 5);
  CHECK(index.empty());
}

TEST_CASE("write_batch: small payloads are copied next to their headers into one segment") {
  write_batch batch;
  batch.add_copied_frame(ws_opcode::pong, "p");
  batch.add_frame(ws_opcode::text, std::make_shared<const std::string>("hello"));
  batch.add_close(protocol::close_payload(1000, "bye"));
  CHECK(batch.segments().size() == 1);
  CHECK(batch.has_close());
  CHECK(bytes_of(batch) == protocol::encode_frame(ws_opcode::pong, "p")
                             + protocol::encode_frame(ws_opcode::text, "hello")
                             + protocol::encode_frame(ws_opcode::close,
                                                      protocol::close_payload(1000, "bye")));
  CHECK(batch.total_size() == bytes_of(batch).size());
  batch.clear();
  CHECK(batch.empty());
  CHECK_FALSE(batch.has_close());
}

TEST_CASE("write_batch: payloads over copy_payload_max are referenced between copied headers") {
  write_batch batch;
  auto large = std::make_shared<const std::string>(write_batch::copy_payload_max + 1, 'L');
  batch.add_frame(ws_opcode::text, std::make_shared<const std::string>("small"));
  batch.add_frame(ws_opcode::text, large);
  batch.add_frame(ws_opcode::text, std::make_shared<const std::string>("tail"));
  auto& segments = batch.segments();
  REQUIRE(segments.size() == 3); // [small frame + large header] [large payload] [tail]
  CHECK_FALSE(segments[0].external);
  CHECK(segments[1].external);
  CHECK(segments[1].data == large->data());
  CHECK_FALSE(segments[2].external);
  CHECK(bytes_of(batch) == protocol::encode_frame(ws_opcode::text, "small")
                             + protocol::encode_frame(ws_opcode::text, *large)
                             + protocol::encode_frame(ws_opcode::text, "tail"));
}

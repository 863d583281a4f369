#include "actors/net/outbound_router.hpp"

#include <utility>

#include "actors/common/frames.hpp"

namespace qc {

outbound_router::outbound_router(routing_owner& owner, const close_handshake& close,
                                 const settings& cfg, transport_kind transport)
  : owner_(owner), close_(close), recovery_(cfg.recovery), queue_(cfg.limits),
    transport_(transport) {
}

void outbound_router::from_session(out_frame frame) {
  if (frame.source && !frame.source->offset.empty()) {
    shared_frame whole(frame.bytes, frame.source); // same owner as the bytes
    if (closed_)
      return owner_.forward_to_session(std::move(whole));
    record(std::move(whole));
  }
  if (close_.ending())
    return; // closing (maybe just now, as a slow consumer): nothing more goes out
  enqueue(std::move(frame), 0);
}

void outbound_router::remember(const out_frame& frame) {
  if (!closed_)
    record(shared_frame(frame.bytes, frame.source));
}

// After the subscription's reply and snapshot: what the topic held goes out, the
// first frame telling the client how many held ones were dropped.
void outbound_router::release(topic_id topic) {
  auto held = topics_.release(topic);
  for (auto& frame : held.frames)
    write_from_stream(frame, std::exchange(held.skipped, 0));
}

void outbound_router::join(topic_id topic, const std::string& symbol) {
  // Once closed, frames go back to the session (from_stream()): nothing to hold.
  topics_.join(topic, symbol, !closed_);
}

std::optional<std::string> outbound_router::leave(topic_id topic) {
  return topics_.leave(topic);
}

bool outbound_router::from_stream(topic_id topic, const shared_frame& frame) {
  if (closed_) {
    if (!frame->offset.empty())
      owner_.forward_to_session(frame);
    return false;
  }
  switch (topics_.take(topic, frame)) {
  case topic_holds::take_result::held_dropped: // the session is very late: conflated
    owner_.conflated();
    return false;
  case topic_holds::take_result::held:
    return false;
  case topic_holds::take_result::not_held:
    break;
  }
  write_from_stream(frame, 0);
  return true;
}

// `skipped`: ticks of this frame's stream that were dropped just before it; the client
// is told in the frame, as for any conflation (PROTOCOL.md §9).
void outbound_router::write_from_stream(const shared_frame& frame, std::uint64_t skipped) {
  if (!frame->offset.empty())
    record(frame);
  if (close_.ending())
    return;
  direct_frames_.fetch_add(1, std::memory_order_relaxed);
  enqueue(frame_for(frame, transport_), skipped);
}

void outbound_router::record(shared_frame frame) {
  kept_.push(std::move(frame), recovery_.inflight_packets, recovery_.inflight_bytes,
             [](shared_frame&&, std::uint64_t) {}); // the oldest simply goes
}

void outbound_router::enqueue(out_frame frame, std::uint64_t skipped) {
  auto result = queue_.push(std::move(frame), skipped);
  if (result.conflated)
    owner_.conflated();
  if (result.over_limit)
    owner_.slow_consumer();
}

std::vector<shared_frame> outbound_router::close() {
  closed_ = true;
  auto kept = kept_.take();
  topics_.stop_holding(kept);
  return kept;
}

} // namespace qc

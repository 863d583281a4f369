#include "actors/net/outbound_queue.hpp"

#include <algorithm>
#include <memory>

namespace qc {

using protocol::ws_opcode;

outbound_queue::push_result outbound_queue::push(out_frame frame, std::uint64_t skipped) {
  push_result result;
  auto& key = frame.conflate_key;
  result.conflated = !key.empty() && unwritten_bytes() > limits_.soft_outbound_bytes
                     && conflate(frame, skipped);
  if (!result.conflated) {
    // Only a queue on its way to the soft bound will conflate: while it is below half
    // of it and no key is tracked, skip the bookkeeping (a hash per frame on the
    // busiest thread). Once any key is tracked, keep every entry current, or a stale
    // one would let a newer tick be written into an older frame's place and go out
    // before a frame that came after it.
    if (!key.empty() && (!newest_by_key_.empty() || unwritten_bytes() >= limits_.soft_outbound_bytes / 2))
      newest_by_key_.remember(key, end_position());
    waiting_bytes_ += frame.bytes->size();
    queue_.push_back(queued_frame{std::move(frame), skipped});
  }
  // The client reads slower than we write: the caller drops what waits and lets it
  // go, rather than grow without bound or hold up anybody else.
  result.over_limit = unwritten_bytes() > limits_.max_outbound_bytes;
  return result;
}

// Past the soft bound: the newest waiting frame of this key (say, a symbol) is
// replaced in place. Keeping its position rather than appending means a busy symbol
// still goes out as early as its first unwritten tick would have, with the newest
// value, instead of being pushed behind everything queued since.
bool outbound_queue::conflate(out_frame& frame, std::uint64_t skipped) {
  auto position = newest_by_key_.newest(frame.conflate_key);
  if (!position)
    return false;
  auto& waiting = queue_[*position - popped_];
  waiting_bytes_ = waiting_bytes_ - waiting.frame.bytes->size() + frame.bytes->size();
  waiting.frame = std::move(frame);
  waiting.skipped += 1 + skipped;
  return true; // same key, same position: the index stays as it is
}

void outbound_queue::push_control(ws_opcode opcode, std::string payload) {
  auto same = std::find_if(control_.begin(), control_.end(),
                           [&](const auto& c) { return c.first == opcode; });
  if (same != control_.end())
    same->second = std::move(payload);
  else
    control_.emplace_back(opcode, std::move(payload));
}

void outbound_queue::fill(write_batch& batch) {
  batch.clear();
  for (auto& [opcode, payload] : control_)
    batch.add_copied_frame(opcode, payload);
  control_.clear();
  std::size_t frames = 0;
  while (!queue_.empty() && frames < max_batch_frames && inflight_bytes_ < max_batch_bytes) {
    take_front(batch);
    ++frames;
  }
}

void outbound_queue::take_front(write_batch& batch) {
  auto waiting = std::move(queue_.front());
  queue_.pop_front();
  if (!waiting.frame.conflate_key.empty() && !newest_by_key_.empty())
    newest_by_key_.forget_if_newest(waiting.frame.conflate_key, popped_);
  ++popped_;
  waiting_bytes_ -= waiting.frame.bytes->size();
  auto payload = std::move(waiting.frame.bytes);
  if (waiting.skipped > 0) // tell the client how many ticks it did not see
    payload = std::make_shared<const std::string>(
      protocol::with_conflated_count(*payload, waiting.skipped));
  inflight_bytes_ += payload->size();
  batch.add_frame(waiting.frame.binary ? ws_opcode::binary : ws_opcode::text, std::move(payload));
}

void outbound_queue::when_written(std::function<void()> done, std::function<void()> abandoned) {
  write_waiters_.push_back(write_waiter{end_position(), std::move(done), std::move(abandoned)});
}

// Frames before popped_ have all been written once no batch is in flight.
void outbound_queue::call_due_waiters() {
  if (write_waiters_.empty())
    return;
  auto due = std::find_if(write_waiters_.begin(), write_waiters_.end(),
                          [this](const auto& w) { return w.position > popped_; });
  std::vector<std::function<void()>> ready;
  for (auto it = write_waiters_.begin(); it != due; ++it)
    ready.push_back(std::move(it->done));
  write_waiters_.erase(write_waiters_.begin(), due);
  for (auto& done : ready)
    done();
}

void outbound_queue::abandon_waiters() {
  auto waiters = std::move(write_waiters_);
  write_waiters_.clear();
  for (auto& w : waiters)
    if (w.abandoned)
      w.abandoned();
}

void outbound_queue::drop() {
  abandon_waiters();
  queue_.clear();
  newest_by_key_.clear();
  waiting_bytes_ = 0;
}

} // namespace qc

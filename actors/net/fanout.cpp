#include "actors/net/fanout.hpp"

#include <algorithm>

namespace qc {

fanout_shard::fanout_shard(post_function post) : post_(std::move(post)) {}

void fanout_shard::join(topic_id topic, std::string symbol, std::shared_ptr<fanout_sink> sink) {
  post_([this, topic, symbol = std::move(symbol), sink = std::move(sink)]() mutable {
    sink->joined(topic, symbol);
    topics_[topic].push_back(std::move(sink));
  });
}

void fanout_shard::leave(topic_id topic, std::shared_ptr<fanout_sink> sink, bool replaced) {
  post_([this, topic, sink = std::move(sink), replaced] {
    if (auto it = topics_.find(topic); it != topics_.end()) {
      auto& members = it->second;
      // A scan: leaving is rare next to publishing, and a member list stays a plain
      // vector that publishing walks without indirection.
      if (auto m = std::find(members.begin(), members.end(), sink); m != members.end()) {
        *m = std::move(members.back());
        members.pop_back();
      }
      if (members.empty())
        topics_.erase(it);
    }
    sink->left(topic, replaced);
  });
}

void fanout_shard::publish(topic_id topic, shared_frame frame) {
  post_([this, topic, frame = std::move(frame)] { deliver(topic, frame); });
}

void fanout_shard::deliver(topic_id topic, const shared_frame& frame) {
  auto it = topics_.find(topic);
  if (it == topics_.end())
    return;
  // Every connection copies the frame's pointer (its write queue, its replay ring).
  // Pointing through a holder of our own gives those copies a reference count only
  // this strand touches, instead of one every shard's thread bounces between cores.
  shared_frame local(std::make_shared<const shared_frame>(frame), frame.get());
  for (auto& sink : it->second)
    if (sink->take(topic, local))
      dirty_.push_back(sink);
  // The flush queues behind whatever the strand has waiting, more ticks above all, so
  // a backlog is written in as few syscalls as it has connections.
  if (!dirty_.empty() && !flush_posted_) {
    flush_posted_ = true;
    post_([this] { flush_dirty(); });
  }
}

void fanout_shard::flush_dirty() {
  flush_posted_ = false;
  flushing_.swap(dirty_);
  for (auto& sink : flushing_)
    sink->flush();
  flushing_.clear(); // keeps its capacity for the next flush
}

void fanout_shard::clear() {
  topics_.clear();
  dirty_.clear();
  flushing_.clear();
}

} // namespace qc

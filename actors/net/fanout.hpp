#pragma once
// Fan-out without a message per subscriber (DESIGN.md; the spirit of uWebSockets'
// topics). Connections are spread over a few I/O shards, one per Asio thread, each a
// strand that all its connections share. A stream's tick reaches a shard as one post;
// the shard hands the one shared frame to every connection there that subscribes to it,
// by a plain call. Nothing is written yet: the shard posts one flush behind its queued
// work, so when ticks pile up (a hot symbol, a busy moment) each connection writes all of
// its frames in one syscall instead of one syscall per tick.
//
// The session actor still decides what its client sees, and when: a connection holds a
// topic's frames from the moment it joins until its session releases the topic (after
// the subscription's reply and snapshot are written), and it keeps the last replayable
// frames it wrote, in order, for recovery (PROTOCOL.md §7).
//
// No Asio here: a shard is given a function that posts to its strand, so the shard's
// logic is tested with a plain queue.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/messages.hpp" // shared_frame, topic_id, fanout_sink's declaration

namespace qc {

class fanout_shard;

/// A connection as its shard sees it. Every call but shard() is made on the shard's
/// strand, which is the connection's own.
class fanout_sink {
public:
  virtual ~fanout_sink() = default;

  /// The shard this connection lives on; fixed for its lifetime, callable anywhere.
  virtual fanout_shard& shard() = 0;

  /// Now a member of `topic` (a filter group of `symbol`'s stream). Its frames are held
  /// until the session releases the topic.
  virtual void joined(topic_id topic, const std::string& symbol) = 0;

  /// No longer a member. `replaced`: the subscription moved to another connection (a
  /// recovered session's), which this one's session waits to hear of.
  virtual void left(topic_id topic, bool replaced) = 0;

  /// A frame of `topic`, queued or held, not yet written. True: the shard must call
  /// flush() once its queued work is done.
  virtual bool take(topic_id topic, const shared_frame& frame) = 0;

  /// Writes what take() queued.
  virtual void flush() = 0;
};

/// The members of every topic on one strand. join, leave and publish may be called
/// from any thread; each posts its work, and work posted from one thread (one stream
/// actor) runs in the order posted, so a tick published after a join reaches the new
/// member and one published after a leave does not.
class fanout_shard {
public:
  using post_function = std::function<void(std::function<void()>)>;

  /// `post` runs a function later on the shard's strand. The shard must outlive
  /// everything posted (the gateway owns its shards and stops its threads first).
  explicit fanout_shard(post_function post);

  fanout_shard(const fanout_shard&) = delete;
  fanout_shard& operator=(const fanout_shard&) = delete;

  void join(topic_id topic, std::string symbol, std::shared_ptr<fanout_sink> sink);
  void leave(topic_id topic, std::shared_ptr<fanout_sink> sink, bool replaced);
  void publish(topic_id topic, shared_frame frame);

  /// Drops every member at once. Only when no strand thread runs (gateway stop): the
  /// members are connections, and this breaks their last references.
  void clear();

private:
  void deliver(topic_id topic, const shared_frame& frame);
  void flush_dirty();

  post_function post_;
  // On the strand only:
  std::unordered_map<topic_id, std::vector<std::shared_ptr<fanout_sink>>, topic_hash> topics_;
  std::vector<std::shared_ptr<fanout_sink>> dirty_; // took frames since the last flush
  std::vector<std::shared_ptr<fanout_sink>> flushing_;
  bool flush_posted_ = false;
};

} // namespace qc

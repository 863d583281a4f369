#pragma once
// The state of one symbol's market data stream (PROTOCOL.md §5, §8), without the actor
// around it: what came in (deduplicated, sequenced, the last value, a bounded ring of
// recent ticks) and who gets it (subscribers grouped by field filter). Pure C++, so the
// stream actor stays a thin shell and this is tested without an actor system.
//
// Everything input can grow is bounded: the ring by its capacity in ticks and in bytes
// (protocol::tick_bytes), the seen ids by the
// ring (an id leaves the window with its tick), the filter groups by the subscribers
// (a group goes with its last subscriber).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "protocol/client_events.hpp"
#include "protocol/stream_data.hpp"

namespace qc {

/// An accepted tick as the stream stamped it.
struct stream_tick {
  protocol::tick tick;
  std::int64_t timestamp_ms; // the tick's own, or its receive time
  std::uint64_t seq;         // 1, 2, 3, ... with no gaps
  std::size_t bytes;         // protocol::tick_bytes of `tick`, as the ring counts it
};

/// The tick side of a stream. Not a template, so its code is compiled once in
/// stream_book.cpp; stream_book<Subscriber> below adds the subscribers.
class stream_history {
public:
  enum class verdict { accepted, duplicate };

  /// ring_capacity: ticks kept for recent() and the id window; at least 1, because the
  /// last value is the ring's newest tick. ring_bytes: the ticks' bytes kept; past it
  /// the oldest go, but never the newest (the last value), whatever its size.
  stream_history(std::string symbol, std::size_t ring_capacity,
                 std::size_t ring_bytes = static_cast<std::size_t>(-1));

  const std::string& symbol() const { return symbol_; }

  /// A duplicate (its `id` is in the ring, or its fields equal the last tick's apart from
  /// `timestamp` and `id`) is counted and dropped. Otherwise the tick gets the next seq
  /// and a timestamp (its own, else now_ms, which is then also added to its fields as
  /// "timestamp" so subscribers asking for that field get it), becomes the last value
  /// and enters the ring, evicting the oldest ticks past either capacity.
  verdict add(protocol::tick t, std::int64_t now_ms);

  /// The newest accepted tick; null before the first.
  const stream_tick* last() const { return ring_.empty() ? nullptr : &ring_.back(); }

  /// The newest `limit` ticks of the ring, oldest first. The pointers are valid until
  /// the next add().
  std::vector<const stream_tick*> recent(std::size_t limit) const;

  /// The ring, oldest first (for walking it backwards without copying).
  const std::deque<stream_tick>& ring() const { return ring_; }

  // Counters for statistics (PROTOCOL.md §8).
  std::uint64_t accepted() const { return seq_; } // seq has no gaps: it counts them
  std::uint64_t duplicates_dropped() const { return duplicates_; }
  std::size_t buffer_size() const { return ring_.size(); }
  std::size_t buffer_bytes() const { return bytes_; }
  std::size_t ring_capacity() const { return capacity_; }
  std::size_t ring_capacity_bytes() const { return capacity_bytes_; }
  std::int64_t last_update_ms() const { return last_update_ms_; } // receive time of the last accepted tick; 0 before
  std::uint64_t deliveries() const { return deliveries_; }
  void count_deliveries(std::uint64_t n) { deliveries_ += n; } // the actor knows what it sent

private:
  bool is_duplicate(const protocol::tick& t) const;

  std::string symbol_;
  std::size_t capacity_;
  std::size_t capacity_bytes_;
  std::size_t bytes_ = 0; // sum of ring_[i].bytes
  std::deque<stream_tick> ring_;
  std::unordered_set<std::string> ids_; // ids of the ticks in ring_ (unique: a repeat is a duplicate)
  std::uint64_t seq_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t deliveries_ = 0;
  std::int64_t last_update_ms_ = 0;
};

/// One symbol's stream: its ticks (stream_history) and its subscribers.
///
/// Subscriber is whatever the owner sends to (the stream actor: a caf::actor; tests: an
/// int). Holding it here, next to the sid, lets the owner walk each filter group and
/// send to its members with no lookup and no allocation per tick, and keeps this
/// header free of CAF. Subscribers are grouped by their normalised filter so each tick
/// is encoded once per distinct filter. A member's place in its group is kept in the
/// sid index, so unsubscribing is O(1) (swap with the group's last member), not a scan.
template <class Subscriber>
class stream_book : public stream_history {
public:
  struct member {
    std::string sid;
    Subscriber subscriber;
  };

  explicit stream_book(std::string symbol, std::size_t ring_capacity = 1000,
                       std::size_t ring_bytes = static_cast<std::size_t>(-1))
    : stream_history(std::move(symbol), ring_capacity, ring_bytes) {}

  /// Adds `sid`, or for a sid already here replaces its subscriber and filter (moving
  /// it to the new filter's group). True if the sid is new.
  bool subscribe(const std::string& sid, Subscriber subscriber, protocol::field_filter f) {
    if (const auto it = slots_.find(sid); it != slots_.end()) {
      member m = take(it->second);
      m.subscriber = std::move(subscriber);
      place(std::move(m), std::move(f));
      return false;
    }
    place(member{sid, std::move(subscriber)}, std::move(f));
    peak_ = std::max(peak_, slots_.size());
    return true;
  }

  /// Changes the filter of a subscribed sid (stream_filter_update); false if `sid` is
  /// not subscribed.
  bool set_filter(const std::string& sid, protocol::field_filter f) {
    const auto it = slots_.find(sid);
    if (it == slots_.end())
      return false;
    if (it->second.group->first != f)
      place(take(it->second), std::move(f));
    return true;
  }

  /// False if `sid` was not subscribed.
  bool unsubscribe(const std::string& sid) {
    const auto it = slots_.find(sid);
    if (it == slots_.end())
      return false;
    take(it->second);
    slots_.erase(it);
    return true;
  }

  bool has_subscriber(const std::string& sid) const { return slots_.contains(sid); }

  /// Where `sid` is: its member entry and its group's id (unique in this book, never
  /// reused, so a stream's topics stay apart). Valid until the next change.
  struct placement {
    const member* entry;
    std::uint64_t group;
  };
  std::optional<placement> find(const std::string& sid) const {
    const auto it = slots_.find(sid);
    if (it == slots_.end())
      return std::nullopt;
    auto& g = it->second.group->second;
    return placement{&g.members[it->second.index], g.id};
  }

  /// The filter of `sid`, or null if it is not subscribed.
  const protocol::field_filter* filter_of(const std::string& sid) const {
    const auto it = slots_.find(sid);
    return it == slots_.end() ? nullptr : &it->second.group->first;
  }

  std::size_t subscriber_count() const { return slots_.size(); }
  std::size_t peak_subscribers() const { return peak_; }
  std::size_t group_count() const { return groups_.size(); }

  /// Calls f(const protocol::field_filter&, std::uint64_t group_id,
  /// std::span<const member>) once per distinct filter; no group is empty. f must not
  /// subscribe or unsubscribe (that would move the members under it); collect such
  /// changes and apply them afterwards.
  template <class F>
  void for_each_group(F&& f) const {
    for (const auto& [filter, g] : groups_)
      f(filter, g.id, std::span<const member>(g.members));
  }

private:
  struct group {
    std::uint64_t id = 0;
    std::vector<member> members;
  };
  // std::map: its iterators stay valid while other groups come and go, so a slot can
  // point at its group.
  using group_map = std::map<protocol::field_filter, group>;
  struct slot {
    typename group_map::iterator group;
    std::size_t index; // in group->second
  };

  // Puts m into the group of f (creating it) and points m.sid's slot there.
  void place(member m, protocol::field_filter f) {
    const auto [group, created] = groups_.try_emplace(std::move(f));
    if (created)
      group->second.id = ++groups_made_;
    auto& members = group->second.members;
    members.push_back(std::move(m));
    slots_.insert_or_assign(members.back().sid, slot{group, members.size() - 1});
  }

  // Removes the member at s from its group (dropping the group when it empties) and
  // returns it. The slot itself stays; the caller re-places or erases it.
  member take(const slot& s) {
    auto& members = s.group->second.members;
    member m = std::move(members[s.index]);
    if (s.index + 1 != members.size()) {
      members[s.index] = std::move(members.back());
      slots_.find(members[s.index].sid)->second.index = s.index;
    }
    members.pop_back();
    if (members.empty())
      groups_.erase(s.group);
    return m;
  }

  group_map groups_;
  std::uint64_t groups_made_ = 0;
  std::unordered_map<std::string, slot> slots_; // sid -> where its member is
  std::size_t peak_ = 0;
};

} // namespace qc

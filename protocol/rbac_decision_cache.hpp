#pragma once
// The authorizer's memory of decisions: (sorted subjects, object, action) -> allowed.
// Bounded (the oldest entry of a shard goes first) and shared by every thread that asks:
// the key space is split over shards, each with its own mutex, so two sessions asking at
// once rarely wait for each other.

#include <array>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "protocol/rbac_role_graph.hpp"

namespace qc::rbac {

class decision_cache {
public:
  /// Keys longer than this are not remembered (a token's roles are bounded by the token
  /// size; this keeps one entry's memory bounded however they grow).
  static constexpr std::size_t max_key_bytes = 2048;

  /// `capacity` 0: nothing is remembered.
  explicit decision_cache(std::size_t capacity);

  std::optional<bool> find(std::string_view key) const;
  void remember(std::string_view key, bool allowed);

  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }

private:
  static constexpr std::size_t shard_count = 16;
  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, bool, string_hash, std::equal_to<>> decisions;
    std::deque<std::string> order; // insertion order, for eviction
  };
  shard& shard_of(std::string_view key) const;

  std::size_t capacity_;
  std::size_t shards_used_;
  std::size_t per_shard_; // shards_used_ * per_shard_ <= capacity_
  mutable std::array<shard, shard_count> shards_;
};

} // namespace qc::rbac

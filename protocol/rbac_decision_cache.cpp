#include "protocol/rbac_decision_cache.hpp"

#include <algorithm>

namespace qc::rbac {

decision_cache::decision_cache(std::size_t capacity)
  // Fewer shards than entries would let the shards together hold more than `capacity`.
  : capacity_(capacity), shards_used_(std::min(capacity, shard_count)),
    per_shard_(shards_used_ == 0 ? 0 : capacity / shards_used_) {
}

decision_cache::shard& decision_cache::shard_of(std::string_view key) const {
  return shards_[string_hash{}(key) % shards_used_];
}

std::optional<bool> decision_cache::find(std::string_view key) const {
  if (capacity_ == 0)
    return std::nullopt;
  auto& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  auto it = s.decisions.find(key);
  if (it == s.decisions.end())
    return std::nullopt;
  return it->second;
}

void decision_cache::remember(std::string_view key, bool allowed) {
  if (capacity_ == 0 || key.size() > max_key_bytes)
    return;
  auto& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  if (s.decisions.find(key) != s.decisions.end())
    return; // another thread decided the same question first
  while (s.decisions.size() >= per_shard_) {
    s.decisions.erase(s.order.front());
    s.order.pop_front();
  }
  s.decisions.emplace(std::string(key), allowed);
  s.order.emplace_back(key);
}

std::size_t decision_cache::size() const {
  std::size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.decisions.size();
  }
  return n;
}

} // namespace qc::rbac

#include "actors/market/stream_book.hpp"

#include <algorithm>
#include <string_view>

#include "protocol/json.hpp"

namespace qc {

namespace {

// `timestamp` and `id` say when and which, not what: a tick that differs from the last
// one only in them carries no news.
bool compared(std::string_view name) {
  return name != "timestamp" && name != "id";
}

using field_list = decltype(protocol::tick::fields);

std::ptrdiff_t compared_count(const field_list& fields) {
  return std::ranges::count_if(fields, [](const auto& f) { return compared(f.first); });
}

} // namespace

stream_history::stream_history(std::string symbol, std::size_t ring_capacity,
                               std::size_t ring_bytes)
  : symbol_(std::move(symbol)),
    capacity_(std::max<std::size_t>(ring_capacity, 1)),
    capacity_bytes_(ring_bytes) {}

stream_history::verdict stream_history::add(protocol::tick t, std::int64_t now_ms) {
  if (is_duplicate(t)) {
    ++duplicates_;
    return verdict::duplicate;
  }
  if (!t.timestamp_ms) {
    t.timestamp_ms = now_ms;
    std::string text;
    protocol::append_integer(text, now_ms);
    t.fields.emplace_back("timestamp", std::move(text));
  }
  if (t.id)
    ids_.insert(*t.id);
  const std::int64_t ts = *t.timestamp_ms;
  const std::size_t size = protocol::tick_bytes(t);
  ring_.push_back(stream_tick{std::move(t), ts, ++seq_, size});
  bytes_ += size;
  last_update_ms_ = now_ms;
  // The newest tick is the last value: it stays even when it alone is over the bytes.
  while (ring_.size() > 1 && (ring_.size() > capacity_ || bytes_ > capacity_bytes_)) {
    if (const auto& evicted = ring_.front().tick.id)
      ids_.erase(*evicted);
    bytes_ -= ring_.front().bytes;
    ring_.pop_front();
  }
  return verdict::accepted;
}

std::vector<const stream_tick*> stream_history::recent(std::size_t limit) const {
  const std::size_t n = std::min(limit, ring_.size());
  std::vector<const stream_tick*> out;
  out.reserve(n);
  for (auto it = ring_.end() - static_cast<std::ptrdiff_t>(n); it != ring_.end(); ++it)
    out.push_back(&*it);
  return out;
}

bool stream_history::is_duplicate(const protocol::tick& t) const {
  if (t.id && ids_.contains(*t.id))
    return true;
  const stream_tick* prev = last();
  if (!prev)
    return false;
  // Same fields with the same raw JSON values, in any order. Publishers normally keep
  // their order, so look at the same position first: linear in the usual case.
  const auto& before = prev->tick.fields;
  if (compared_count(t.fields) != compared_count(before))
    return false;
  for (std::size_t i = 0; i < t.fields.size(); ++i) {
    const auto& field = t.fields[i];
    if (!compared(field.first))
      continue;
    if (i < before.size() && before[i] == field)
      continue;
    if (std::ranges::find(before, field) == before.end())
      return false;
  }
  return true;
}

} // namespace qc

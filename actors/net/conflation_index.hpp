#pragma once
// Which waiting frame is the newest of each conflation key (for stream_data, a
// symbol), by its position in the outbound queue. The index owns its keys: nothing in
// it points into frame bytes that a replaced or written frame frees. Keys are symbols,
// short enough for std::string's inline buffer, so owning one allocates nothing.
// Pure C++, tested on its own (tests/unit/test_outbound_queue.cpp).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace qc {

class conflation_index {
public:
  /// The position of the newest waiting frame with `key`, if one is tracked.
  std::optional<std::uint64_t> newest(std::string_view key) const {
    auto it = newest_.find(key);
    if (it == newest_.end())
      return std::nullopt;
    return it->second;
  }

  /// The frame at `position` is now the newest with `key`.
  void remember(std::string_view key, std::uint64_t position) {
    if (auto it = newest_.find(key); it != newest_.end())
      it->second = position;
    else
      newest_.emplace(key, position);
  }

  /// The frame at `position` left the queue: if it was its key's newest, no frame of
  /// that key waits any more.
  void forget_if_newest(std::string_view key, std::uint64_t position) {
    if (auto it = newest_.find(key); it != newest_.end() && it->second == position)
      newest_.erase(it);
  }

  bool empty() const { return newest_.empty(); }
  std::size_t size() const { return newest_.size(); }
  void clear() { newest_.clear(); }

private:
  /// Looks keys up by string_view without building a std::string.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };

  std::unordered_map<std::string, std::uint64_t, key_hash, std::equal_to<>> newest_;
};

} // namespace qc

#pragma once
// The last packets a session received, oldest first, kept to replay what a client
// missed across a reconnect (PROTOCOL.md §7). A ring over a std::vector that grows only
// as packets arrive and up to the bound it is given, so an idle session costs nothing
// (a default std::deque allocates ~600 bytes up front, which 19,000 idle connections
// would pay for nothing). Bounded by count and by bytes (what `Weigh` says an element
// holds): a count alone let 256 large room messages pin ~50 MB per connection.
// Pure C++, no CAF: tested on its own.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace qc {

/// Every element weighs one byte: a buffer bounded by count only.
struct unit_weight {
  template <class T>
  std::size_t operator()(const T&) const { return 1; }
};

template <class T, class Weigh = unit_weight>
class replay_buffer {
public:
  static constexpr std::size_t unbounded = std::numeric_limits<std::size_t>::max();

  /// Appends `x`. While more than `bound` are held, or they weigh more than
  /// `bound_bytes`, the oldest are evicted (`x` itself too, if it alone weighs more),
  /// each passed to `evicted(T&&, number)`; `number` counts pushes from 0, so a caller
  /// can tell which ones arrived after a given moment (see pushed()).
  template <class Evicted>
  void push(T x, std::size_t bound, std::size_t bound_bytes, Evicted&& evicted) {
    auto weight = Weigh{}(x);
    if (size_ < slots_.size()) {
      slots_[index(size_)] = std::move(x);
      ++size_;
      bytes_ += weight;
    } else if (slots_.size() < bound) {
      linearize();
      slots_.push_back(std::move(x));
      ++size_;
      bytes_ += weight;
    } else if (!slots_.empty()) { // full at the bound: overwrite the oldest
      evict_front(evicted);
      slots_[index(size_)] = std::move(x);
      ++size_;
      bytes_ += weight;
    }
    ++pushed_;
    while (size_ > bound || (size_ > 0 && bytes_ > bound_bytes))
      evict_front(evicted);
  }

  template <class Evicted>
  void push(T x, std::size_t bound, Evicted&& evicted) {
    push(std::move(x), bound, unbounded, std::forward<Evicted>(evicted));
  }

  /// Evicts the oldest held element (see push()); false if there is none.
  template <class Evicted>
  bool drop_oldest(Evicted&& evicted) {
    if (size_ == 0)
      return false;
    evict_front(evicted);
    return true;
  }

  std::size_t size() const { return size_; }
  /// What the held elements weigh together.
  std::size_t bytes() const { return bytes_; }
  bool empty() const { return size_ == 0; }
  /// Packets ever pushed; the oldest held one has number pushed() - size().
  std::uint64_t pushed() const { return pushed_; }
  /// Some packet was evicted since the last take(): the buffer no longer reaches back
  /// to the beginning.
  bool overrun() const { return overrun_; }

  /// The i-th oldest held packet.
  const T& operator[](std::size_t i) const { return slots_[index(i)]; }

  /// Hands over everything held, oldest first, and forgets the overrun; the storage
  /// is released (pushed() keeps counting).
  std::vector<T> take() {
    linearize();
    slots_.resize(size_);
    std::vector<T> out = std::move(slots_);
    slots_ = {};
    size_ = 0;
    bytes_ = 0;
    head_ = 0;
    overrun_ = false;
    return out;
  }

private:
  std::size_t index(std::size_t i) const { return (head_ + i) % slots_.size(); }

  template <class Evicted>
  void evict_front(Evicted& evicted) {
    auto number = pushed_ - size_;
    T oldest = std::move(slots_[head_]);
    slots_[head_] = T{};
    head_ = (head_ + 1) % slots_.size();
    --size_;
    bytes_ -= Weigh{}(oldest);
    overrun_ = true;
    evicted(std::move(oldest), number);
  }

  // Puts the oldest at slots_[0], so the vector can grow at its end.
  void linearize() {
    if (head_ == 0)
      return;
    std::vector<T> ordered;
    ordered.reserve(slots_.size());
    for (std::size_t i = 0; i < size_; ++i)
      ordered.push_back(std::move(slots_[index(i)]));
    slots_ = std::move(ordered);
    head_ = 0;
  }

  std::vector<T> slots_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
  std::uint64_t pushed_ = 0;
  bool overrun_ = false;
};

} // namespace qc

#pragma once
// Items one thread (a session actor) hands to another (its connection's strand). The
// giver appends under a lock; it is told to post a drain only when the inbox goes from
// empty to not empty, so everything handed over while the strand is busy shares one
// post. The taker swaps the items out and works through them without the lock. Both
// vectors keep their capacity, so nothing is allocated per hand-over once warm.
// Pure C++, tested in tests/unit/test_handover_inbox.cpp.

#include <mutex>
#include <utility>
#include <vector>

namespace qc {

template <class Item>
class handover_inbox {
public:
  /// Any thread: `fill(std::vector<Item>&)` appends. True: the caller must post one
  /// drain (no drain is pending yet).
  template <class Fill>
  bool add(Fill&& fill) {
    std::lock_guard lock(mutex_);
    fill(inbox_);
    return !std::exchange(drain_posted_, true);
  }

  /// The taker's thread only: everything added so far, oldest first, for the caller to
  /// consume and then clear (the next take() reuses the vector). After it, the next
  /// add() asks for a drain again.
  std::vector<Item>& take() {
    std::lock_guard lock(mutex_);
    draining_.swap(inbox_);
    drain_posted_ = false;
    return draining_;
  }

private:
  std::mutex mutex_;
  std::vector<Item> inbox_;     // guarded by mutex_
  bool drain_posted_ = false;   // guarded by mutex_
  std::vector<Item> draining_;  // the taker's only
};

} // namespace qc

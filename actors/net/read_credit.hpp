#pragma once
// Read flow control between a connection and its session: the connection counts the
// frames it sent the session and the session says when it handled one. Reading stops
// while `Limit` frames wait in the session's mailbox, so a client that sends faster
// than its session works is held back by TCP, not buffered; it resumes once the session
// is down to half of that. Thread-safe (the two sides run on different threads).
// Pure C++, tested in tests/unit/test_read_credit.cpp.

#include <atomic>
#include <cstddef>

namespace qc {

template <std::size_t Limit>
class read_credit {
public:
  static_assert(Limit >= 2, "resuming at half the limit needs a half");

  /// The reader sent the session one more frame. True: stop reading now.
  bool forwarded() { return ++unhandled_ >= Limit; }

  /// The session handled one. True when the count comes down to half the limit: once
  /// per pause, so the caller posts a resume rarely, and now and then without a pause
  /// (the count rose past half and fell back), which the caller must ignore.
  bool consumed() { return --unhandled_ == Limit / 2; }

  std::size_t unhandled() const { return unhandled_.load(); }

private:
  std::atomic<std::size_t> unhandled_{0};
};

} // namespace qc

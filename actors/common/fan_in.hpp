#pragma once
// The gathering side of a fan-out of requests: counts the answers still outstanding,
// so that whichever arrives last (an answer or an error alike) runs the continuation.
// Pure: it needs neither CAF nor Asio; the caller keeps it alive (usually in a
// shared_ptr its response handlers capture).

#include <cassert>
#include <cstddef>

namespace qc {

class fan_in {
public:
  explicit fan_in(std::size_t expected = 0) : outstanding_(expected) {}

  /// `more` requests went out.
  void expect(std::size_t more = 1) { outstanding_ += more; }

  /// One answer arrived: runs `last` if it was the last one expected.
  template <class Last>
  void arrived(Last&& last) {
    assert(outstanding_ > 0);
    if (--outstanding_ == 0)
      last();
  }

  std::size_t outstanding() const { return outstanding_; }

private:
  std::size_t outstanding_;
};

} // namespace qc

#pragma once
// A token bucket: `rate` events per second on average, bursts up to `rate`.

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace qc {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(std::size_t rate)
    : rate_(static_cast<double>(rate)), tokens_(rate_), last_(clock::now()) {
  }

  /// Takes one token; false when the bucket is empty (the event is refused).
  bool allow(clock::time_point now = clock::now()) {
    std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min(rate_, tokens_ + elapsed.count() * rate_);
    if (tokens_ < 1.0)
      return false;
    tokens_ -= 1.0;
    return true;
  }

private:
  double rate_;
  double tokens_;
  clock::time_point last_;
};

} // namespace qc

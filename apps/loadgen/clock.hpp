#pragma once
// The two clocks: monotonic nanoseconds for pacing and timeouts, and wall-clock
// microseconds for the ticks' send times (publisher and subscribers are in the same
// process, so the wall clock is the same on both ends; Socket.IO peers see an epoch).

#include <time.h>

#include <cstdint>

namespace qc::loadgen {

inline std::int64_t mono_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

inline std::int64_t wall_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline double seconds_between(std::int64_t from_ns, std::int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

} // namespace qc::loadgen

#pragma once
#include <chrono>
#include <cstdint>

namespace qc {

/// Wall-clock milliseconds since the Unix epoch: every timestamp on the wire.
inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace qc

#pragma once
// State shared by the gateway and its connections (Beast-side only): counters and the
// registry of open WebSocket connections used for limits and shutdown.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "actors/gateway.hpp"

namespace qc {

class ws_connection;

struct gateway_shared {
  std::shared_ptr<const settings> cfg;
  gateway_hooks hooks;

  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> slow_consumers{0};
  std::atomic<std::uint64_t> oversize{0};
  std::atomic<std::uint64_t> incomplete{0}; // closed: a begun message not finished in time
  std::atomic<std::uint64_t> floods{0};     // closed: over the inbound budget for too long
  std::atomic<std::uint64_t> conflated{0}; // queued frames replaced by a newer one of their key

  mutable std::mutex mutex;
  std::unordered_map<const ws_connection*, std::weak_ptr<ws_connection>> open;

  std::size_t open_count() const {
    std::lock_guard guard{mutex};
    return open.size();
  }
};

} // namespace qc

#pragma once
// State shared by the gateway and its connections (Beast-side only): counters and the
// registry of open WebSocket connections used for limits and shutdown.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "actors/net/gateway.hpp"

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
  std::atomic<std::uint64_t> http_open{0};  // accepted connections not (yet) upgraded
  std::atomic<std::uint64_t> http_refused{0};       // 503 at accept: max-http-connections
  std::atomic<std::uint64_t> address_refused{0};    // 503 at accept: max-connections-per-address
  std::atomic<std::uint64_t> descriptor_shortages{0}; // accept failed with EMFILE/ENFILE
  std::atomic<std::uint64_t> bad_requests{0};       // answered 400/408/413/414/431
  std::atomic<std::uint64_t> origin_refused{0};     // upgrades refused 403 for their Origin

  mutable std::mutex mutex;
  std::unordered_map<const ws_connection*, std::weak_ptr<ws_connection>> open;

  std::size_t open_count() const {
    std::lock_guard guard{mutex};
    return open.size();
  }

  // Connections per peer address, HTTP and WebSocket alike (limits.max-connections-per-address).
  std::mutex address_mutex;
  std::unordered_map<std::string, std::size_t> per_address;
};

/// One connection's place in the per-address count: taken at accept, handed from the
/// HTTP session to its WebSocket, given back when the last owner goes.
class address_ticket {
public:
  address_ticket() = default;
  /// Takes a place for `address`; false (and no place) when the address has `cap` already.
  bool take(std::shared_ptr<gateway_shared> shared, std::string address, std::size_t cap) {
    {
      std::lock_guard guard{shared->address_mutex};
      auto& count = shared->per_address[address];
      if (cap > 0 && count >= cap) {
        if (count == 0)
          shared->per_address.erase(address);
        return false;
      }
      ++count;
    }
    shared_ = std::move(shared);
    address_ = std::move(address);
    return true;
  }
  address_ticket(address_ticket&& other) noexcept
    : shared_(std::move(other.shared_)), address_(std::move(other.address_)) {
    other.shared_.reset();
  }
  address_ticket& operator=(address_ticket&& other) noexcept {
    if (this != &other) {
      give_back();
      shared_ = std::move(other.shared_);
      address_ = std::move(other.address_);
      other.shared_.reset();
    }
    return *this;
  }
  address_ticket(const address_ticket&) = delete;
  address_ticket& operator=(const address_ticket&) = delete;
  ~address_ticket() { give_back(); }

private:
  void give_back() {
    if (!shared_)
      return;
    std::lock_guard guard{shared_->address_mutex};
    if (auto it = shared_->per_address.find(address_); it != shared_->per_address.end()
                                                     && --it->second == 0)
      shared_->per_address.erase(it); // an address seen once costs nothing afterwards
    shared_.reset();
  }

  std::shared_ptr<gateway_shared> shared_;
  std::string address_;
};

} // namespace qc

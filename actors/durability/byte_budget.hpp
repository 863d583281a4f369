#pragma once
// A byte budget that many holders draw on: the broker-wide bound on what dropped
// sessions keep for their clients (recovery.parked-total-bytes). Each holder charges
// what it holds through a lease, which gives it all back when the holder goes.
// Lock-free, so a session charges it as packets arrive, from whichever scheduler
// thread runs it, without a message to anybody per packet. Pure C++: tested on its own.

#include <atomic>
#include <cstddef>
#include <memory>
#include <utility>

namespace qc {

class byte_budget {
public:
  explicit byte_budget(std::size_t limit) : limit_(limit) {}

  /// Takes `n` bytes if that keeps the total within the limit; else takes nothing.
  bool try_take(std::size_t n) {
    auto used = used_.load(std::memory_order_relaxed);
    do {
      if (n > limit_ - used)
        return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }

  void give_back(std::size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }

  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

/// One holder's share of a byte_budget. Without a budget every charge succeeds.
class budget_lease {
public:
  budget_lease() = default;
  explicit budget_lease(std::shared_ptr<byte_budget> budget) : budget_(std::move(budget)) {}
  budget_lease(const budget_lease&) = delete;
  budget_lease& operator=(const budget_lease&) = delete;
  budget_lease(budget_lease&& other) noexcept
    : budget_(std::move(other.budget_)), charged_(std::exchange(other.charged_, 0)) {}
  budget_lease& operator=(budget_lease&& other) noexcept {
    if (this != &other) {
      charge(0);
      budget_ = std::move(other.budget_);
      charged_ = std::exchange(other.charged_, 0);
    }
    return *this;
  }
  ~budget_lease() { charge(0); }

  /// Makes this holder's share `bytes`: takes or gives back the difference. False,
  /// and the share unchanged, if the budget cannot give that much more.
  bool charge(std::size_t bytes) {
    if (!budget_) {
      charged_ = bytes;
      return true;
    }
    if (bytes > charged_) {
      if (!budget_->try_take(bytes - charged_))
        return false;
    } else if (bytes < charged_) {
      budget_->give_back(charged_ - bytes);
    }
    charged_ = bytes;
    return true;
  }

  std::size_t charged() const { return charged_; }

private:
  std::shared_ptr<byte_budget> budget_;
  std::size_t charged_ = 0;
};

} // namespace qc

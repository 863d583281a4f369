#pragma once
// What one connection may send (PROTOCOL-NOTES "Inbound budget"): messages per second
// (token bucket, burst = rate) and bytes per second (token bucket, burst = the rate or
// the largest message, whichever is more). Charged when a message arrives, before its
// JSON is parsed, so refusing costs nothing but the check. A connection refused in
// each of `flood_seconds` consecutive seconds keeps flooding and is to be closed.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace qc {

class inbound_budget {
public:
  using clock = std::chrono::steady_clock;

  enum class verdict { accept, refuse, flooding };

  inbound_budget(std::size_t messages_per_second, std::size_t bytes_per_second,
                 std::size_t max_message_bytes, std::size_t flood_seconds,
                 clock::time_point now = clock::now())
    : message_rate_(static_cast<double>(messages_per_second)),
      messages_(message_rate_),
      byte_rate_(static_cast<double>(bytes_per_second)),
      byte_burst_(static_cast<double>(std::max(bytes_per_second, max_message_bytes))),
      bytes_(byte_burst_),
      flood_seconds_(flood_seconds),
      start_(now),
      last_(now) {
  }

  /// One message of `bytes`: takes a message token and the bytes, or refuses it and
  /// takes nothing (`flooding` is a refusal that ends a streak of flood_seconds).
  verdict admit(std::size_t bytes, clock::time_point now = clock::now()) {
    refill(now);
    auto need = static_cast<double>(bytes);
    if (messages_ < 1.0 || bytes_ < need)
      return refused(now);
    messages_ -= 1.0;
    bytes_ -= need;
    return verdict::accept;
  }

  /// Bytes that are taken in whatever the budget says (a pong, the attachments of an
  /// admitted packet): they may overdraw the byte bucket, down to minus one burst, so
  /// the messages after them wait until the debt is paid.
  void charge(std::size_t bytes, clock::time_point now = clock::now()) {
    refill(now);
    bytes_ = std::max(-byte_burst_, bytes_ - static_cast<double>(bytes));
  }

private:
  void refill(clock::time_point now) {
    std::chrono::duration<double> elapsed = now - last_;
    if (elapsed.count() <= 0)
      return;
    last_ = now;
    messages_ = std::min(message_rate_, messages_ + elapsed.count() * message_rate_);
    bytes_ = std::min(byte_burst_, bytes_ + elapsed.count() * byte_rate_);
  }

  // Counts the seconds (since the start) in which something was refused: a refusal in
  // the second right after the last one's lengthens the streak, a gap restarts it.
  verdict refused(clock::time_point now) {
    auto second = std::chrono::duration_cast<std::chrono::seconds>(now - start_).count();
    if (second != last_refused_second_) {
      streak_ = second == last_refused_second_ + 1 ? streak_ + 1 : 1;
      last_refused_second_ = second;
    }
    return streak_ >= flood_seconds_ ? verdict::flooding : verdict::refuse;
  }

  double message_rate_;
  double messages_;
  double byte_rate_;
  double byte_burst_;
  double bytes_;
  std::size_t flood_seconds_;
  clock::time_point start_;
  clock::time_point last_;
  std::int64_t last_refused_second_ = -2;
  std::size_t streak_ = 0;
};

} // namespace qc

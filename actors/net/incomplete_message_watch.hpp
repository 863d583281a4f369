#pragma once
// A message the peer began must be whole within limits.incomplete-message-timeout:
// fragments or a frame's payload trickled in slowly must not pin a connection (and up
// to max-payload bytes of it) for ever. This decides when to look again and when the
// message is overdue; the connection owns the timer. Pure C++, tested in
// tests/unit/test_incomplete_message_watch.cpp.

#include <chrono>
#include <cstdint>
#include <optional>

namespace qc {

class incomplete_message_watch {
public:
  using clock = std::chrono::steady_clock;

  /// Message number `begun` (the parser's count) is unfinished at `now`. Returns when
  /// to check it, unless a check is pending already.
  std::optional<clock::time_point> unfinished(std::uint64_t begun, clock::time_point now,
                                              clock::duration timeout) {
    if (begun != message_) {
      message_ = begun;
      since_ = now;
    }
    if (armed_)
      return std::nullopt;
    armed_ = true;
    return since_ + timeout;
  }

  /// The pending check ran (or was cancelled).
  void checked() { armed_ = false; }

  /// At a check, with message number `begun` still unfinished: true if it is the same
  /// message, unfinished for the whole `timeout`. Unread input waiting for the session
  /// (`reader_paused`) is our delay, not the peer's, and a message begun since the
  /// last check gets its own full time: both start the count again.
  bool overdue(std::uint64_t begun, bool reader_paused, clock::time_point now,
               clock::duration timeout) {
    if (reader_paused || begun != message_) {
      message_ = begun;
      since_ = now;
      return false;
    }
    return now - since_ >= timeout;
  }

private:
  std::uint64_t message_ = 0;
  clock::time_point since_;
  bool armed_ = false;
};

} // namespace qc

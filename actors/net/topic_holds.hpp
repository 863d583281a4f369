#pragma once
// The stream filter groups ("topics") one connection is a direct member of, and the
// frames it holds back for each. A new member holds a topic's frames until its session
// releases the topic, after writing the subscription's reply and snapshot
// (docs/DEVELOPMENT.md, "Order rules"). At most max_held_frames wait per topic: past
// that the oldest goes (a session that late is conflated like a slow client, and the
// client is told how many it missed when the rest are written).
//
// Pure C++ on the connection's strand: no socket, no Asio, and nothing of CAF but the
// frame types from actors/messages.hpp. Tested in tests/unit/test_topic_holds.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/messages.hpp" // shared_frame, topic_id

namespace qc {

class topic_holds {
public:
  static constexpr std::size_t max_held_frames = 1024;

  enum class take_result {
    not_held,     // write it now
    held,         // kept until release()
    held_dropped, // kept, and the oldest held frame of its topic dropped for it
  };

  /// What release() lets go, oldest first; `skipped` held frames were dropped before
  /// the first of them.
  struct released {
    std::vector<shared_frame> frames;
    std::uint64_t skipped = 0;
  };

  /// Now a member of `topic` (of `symbol`'s stream); `hold`: keep its frames until
  /// released (false once the connection has closed: nothing is held then).
  void join(topic_id topic, const std::string& symbol, bool hold);

  /// No longer a member: its symbol, or nothing if it was not one. Held frames go.
  std::optional<std::string> leave(topic_id topic);

  /// Holds `frame` if its topic is held.
  take_result take(topic_id topic, const shared_frame& frame);

  /// Stops holding `topic` and hands over what it held; empty if it was not held.
  released release(topic_id topic);

  /// Stops holding every topic (the connection closed): the replayable held frames are
  /// appended to `replayable`, in order, the rest dropped.
  void stop_holding(std::vector<shared_frame>& replayable);

  std::size_t members() const { return topics_.size(); }
  std::size_t holding() const { return holding_; }

private:
  struct membership {
    topic_id id;
    std::string symbol;
    bool holding = true;
    std::vector<shared_frame> held;
    std::uint64_t skipped = 0;
  };

  membership* find(topic_id topic);

  std::vector<membership> topics_;
  std::size_t holding_ = 0; // topics whose frames are held: 0 skips the search per frame
};

} // namespace qc

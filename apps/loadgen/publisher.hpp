#pragma once
// The publisher's messages, round-robin over the topics. fanout: ticks, each carrying
// its send time ("ts_us", microseconds since the epoch) and a counter ("n") so that no
// two ticks of a symbol are equal (the broker drops duplicates), batched into publish
// events with an ack id. rooms: one room_message event per message, message_type
// "data", content "<seq>:<ts_us>" with seq counting per room from 1 (wire.hpp). It
// counts what it sent per topic, which, times the subscribers (members) of that topic,
// is the number of deliveries to expect; and what the broker refused (a publish ack
// with ok:false, or an `error` event on the publisher connection).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "apps/loadgen/options.hpp"
#include "apps/loadgen/wire.hpp"

namespace qc::loadgen {

class publisher {
public:
  explicit publisher(const options& o);

  /// Builds one message stamped `now_us`: a publish event with `count` ticks, or in
  /// rooms mode one room_message (`count` is 1 there).
  const std::string& build(std::size_t count, std::int64_t now_us);
  void on_ack(const publish_ack& a);
  /// An `error` event on the publisher connection: in rooms mode a refused
  /// room_message. (A refused publish is counted from its ack, which the broker sends
  /// as well as the error event.)
  void on_error_event(std::string_view error_code) {
    if (rooms_)
      on_refused(error_code);
  }
  /// One of its own room messages came back (it is a member of every room).
  void on_echo() { ++echoes_; }

  /// Items sent per topic: ticks (fanout) or room messages (rooms).
  const std::vector<std::uint64_t>& ticks_per_symbol() const { return per_symbol_; }
  std::uint64_t ticks_sent() const { return ticks_; }
  std::uint64_t messages_sent() const { return messages_; }
  std::uint64_t acks() const { return acks_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t refused() const { return refused_; }
  std::uint64_t echoes() const { return echoes_; }
  /// Refusals by error code, in the order first seen.
  const std::vector<std::pair<std::string, std::uint64_t>>& refusals() const { return refusals_; }

private:
  void build_publish(std::size_t count, std::int64_t now_us);
  void build_room_message(std::int64_t now_us);
  void on_refused(std::string_view error_code); // `error_code` may be empty

  transport proto_;
  bool rooms_;
  std::vector<std::string> heads_; // per topic: {"symbol":"LG7","price":  or  42["room_message",{..."content":"
  std::string tail_;               // rooms: "}] (or "}} on /ws)
  std::vector<std::uint64_t> per_symbol_;
  std::string message_;
  std::uint64_t ticks_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t acks_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t refused_ = 0;
  std::uint64_t echoes_ = 0;
  std::vector<std::pair<std::string, std::uint64_t>> refusals_;
};

} // namespace qc::loadgen

#pragma once
// Events and acks that arrived while a test waited for something else. Keeping them
// (in arrival order) means a test can wait for "subscribed" and still see the
// "room_member_joined" that came first.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace qc::test {

struct received_event {
  std::string name;
  std::string payload;  // the first argument as JSON text ("" if none)
  std::string raw;      // the whole frame as received
};

class event_inbox {
public:
  void add_event(received_event e) { events_.push_back(std::move(e)); }
  void add_ack(std::uint64_t id, std::string value) { acks_.emplace(id, std::move(value)); }

  // Removes and returns the oldest event with this name.
  std::optional<received_event> take_event(std::string_view name);
  bool has_event(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  std::optional<std::string> take_ack(std::uint64_t id);
  // "buffered events: [subscribed, pong]; acks: [3]", for failure messages.
  std::string describe() const;

private:
  std::deque<received_event> events_;
  std::map<std::uint64_t, std::string> acks_;
};

}  // namespace qc::test

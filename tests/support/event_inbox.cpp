#include "tests/support/event_inbox.hpp"

#include <algorithm>

namespace qc::test {

std::optional<received_event> event_inbox::take_event(std::string_view name) {
  auto it = std::find_if(events_.begin(), events_.end(), [&](const auto& e) { return e.name == name; });
  if (it == events_.end()) return std::nullopt;
  received_event e = std::move(*it);
  events_.erase(it);
  return e;
}

bool event_inbox::has_event(std::string_view name) const { return count(name) > 0; }

std::size_t event_inbox::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(events_.begin(), events_.end(), [&](const auto& e) { return e.name == name; }));
}

std::optional<std::string> event_inbox::take_ack(std::uint64_t id) {
  auto it = acks_.find(id);
  if (it == acks_.end()) return std::nullopt;
  std::string v = std::move(it->second);
  acks_.erase(it);
  return v;
}

std::string event_inbox::describe() const {
  std::string out = "buffered events: [";
  for (std::size_t i = 0; i < events_.size(); ++i) out += (i ? ", " : "") + events_[i].name;
  out += "]; acks: [";
  bool first = true;
  for (const auto& [id, v] : acks_) {
    out += (first ? "" : ", ") + std::to_string(id);
    first = false;
  }
  return out + "]";
}

}  // namespace qc::test

#include "actors/net/topic_holds.hpp"

#include <algorithm>
#include <utility>

namespace qc {

void topic_holds::join(topic_id topic, const std::string& symbol, bool hold) {
  topics_.push_back(membership{topic, symbol, hold, {}, 0});
  if (hold)
    ++holding_;
}

std::optional<std::string> topic_holds::leave(topic_id topic) {
  auto it = std::find_if(topics_.begin(), topics_.end(),
                         [&](const membership& t) { return t.id == topic; });
  if (it == topics_.end())
    return std::nullopt;
  if (it->holding)
    --holding_;
  auto symbol = std::move(it->symbol);
  *it = std::move(topics_.back());
  topics_.pop_back();
  return symbol;
}

topic_holds::membership* topic_holds::find(topic_id topic) {
  for (auto& t : topics_)
    if (t.id == topic)
      return &t;
  return nullptr;
}

topic_holds::take_result topic_holds::take(topic_id topic, const shared_frame& frame) {
  if (holding_ == 0)
    return take_result::not_held;
  auto* t = find(topic);
  if (!t || !t->holding)
    return take_result::not_held;
  auto result = take_result::held;
  if (t->held.size() == max_held_frames) { // the session is very late: conflate
    t->held.erase(t->held.begin());
    ++t->skipped;
    result = take_result::held_dropped;
  }
  t->held.push_back(frame);
  return result;
}

topic_holds::released topic_holds::release(topic_id topic) {
  auto* t = find(topic);
  if (!t || !t->holding)
    return {};
  t->holding = false;
  --holding_;
  return released{std::move(t->held), std::exchange(t->skipped, 0)};
}

void topic_holds::stop_holding(std::vector<shared_frame>& replayable) {
  for (auto& t : topics_) {
    for (auto& frame : t.held)
      if (!frame->offset.empty())
        replayable.push_back(std::move(frame));
    t.held.clear();
    t.holding = false;
  }
  holding_ = 0;
}

} // namespace qc

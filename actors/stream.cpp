#include "actors/stream.hpp"

#include <caf/all.hpp>

#include "actors/clock.hpp"
#include "actors/frames.hpp"
#include "actors/messages.hpp"
#include "actors/stream_book.hpp"
#include "protocol/json.hpp"
#include "protocol/stream_data.hpp"

namespace qc {

namespace {

// get_market_data without a limit returns this many buffered ticks.
constexpr std::uint32_t default_market_data_limit = 100;

class stream_core {
public:
  stream_core(caf::event_based_actor* self, std::string symbol,
              std::shared_ptr<const settings> cfg, caf::actor market)
    : self_(self),
      cfg_(std::move(cfg)),
      market_(std::move(market)),
      book_(std::move(symbol), cfg_->stream.buffer_size),
      created_ms_(now_ms()) {
    self_->delayed_send(self_, cfg_->stream.idle_timeout, idle_check_atom::value);
  }

  publish_result add(tick_batch& batch) {
    ++handled_;
    publish_result result;
    auto now = now_ms();
    for (auto& t : batch) {
      if (book_.add(std::move(t), now) == stream_history::verdict::duplicate) {
        ++result.duplicates;
        continue;
      }
      ++result.accepted;
      ticked_ = true;
      fan_out(*book_.last());
    }
    return result;
  }

  stream_reply subscribe(const std::string& sid, const caf::actor& session,
                         const std::vector<std::string>& fields) {
    ++handled_;
    auto filter = protocol::make_filter(fields, cfg_->stream.default_fields);
    stream_reply reply;
    reply.ok = true;
    reply.fields = protocol::filter_fields(filter);
    if (auto* last = book_.last())
      reply.snapshot = encode(*last, filter, true, offset_of(*last));
    book_.subscribe(sid, session, std::move(filter));
    return reply;
  }

  void unsubscribe(const std::string& sid) {
    ++handled_;
    book_.unsubscribe(sid);
  }

  stream_reply set_filter(const std::string& sid, const std::vector<std::string>& fields) {
    ++handled_;
    auto filter = protocol::make_filter(fields, cfg_->stream.default_fields);
    stream_reply reply;
    reply.fields = protocol::filter_fields(filter);
    reply.ok = book_.set_filter(sid, std::move(filter));
    if (!reply.ok) {
      reply.error_code = "SUBSCRIBER_NOT_FOUND";
      reply.error = "not subscribed to " + book_.symbol();
    }
    return reply;
  }

  /// get_market_data: {"symbol","last":{...},"ticks":[{...},...]} with every field.
  std::string market_data(std::uint32_t limit) {
    ++handled_;
    protocol::field_filter all;
    all.all = true;
    auto tick_json = [&](const stream_tick& t) {
      return protocol::encode_stream_data(t.tick, t.timestamp_ms, t.seq, all, false);
    };
    std::string out = "{\"symbol\":";
    protocol::write_escaped_string(out, book_.symbol());
    out += ",\"last\":";
    out += book_.last() ? tick_json(*book_.last()) : "null";
    out += ",\"ticks\":[";
    bool first = true;
    for (auto* t : book_.recent(limit == 0 ? default_market_data_limit : limit)) {
      if (!first)
        out += ',';
      first = false;
      out += tick_json(*t);
    }
    out += "]}";
    return out;
  }

  /// Every idle-timeout: no subscribers and no tick since the last check means this
  /// stream can go; the market decides, knowing what it has sent us since.
  void check_idle() {
    if (book_.subscriber_count() == 0 && !ticked_)
      self_->send(market_, stream_idle_atom::value, book_.symbol(), handled_);
    ticked_ = false;
    self_->delayed_send(self_, cfg_->stream.idle_timeout, idle_check_atom::value);
  }

  stream_stats stats() const {
    stream_stats s;
    s.symbol = book_.symbol();
    s.subscriber_count = book_.subscriber_count();
    s.peak_subscribers = book_.peak_subscribers();
    s.ticks = book_.accepted();
    s.duplicates_dropped = book_.duplicates_dropped();
    s.messages_sent = book_.deliveries();
    s.filters = book_.group_count();
    s.buffer_size = book_.buffer_size();
    s.seq = book_.accepted();
    s.last_update_ms = book_.last_update_ms();
    s.created_ms = created_ms_;
    return s;
  }

private:
  /// One encoding per distinct filter, one shared frame for all of its subscribers.
  void fan_out(const stream_tick& t) {
    std::uint64_t sent = 0;
    auto offset = offset_of(t);
    book_.for_each_group([&](const protocol::field_filter& filter, auto members) {
      auto frame = encode(t, filter, false, offset);
      for (auto& m : members)
        self_->send(m.subscriber, deliver_atom::value, frame);
      sent += members.size();
    });
    book_.count_deliveries(sent);
  }

  shared_frame encode(const stream_tick& t, const protocol::field_filter& filter,
                      bool snapshot, std::string_view offset) const {
    return make_shared_frame(
      "stream_data", protocol::encode_stream_data(t.tick, t.timestamp_ms, t.seq, filter, snapshot),
      book_.symbol(), offset);
  }

  /// "<symbol>:<seq>" names a tick uniquely among what one session receives, which is
  /// all a recovery offset has to do; empty with recovery off.
  std::string offset_of(const stream_tick& t) const {
    if (!cfg_->recovery.enabled())
      return {};
    return book_.symbol() + ':' + std::to_string(t.seq);
  }

  caf::event_based_actor* self_;
  std::shared_ptr<const settings> cfg_;
  caf::actor market_;
  stream_book<caf::actor> book_;
  std::int64_t created_ms_;
  std::uint64_t handled_ = 0; // messages from the market handled, for safe retirement
  bool ticked_ = false;
};

} // namespace

caf::behavior stream_actor(caf::event_based_actor* self, std::string symbol,
                           std::shared_ptr<const settings> cfg, caf::actor market) {
  auto core = std::make_shared<stream_core>(self, std::move(symbol), std::move(cfg),
                                            std::move(market));
  return {
    [core](tick_atom, tick_batch& batch) { core->add(batch); },
    [core](publish_atom, tick_batch& batch) { return core->add(batch); },
    [core](stream_sub_atom, const std::string& sid, const caf::actor& session,
           const std::vector<std::string>& fields) {
      return core->subscribe(sid, session, fields);
    },
    [core](stream_unsub_atom, const std::string& sid) { core->unsubscribe(sid); },
    [core](stream_filter_atom, const std::string& sid, const std::vector<std::string>& fields) {
      return core->set_filter(sid, fields);
    },
    [core](market_data_atom, std::uint32_t limit) { return core->market_data(limit); },
    [core](get_stats_atom) { return core->stats(); },
    [core](idle_check_atom) { core->check_idle(); },
    [self](retire_atom) { self->quit(); },
  };
}

} // namespace qc

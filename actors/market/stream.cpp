#include "actors/market/stream.hpp"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/common/clock.hpp"
#include "actors/net/fanout.hpp"
#include "actors/common/frames.hpp"
#include "actors/common/send_to_session.hpp"
#include "actors/messages.hpp"
#include "actors/market/stream_book.hpp"
#include "protocol/json.hpp"
#include "protocol/stream_data.hpp"

namespace qc {

namespace {

// get_market_data without a limit returns this many buffered ticks.
constexpr std::uint32_t default_market_data_limit = 100;

/// A subscriber as the stream knows it: its session, and its connection when that
/// takes the stream's frames straight from its I/O shard (actors/net/fanout.hpp).
struct stream_subscriber {
  caf::actor session;
  sink_ptr sink;
};

/// How one filter group's frames travel: one post per shard that has members of it,
/// and a message for each member without a direct connection.
struct group_route {
  std::vector<std::pair<fanout_shard*, std::size_t>> shards; // shard, members there
  std::size_t by_message = 0;
  bool empty() const { return shards.empty() && by_message == 0; }
};

class stream_core {
public:
  stream_core(stream_actor::pointer self, std::string symbol,
              std::shared_ptr<const settings> cfg, market_actor market)
    : self_(self),
      cfg_(std::move(cfg)),
      market_(std::move(market)),
      book_(std::move(symbol), cfg_->stream.buffer_size, cfg_->stream.buffer_bytes),
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

  /// A sid already subscribed is re-pointed: at a new session (a recovered one, whose
  /// predecessor then hears `detached`), a new connection, a new filter.
  stream_reply subscribe(const std::string& sid, const caf::actor& session, const sink_ptr& sink,
                         const std::vector<std::string>& fields) {
    ++handled_;
    auto filter = protocol::make_filter(fields, cfg_->stream.default_fields);
    stream_reply reply;
    reply.ok = true;
    reply.fields = protocol::filter_fields(filter);
    if (auto* last = book_.last())
      reply.snapshot = encode(*last, filter, true, offset_of(*last));
    std::optional<std::pair<std::uint64_t, stream_subscriber>> before;
    if (auto found = book_.find(sid))
      before.emplace(found->group, found->entry->subscriber);
    book_.subscribe(sid, stream_subscriber{session, sink}, std::move(filter));
    auto after = book_.find(sid);
    if (before)
      leave_route(before->first, before->second, before->second.session != session);
    join_route(after->group, after->entry->subscriber);
    reply.topic = topic_of(after->group);
    return reply;
  }

  void unsubscribe(const std::string& sid) {
    ++handled_;
    auto found = book_.find(sid);
    if (!found)
      return;
    auto group = found->group;
    auto subscriber = found->entry->subscriber;
    book_.unsubscribe(sid);
    leave_route(group, subscriber, false);
  }

  stream_reply set_filter(const std::string& sid, const std::vector<std::string>& fields) {
    ++handled_;
    auto filter = protocol::make_filter(fields, cfg_->stream.default_fields);
    stream_reply reply;
    reply.fields = protocol::filter_fields(filter);
    auto before = book_.find(sid);
    auto old_group = before ? before->group : 0;
    reply.ok = book_.set_filter(sid, std::move(filter));
    if (!reply.ok) {
      reply.code = protocol::error_code::subscriber_not_found;
      reply.error = "not subscribed to " + book_.symbol();
      return reply;
    }
    auto after = book_.find(sid);
    if (after->group != old_group) {
      auto subscriber = after->entry->subscriber;
      leave_route(old_group, subscriber, false);
      join_route(after->group, subscriber);
    }
    reply.topic = topic_of(after->group);
    return reply;
  }

  /// get_market_data: {"symbol","last":{...},"ticks":[{...},...]} with every field: the
  /// newest `limit` ticks older than before_seq (0: any), oldest first. The reply stays
  /// within limits.max-reply-bytes (but holds at least one tick): when that cuts it
  /// short it ends with "truncated":true and "next_before_seq", the seq to page on
  /// with. Each tick is encoded once; joining the picked encodings makes the peak about
  /// twice the bound, never the whole ring.
  std::string market_data(std::uint32_t limit, std::uint64_t before_seq) {
    ++handled_;
    protocol::field_filter all;
    all.all = true;
    auto tick_json = [&](const stream_tick& t) {
      return protocol::encode_stream_data(t.tick, t.timestamp_ms, t.seq, all, false);
    };
    std::string head = "{\"symbol\":";
    protocol::write_escaped_string(head, book_.symbol());
    head += ",\"last\":";
    head += book_.last() ? tick_json(*book_.last()) : "null";
    head += ",\"ticks\":[";
    const std::size_t budget = cfg_->limits.max_reply_bytes;
    const std::size_t wanted = limit == 0 ? default_market_data_limit : limit;
    // Newest first, until the count or the bytes run out.
    std::vector<std::string> picked;
    std::size_t used = head.size();
    bool truncated = false;
    std::uint64_t oldest_seq = 0;
    const auto& ring = book_.ring();
    for (auto it = ring.rbegin(); it != ring.rend() && picked.size() < wanted; ++it) {
      if (before_seq != 0 && it->seq >= before_seq)
        continue;
      auto json = tick_json(*it);
      if (!picked.empty() && used + json.size() + 1 > budget) {
        truncated = true;
        break;
      }
      used += json.size() + 1;
      oldest_seq = it->seq;
      picked.push_back(std::move(json));
    }
    std::string out = std::move(head);
    out.reserve(used + 64);
    for (auto it = picked.rbegin(); it != picked.rend(); ++it) {
      if (it != picked.rbegin())
        out += ',';
      out += *it;
    }
    out += ']';
    if (truncated) {
      out += ",\"truncated\":true,\"next_before_seq\":";
      protocol::append_unsigned(out, oldest_seq);
    }
    out += '}';
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
    s.buffer_bytes = book_.buffer_bytes();
    s.seq = book_.accepted();
    s.last_update_ms = book_.last_update_ms();
    s.created_ms = created_ms_;
    return s;
  }

private:
  /// One encoding per distinct filter, one shared frame for all of its subscribers:
  /// one post per shard for those connected directly, a message for any other.
  void fan_out(const stream_tick& t) {
    std::uint64_t sent = 0;
    auto offset = offset_of(t);
    book_.for_each_group([&](const protocol::field_filter& filter, std::uint64_t group,
                             auto members) {
      auto frame = encode(t, filter, false, offset);
      const auto& route = routes_[group];
      for (auto& [shard, count] : route.shards)
        shard->publish(topic_of(group), frame);
      if (route.by_message > 0)
        for (auto& m : members)
          if (!m.subscriber.sink)
            send_to_session(self_, m.subscriber.session, deliver_atom::value, frame);
      sent += members.size();
    });
    book_.count_deliveries(sent);
  }

  topic_id topic_of(std::uint64_t group) const { return topic_id{self_->id(), group}; }

  // The shard learns of a member before any tick that follows the change, and of a
  // leave before any tick that no longer concerns it: posts from here run in order.
  void join_route(std::uint64_t group, const stream_subscriber& s) {
    auto& route = routes_[group];
    if (!s.sink) {
      ++route.by_message;
      return;
    }
    auto* shard = &s.sink->shard();
    shard->join(topic_of(group), book_.symbol(), s.sink);
    auto it = std::find_if(route.shards.begin(), route.shards.end(),
                           [&](const auto& e) { return e.first == shard; });
    if (it == route.shards.end())
      route.shards.emplace_back(shard, 1);
    else
      ++it->second;
  }

  /// `replaced`: a recovered session took the subscription over; the old session waits
  /// to hear it, after the last frame that still went its way.
  void leave_route(std::uint64_t group, const stream_subscriber& s, bool replaced) {
    auto& route = routes_[group];
    if (!s.sink) {
      --route.by_message;
      if (replaced)
        send_to_session(self_, s.session, detached_atom::value, book_.symbol());
    } else {
      auto* shard = &s.sink->shard();
      shard->leave(topic_of(group), s.sink, replaced);
      auto it = std::find_if(route.shards.begin(), route.shards.end(),
                             [&](const auto& e) { return e.first == shard; });
      if (it != route.shards.end() && --it->second == 0)
        route.shards.erase(it);
    }
    if (route.empty())
      routes_.erase(group);
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

  stream_actor::pointer self_;
  std::shared_ptr<const settings> cfg_;
  market_actor market_;
  stream_book<stream_subscriber> book_;
  std::unordered_map<std::uint64_t, group_route> routes_; // by group id
  std::int64_t created_ms_;
  std::uint64_t handled_ = 0; // messages from the market handled, for safe retirement
  bool ticked_ = false;
};

} // namespace

stream_actor::behavior_type stream_behavior(stream_actor::pointer self, std::string symbol,
                                            std::shared_ptr<const settings> cfg,
                                            market_actor market) {
  auto core = std::make_shared<stream_core>(self, std::move(symbol), std::move(cfg),
                                            std::move(market));
  return {
    [core](tick_atom, tick_batch& batch) { core->add(batch); },
    [core](publish_atom, tick_batch& batch) { return core->add(batch); },
    [core](stream_sub_atom, const std::string& sid, const caf::actor& session,
           const sink_ptr& sink, const std::vector<std::string>& fields) {
      return core->subscribe(sid, session, sink, fields);
    },
    [core](stream_unsub_atom, const std::string& sid) { core->unsubscribe(sid); },
    [core](stream_filter_atom, const std::string& sid, const std::vector<std::string>& fields) {
      return core->set_filter(sid, fields);
    },
    [core](market_data_atom, std::uint32_t limit, std::uint64_t before_seq) {
      return core->market_data(limit, before_seq);
    },
    [core](get_stats_atom) { return core->stats(); },
    [core](idle_check_atom) { core->check_idle(); },
    [self](retire_atom) { self->quit(); },
  };
}

} // namespace qc

#include "actors/market/market.hpp"

#include <map>
#include <string>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/common/fan_in.hpp"
#include "actors/market/stream.hpp"
#include "actors/messages.hpp"

namespace qc {

namespace {

struct stream_entry {
  stream_actor stream;
  std::uint64_t forwarded = 0; // messages sent to it; it reports how many it handled
};

struct market_state {
  std::shared_ptr<const settings> cfg;
  std::unordered_map<std::string, stream_entry> streams;
  std::uint64_t streams_created = 0;
  std::uint64_t streams_retired = 0;
  std::uint64_t ticks_refused = 0; // the stream limit was reached
};

/// The stream of `symbol`, spawned if needed; null when the broker's stream limit
/// is reached.
stream_entry* stream_for(market_actor::pointer self, market_state& st,
                         const std::string& symbol) {
  if (auto it = st.streams.find(symbol); it != st.streams.end())
    return &it->second;
  if (st.streams.size() >= st.cfg->limits.max_streams)
    return nullptr;
  auto stream = self->spawn(stream_behavior, symbol, st.cfg,
                            caf::actor_cast<market_actor>(self));
  ++st.streams_created;
  return &st.streams.emplace(symbol, stream_entry{stream, 0}).first->second;
}

/// Splits a batch by symbol, keeping each symbol's ticks in order.
std::map<std::string, tick_batch> by_symbol(const tick_batch& batch) {
  std::map<std::string, tick_batch> out;
  for (auto& t : batch)
    out[t.symbol].push_back(t);
  return out;
}

} // namespace

market_actor::behavior_type market_behavior(market_actor::pointer self,
                                            std::shared_ptr<const settings> cfg) {
  auto st = std::make_shared<market_state>();
  st->cfg = std::move(cfg);
  return {
    [self, st](tick_atom, const tick_batch& batch) {
      for (auto& [symbol, ticks] : by_symbol(batch)) {
        auto* entry = stream_for(self, *st, symbol);
        if (!entry) {
          st->ticks_refused += ticks.size();
          continue;
        }
        ++entry->forwarded;
        self->send(entry->stream, tick_atom::value, std::move(ticks));
      }
    },
    [self, st](publish_atom, const tick_batch& batch) -> caf::result<publish_result> {
      auto groups = by_symbol(batch);
      auto rp = self->make_response_promise<publish_result>();
      // Gather every stream's verdicts into one answer.
      struct tally {
        publish_result sum;
        fan_in pending;
      };
      auto t = std::make_shared<tally>();
      t->pending.expect(groups.size());
      for (auto& [symbol, ticks] : groups) {
        auto* entry = stream_for(self, *st, symbol);
        if (!entry) {
          st->ticks_refused += ticks.size();
          t->pending.arrived([&] { rp.deliver(t->sum); });
          continue;
        }
        ++entry->forwarded;
        self->request(entry->stream, caf::infinite, publish_atom::value, std::move(ticks))
          .then(
            [t, rp](const publish_result& r) mutable {
              t->sum.accepted += r.accepted;
              t->sum.duplicates += r.duplicates;
              t->pending.arrived([&] { rp.deliver(t->sum); });
            },
            [t, rp](const caf::error&) mutable {
              t->pending.arrived([&] { rp.deliver(t->sum); });
            });
      }
      if (groups.empty())
        rp.deliver(t->sum);
      return rp;
    },
    [self, st](stream_sub_atom, const std::string& symbol, const std::string& sid,
               const caf::actor& session, const sink_ptr& sink,
               const std::vector<std::string>& fields)
      -> caf::result<stream_reply> {
      auto* entry = stream_for(self, *st, symbol);
      if (!entry) {
        stream_reply refused;
        refused.code = protocol::error_code::subscription_failed;
        refused.error = "the broker's stream limit is reached";
        return refused;
      }
      ++entry->forwarded;
      return self->delegate(entry->stream, stream_sub_atom::value, sid, session, sink, fields);
    },
    [self, st](stream_unsub_atom, const std::string& symbol, const std::string& sid) {
      auto it = st->streams.find(symbol);
      if (it == st->streams.end())
        return;
      ++it->second.forwarded;
      self->send(it->second.stream, stream_unsub_atom::value, sid);
    },
    [self, st](stream_filter_atom, const std::string& symbol, const std::string& sid,
               const std::vector<std::string>& fields) -> caf::result<stream_reply> {
      auto it = st->streams.find(symbol);
      if (it == st->streams.end()) {
        stream_reply missing;
        missing.code = protocol::error_code::stream_not_found;
        missing.error = "no stream for " + symbol;
        return missing;
      }
      ++it->second.forwarded;
      return self->delegate(it->second.stream, stream_filter_atom::value, sid, fields);
    },
    [self, st](market_data_atom, const std::string& symbol, std::uint32_t limit,
               std::uint64_t before_seq) -> caf::result<std::string> {
      auto it = st->streams.find(symbol);
      if (it == st->streams.end())
        return std::string{};
      ++it->second.forwarded;
      return self->delegate(it->second.stream, market_data_atom::value, limit, before_seq);
    },
    [self, st](stream_idle_atom, const std::string& symbol, std::uint64_t handled) {
      auto it = st->streams.find(symbol);
      if (it == st->streams.end() || it->second.forwarded != handled)
        return; // something reached it since it reported: not idle after all
      self->send(it->second.stream, retire_atom::value);
      st->streams.erase(it);
      ++st->streams_retired;
    },
    [self, st](shutdown_atom) {
      for (auto& [symbol, entry] : st->streams)
        self->send_exit(entry.stream, caf::exit_reason::user_shutdown);
      st->streams.clear();
      self->quit();
    },
    [st](listing_atom) {
      std::vector<stream_actor> out;
      out.reserve(st->streams.size());
      for (auto& [symbol, entry] : st->streams)
        out.push_back(entry.stream);
      return out;
    },
  };
}

} // namespace qc

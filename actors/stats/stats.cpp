#include "actors/stats/stats.hpp"

#include <caf/all.hpp>

#include "actors/common/clock.hpp"
#include "actors/common/fan_in.hpp"
#include "actors/messages.hpp"
#include "actors/stats/stats_snapshot.hpp"

namespace qc {

namespace {

using steady = std::chrono::steady_clock;

/// One request waiting for figures.
struct stats_waiter {
  protocol::stats_page page;
  std::function<void(std::string)> deliver;
  std::uint64_t number = 0;  // requests are numbered as they arrive
  steady::time_point arrived;
};

/// What one gather has collected so far, and the answers it still waits for.
struct gathering {
  stats_snapshot snap;
  fan_in pending;
};

struct stats_state {
  std::shared_ptr<const settings> cfg;
  stats_sources ask; // persistence and parked_sessions may be null
  std::function<gateway_counters()> read_gateway;
  std::int64_t started_ms = now_ms();

  std::uint64_t requests = 0; // numbers the waiters
  std::uint64_t gathers = 0;
  bool gathering_now = false;
  std::uint64_t gather_first_excluded = 0; // requests numbered from this one arrived after the gather started
  steady::time_point gather_started;
  std::shared_ptr<const stats_snapshot> cached;
  steady::time_point cached_started;
  std::vector<stats_waiter> waiting;

  /// May `snapshot`, gathered from `started`, answer a request that arrived at `arrived`
  /// (numbered `number`; requests before `first_excluded` arrived before it started)?
  bool fresh_enough(steady::time_point started, std::uint64_t first_excluded,
                    const stats_waiter& w) const {
    return w.number < first_excluded || w.arrived - started < cfg->stats.cache;
  }

  void answer(stats_waiter& w, const stats_snapshot& snap) const {
    stats_render_info info{cfg->node_name, started_ms, gathers,
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                             steady::now() - cached_started)
                             .count()};
    w.deliver(render_stats(snap, w.page, *cfg, info));
  }
};

// Every actor gets this long to answer; one that does not is left out rather than
// holding the whole document back.
constexpr auto figures_answer_timeout = std::chrono::seconds(2);

void start_gather(stats_actor::pointer self, const std::shared_ptr<stats_state>& st);

/// A gather is complete: keep its snapshot, answer everyone it is fresh enough for, and
/// start the next gather for those who came too late for it.
void gathered(stats_actor::pointer self, const std::shared_ptr<stats_state>& st,
              gathering& g) {
  g.snap.gateway = st->read_gateway();
  g.snap.seal();
  st->cached = std::make_shared<const stats_snapshot>(std::move(g.snap));
  st->cached_started = st->gather_started;
  st->gathering_now = false;
  std::vector<stats_waiter> later;
  auto waiting = std::move(st->waiting);
  st->waiting.clear();
  for (auto& w : waiting) {
    if (st->fresh_enough(st->gather_started, st->gather_first_excluded, w))
      st->answer(w, *st->cached);
    else
      later.push_back(std::move(w));
  }
  st->waiting = std::move(later);
  if (!st->waiting.empty())
    start_gather(self, st);
}

void finish_one(stats_actor::pointer self, const std::shared_ptr<gathering>& g,
                const std::shared_ptr<stats_state>& st) {
  g->pending.arrived([&] { gathered(self, st, *g); });
}

/// Asks one actor for its figures of type Stats and files the answer with `take`; the
/// snapshot waits for it (g->pending) until it answers or fails to in time.
template <class Stats, class Handle, class Take>
void ask_stats(stats_actor::pointer self, const Handle& who,
               const std::shared_ptr<gathering>& g, const std::shared_ptr<stats_state>& st,
               Take take) {
  g->pending.expect();
  self->request(who, figures_answer_timeout, get_stats_atom::value)
    .then(
      [self, st, g, take](const Stats& figures) {
        take(g->snap, figures);
        finish_one(self, g, st);
      },
      [self, st, g](const caf::error&) { finish_one(self, g, st); });
}

void start_gather(stats_actor::pointer self, const std::shared_ptr<stats_state>& st) {
  st->gathering_now = true;
  st->gather_started = steady::now();
  st->gather_first_excluded = st->requests;
  auto g = std::make_shared<gathering>();
  g->snap.gather = ++st->gathers;
  g->snap.gathered_at_ms = now_ms();
  self->request(st->ask.directory, figures_answer_timeout, listing_atom::value)
    .then(
      [self, st, g](const directory_listing& listing) {
        auto& s = g->snap;
        s.sessions = listing.sessions.size();
        s.connections_opened = listing.connections_opened;
        s.connections_closed = listing.connections_closed;
        s.rooms_created = listing.rooms_created;
        s.rooms_retired = listing.rooms_retired;
        // One extra count held while requests go out, so an early answer cannot
        // finish the snapshot before every request is sent.
        g->pending.expect();
        for (auto& session : listing.sessions)
          ask_stats<connection_stats>(self, session, g, st,
                                      [](stats_snapshot& s, const connection_stats& c) {
                                        if (c.parked)
                                          ++s.parked;
                                        else
                                          s.connections.push_back(c);
                                      });
        for (auto& r : listing.rooms)
          ask_stats<room_stats>(self, r, g, st,
                                [](stats_snapshot& s, const room_stats& rs) { s.rooms.push_back(rs); });
        if (st->ask.persistence)
          ask_stats<persistence_stats>(self, st->ask.persistence, g, st,
                                       [](stats_snapshot& s, const persistence_stats& ps) { s.persistence = ps; });
        if (st->ask.parked_sessions)
          ask_stats<recovery_stats>(self, st->ask.parked_sessions, g, st,
                                    [](stats_snapshot& s, const recovery_stats& rs) { s.recovery = rs; });
        g->pending.expect(); // the market's listing
        self->request(st->ask.market, figures_answer_timeout, listing_atom::value)
          .then(
            [self, st, g](const std::vector<stream_actor>& streams) {
              for (auto& s : streams)
                ask_stats<stream_stats>(self, s, g, st, [](stats_snapshot& s, const stream_stats& ss) {
                  s.streams.push_back(ss);
                });
              finish_one(self, g, st);
            },
            [self, st, g](const caf::error&) { finish_one(self, g, st); });
        finish_one(self, g, st);
      },
      [self, st, g](const caf::error&) {
        g->pending.expect();
        finish_one(self, g, st);
      });
}

/// One request: answered from the cached snapshot when that is fresh enough, else
/// queued for the running gather or a new one.
void serve(stats_actor::pointer self, const std::shared_ptr<stats_state>& st,
           protocol::stats_page page, std::function<void(std::string)> deliver) {
  stats_waiter w{page, std::move(deliver), st->requests++, steady::now()};
  if (st->cached && w.arrived - st->cached_started < st->cfg->stats.cache) {
    st->answer(w, *st->cached);
    return;
  }
  st->waiting.push_back(std::move(w));
  if (!st->gathering_now)
    start_gather(self, st);
}

} // namespace

stats_actor::behavior_type stats_behavior(stats_actor::pointer self,
                                          std::shared_ptr<const settings> cfg,
                                          stats_sources sources,
                                          std::function<gateway_counters()> read_gateway) {
  auto st = std::make_shared<stats_state>();
  st->cfg = std::move(cfg);
  st->ask = std::move(sources);
  st->read_gateway = std::move(read_gateway);
  return {
    [self, st](get_stats_atom, std::uint64_t limit,
               std::uint64_t offset) -> caf::result<std::string> {
      auto rp = self->make_response_promise<std::string>();
      serve(self, st, protocol::stats_page{limit, offset},
            [rp](std::string doc) mutable { rp.deliver(std::move(doc)); });
      return rp;
    },
    [self, st](get_stats_atom, std::uint64_t limit, std::uint64_t offset,
               const json_callback& cb) {
      serve(self, st, protocol::stats_page{limit, offset}, cb.deliver);
    },
  };
}

} // namespace qc

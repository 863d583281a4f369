#pragma once
// The simulated market-data feed (PROTOCOL.md §5): a random walk over the symbols in
// feed.symbols-file at feed.rate ticks per second in total, sent to the market in
// batches every 10 ms.

#include <cstdint>
#include <random>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/market/market_interface.hpp"

#include "actors/feeds/feed_files.hpp"
#include "actors/feeds/feed_settings.hpp"
#include "protocol/client_events.hpp"

namespace qc {

/// The walk itself, without actors: given the same symbols and seed it makes the same
/// ticks (all but the timestamp), so tests and demos are reproducible.
class tick_simulator {
public:
  /// `symbols` must not be empty; seed 0 draws a random seed.
  tick_simulator(const std::vector<symbol_start>& symbols, std::uint64_t seed);

  /// One tick of a randomly chosen symbol: price (2 decimals, >= 0.01), volume (a
  /// positive multiple of 100), bid, ask, change_pct (vs the start price, 2 decimals)
  /// and timestamp, as raw JSON numbers.
  protocol::tick next(std::int64_t timestamp_ms);

private:
  struct instrument {
    std::string symbol;
    double start = 0;
    double price = 0; // unrounded: rounding every step would bias the walk
  };
  std::vector<instrument> instruments_;
  std::mt19937_64 rng_;
};

/// Spawn with `system.spawn(simulated_feed, cfg.feed, market)`. Sends
/// (tick_atom, tick_batch) requests to `market`, at most a few batches unanswered:
/// when the market falls behind the feed sheds ticks instead of queueing them. Quits
/// when the market goes down; an unreadable or empty symbols file quits it at once
/// with a message on stderr (validate() catches that at startup already).
caf::behavior simulated_feed(caf::event_based_actor* self, feed_settings cfg, market_actor market);

} // namespace qc

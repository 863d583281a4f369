#pragma once
// The CSV replay feed (PROTOCOL.md §5): replays feed.replay-file to the market, paced by
// its timestamp column at feed.replay-speed (0: as fast as the market takes them),
// once or in a loop (feed.replay-loop). The file is read a batch at a time, never whole.

#include <caf/fwd.hpp>

#include "actors/market/market_interface.hpp"

#include "actors/feeds/feed_settings.hpp"

namespace qc {

/// Spawn with `system.spawn(replay_feed, cfg.feed, market)`. Sends (tick_atom,
/// tick_batch) requests of at most 1000 ticks to `market`, a few unanswered at most.
/// Bad rows are skipped with a warning naming their line. A row's due time is its
/// timestamp's offset from the first row's, divided by the speed; rows without a
/// timestamp go with the row before. When looping, each pass shifts the timestamps so
/// they keep increasing. Quits at the end of the file (not looping), when the market
/// goes down, or at once with a message on stderr when the file cannot be read.
caf::behavior replay_feed(caf::event_based_actor* self, feed_settings cfg, market_actor market);

} // namespace qc

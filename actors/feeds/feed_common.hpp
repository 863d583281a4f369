#pragma once
// What both feeds do alike: hand a batch to the market and report trouble on stderr.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include <caf/event_based_actor.hpp>

#include "actors/common/log.hpp"
#include "actors/market/market_interface.hpp"
#include "actors/messages.hpp"

namespace qc {

/// Batches a feed may have sent without an answer yet. CAF mailboxes are unbounded
/// (STACK.md): waiting for answers is what keeps a fast feed from flooding the market.
inline constexpr std::size_t feed_max_in_flight = 4;

/// One line on stderr, e.g. "quotecast: replay feed: line 7: symbol is missing".
inline void feed_log(std::string_view feed, std::string_view message) {
  log_line(feed, message);
}

/// Sends one batch to the market as a request (its handler answers with nothing once
/// the batch is on its way to the streams); `answered(err)` runs once, with an empty
/// error when the market took the batch.
template <class F>
void publish_batch(caf::event_based_actor* self, const market_actor& market, tick_batch batch,
                   F answered) {
  self->request(market, std::chrono::seconds(10), tick_atom::value, std::move(batch))
    .then([answered]() mutable { answered(caf::error{}); },
          [answered](caf::error& err) mutable { answered(err); });
}

} // namespace qc

#pragma once
// The market: symbol names to stream actors. Streams are spawned on first subscribe or
// first tick; every message for a stream passes through here and is counted, and a
// stream that reports itself idle (no subscribers, no recent ticks) with everything
// counted already handled is forgotten and retired, so nothing can reach a stream
// that is quitting. Its messages: market_interface.hpp.

#include <memory>

#include "actors/market/market_interface.hpp"
#include "actors/settings.hpp"

namespace qc {

market_actor::behavior_type market_behavior(market_actor::pointer self,
                                            std::shared_ptr<const settings> cfg);

} // namespace qc

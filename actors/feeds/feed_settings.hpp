#pragma once
// The market-data feeds' part of the settings (PROTOCOL.md §5): the simulated random
// walk and the CSV replay. Both are off unless configured; the demo INI turns the
// simulated feed on.

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/limits.hpp"

namespace qc {

struct feed_settings {
  bool simulated = false;                        // run the random-walk feed
  std::size_t rate = 20;                         // simulated ticks per second, all symbols together
  std::string symbols_file = "conf/symbols.txt"; // "SYMBOL START_PRICE" per line
  std::uint64_t seed = 0;                        // 0: a random seed; else reproducible walks
  std::string replay_file;                       // CSV to replay; empty: no replay feed
  double replay_speed = 1.0;                     // 1: original pace, 10: ten times faster, 0: flat out
  bool replay_loop = false;                      // start over at the end of the file
  protocol::limits tick_limits;                  // replayed rows obey the publish limits (set from limits.*)
};

/// Throws std::invalid_argument naming the option when a value makes no sense, or when
/// an enabled feed's file cannot be opened (a clear startup error, not a dead actor).
void validate(const feed_settings& cfg);

} // namespace qc

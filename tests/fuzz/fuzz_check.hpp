#pragma once
// What every fuzz target asserts with. FUZZ_CHECK says which property failed and aborts,
// so libFuzzer records the input as a crash (assert() would vanish under NDEBUG).

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "protocol/json.hpp"

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__,       \
                   #condition);                                                      \
      std::abort();                                                                  \
    }                                                                                \
  } while (false)

namespace qc::fuzz {

/// True when the broker's own output is one JSON text. Outputs wrap client input in a few
/// levels of envelope, so the depth allowed is twice the inbound limit.
inline bool is_json(std::string_view text) {
  protocol::limits lim;
  lim.max_json_depth *= 2;
  return protocol::parse_json(text, lim).ok();
}

} // namespace qc::fuzz

#pragma once
// Which slice of the /stats listings (connections, per-user counts, rooms, streams) one
// request asks for: `GET /stats?limit=L&offset=O`, or `request get_stats {limit, offset}`.
// Totals are always complete; only the per-item lists are paged.

#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/result.hpp"

namespace qc::protocol {

struct stats_page {
  std::uint64_t limit = 0;  // rows per list, 0..max
  std::uint64_t offset = 0; // rows skipped in each list
};

/// What a request named, before the broker's bounds are applied.
struct stats_page_request {
  std::optional<std::uint64_t> limit;
  std::optional<std::uint64_t> offset;
};

/// Reads `limit` and `offset` from the query of a request target ("/stats?limit=5").
/// Values are decimal digits only (no sign, no escapes, below 2^64); a key given
/// twice or without a value is an error. Other keys are ignored (cache-busting
/// parameters are common). Errors are invalid_parameters.
result<stats_page_request> parse_stats_query(std::string_view target);

/// Applies the bounds: limit defaults to `default_limit` and must not exceed
/// `max_limit`; offset defaults to 0. Errors are invalid_parameters and name the range.
result<stats_page> resolve_stats_page(const stats_page_request& req, std::uint64_t default_limit,
                                      std::uint64_t max_limit);

} // namespace qc::protocol

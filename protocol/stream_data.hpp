#pragma once
// Field filters of market data subscribers and the `stream_data` payload
// (PROTOCOL.md §3 subscribe_market_stream / stream_filter_update, §4, §5).
//
// A filter is normalised once, when a subscriber sets it, so subscribers that asked
// for the same fields in any order or with repeats hold equal filters: the stream
// encodes each tick once per distinct filter, never once per subscriber.

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/client_events.hpp"

namespace qc::protocol {

/// The fields a subscriber gets in `data`. `all` for ["*"]; otherwise unique names in
/// sorted order (and `fields` is empty when `all`).
struct field_filter {
  bool all = false;
  std::vector<std::string> fields;

  bool operator==(const field_filter&) const = default;
  auto operator<=>(const field_filter&) const = default; // so a filter can key a std::map
};

/// `requested` as the client sent it (empty: use `defaults`, normally
/// ["price","volume","timestamp"]). A "*" anywhere means all fields, whatever else is
/// named; otherwise duplicates go and the names are sorted.
field_filter make_filter(const std::vector<std::string>& requested, const std::vector<std::string>& defaults);

/// The filter as echoed in stream_subscribed / stream_filter_updated: ["*"] for all,
/// otherwise the normalised names.
std::vector<std::string> filter_fields(const field_filter& f);

/// {"symbol":"600519","data":{...},"timestamp":T,"seq":N[,"snapshot":true]}
/// `data` holds the tick's fields the filter names, in the tick's order, values as the
/// tick's raw JSON; a named field the tick lacks is left out. `symbol`, `timestamp`
/// (the caller passes the tick's timestamp, or its receive time) and `seq` are always
/// at the top level. The tick's `fields` never hold "symbol", so `data` never does.
std::string encode_stream_data(const tick& t, std::int64_t timestamp_ms, std::uint64_t seq, const field_filter& f,
                               bool snapshot);

} // namespace qc::protocol

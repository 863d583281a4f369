#pragma once
// The Prometheus text exposition format (version 0.0.4) for GET /metrics: one HELP,
// one TYPE and one sample line per metric, no labels.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace qc::protocol {

inline constexpr std::string_view prometheus_content_type = "text/plain; version=0.0.4; charset=utf-8";

struct metric_sample {
  std::string_view name; // [a-zA-Z_:][a-zA-Z0-9_:]*, counters end in _total
  std::string_view help; // one line
  bool counter;          // else a gauge
  std::uint64_t value;
};

std::string encode_prometheus(std::span<const metric_sample> samples);

} // namespace qc::protocol

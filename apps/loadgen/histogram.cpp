#include "apps/loadgen/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace qc::loadgen {

void histogram::merge(const histogram& other) {
  for (std::size_t i = 0; i < bucket_count; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

std::uint64_t histogram::lowest_of(std::size_t index) {
  if (index < (std::size_t{2} << sub_bits))
    return index;
  const std::size_t shift = (index >> sub_bits) - 1;
  const std::uint64_t mantissa = index - (shift << sub_bits);
  return mantissa << shift;
}

std::uint64_t histogram::width_of(std::size_t index) {
  if (index < (std::size_t{2} << sub_bits))
    return 1;
  return std::uint64_t{1} << ((index >> sub_bits) - 1);
}

std::uint64_t histogram::percentile(double q) const {
  if (count_ == 0)
    return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample at q, 1-based: p99 of 1000 samples is the 990th.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::clamp(lowest_of(i) + width_of(i) / 2, min(), max());
  }
  return max();
}

} // namespace qc::loadgen

#pragma once
// A log-linear histogram of non-negative integers (HDR-like): values below 256 are
// exact, larger ones fall into one of 128 linear sub-buckets per power of two, so a
// reported percentile is within 0.8 % of the true one. Fixed storage, no allocation
// per sample; two histograms merge by adding counts.

#include <array>
#include <bit>
#include <cstdint>

namespace qc::loadgen {

class histogram {
public:
  static constexpr unsigned sub_bits = 7;
  static constexpr std::uint64_t max_trackable = (std::uint64_t{1} << 40) - 1; // larger values are clamped

  void record(std::uint64_t v) {
    if (v > max_trackable)
      v = max_trackable;
    ++counts_[index_of(v)];
    ++count_;
    sum_ += v;
    if (v > max_)
      max_ = v;
    if (v < min_)
      min_ = v;
  }

  void merge(const histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return count_ ? max_ : 0; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  /// The value at quantile q (0..1): the middle of the bucket holding it, never above max().
  std::uint64_t percentile(double q) const;

private:
  static constexpr std::size_t bucket_count = ((40 - sub_bits + 1) << sub_bits) + (1u << sub_bits);

  static std::size_t index_of(std::uint64_t v) {
    if (v < (std::uint64_t{2} << sub_bits))
      return static_cast<std::size_t>(v);
    const unsigned shift = static_cast<unsigned>(std::bit_width(v)) - 1 - sub_bits;
    return (static_cast<std::size_t>(shift) << sub_bits) + static_cast<std::size_t>(v >> shift);
  }
  static std::uint64_t lowest_of(std::size_t index);
  static std::uint64_t width_of(std::size_t index);

  std::array<std::uint64_t, bucket_count> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
};

} // namespace qc::loadgen

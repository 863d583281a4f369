#pragma once
// The publisher's messages: ticks round-robin over the symbols, each carrying its send
// time ("ts_us", microseconds since the epoch) and a counter ("n") so that no two
// ticks of a symbol are equal (the broker drops duplicates), batched into publish
// events with an ack id. It counts what it sent per symbol, which, times the
// subscribers per symbol, is the number of deliveries to expect.

#include <cstdint>
#include <string>
#include <vector>

#include "apps/loadgen/options.hpp"
#include "apps/loadgen/wire.hpp"

namespace qc::loadgen {

class publisher {
public:
  explicit publisher(const options& o);

  /// Builds one publish message with `count` ticks stamped `now_us`.
  const std::string& build(std::size_t count, std::int64_t now_us);
  void on_ack(const publish_ack& a);

  const std::vector<std::uint64_t>& ticks_per_symbol() const { return per_symbol_; }
  std::uint64_t ticks_sent() const { return ticks_; }
  std::uint64_t messages_sent() const { return messages_; }
  std::uint64_t acks() const { return acks_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t refused() const { return refused_; }

private:
  transport proto_;
  std::vector<std::string> tick_heads_; // per symbol: {"symbol":"LG7","price":
  std::vector<std::uint64_t> per_symbol_;
  std::string message_;
  std::uint64_t ticks_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t acks_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t refused_ = 0;
};

} // namespace qc::loadgen

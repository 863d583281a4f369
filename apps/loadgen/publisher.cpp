#include "apps/loadgen/publisher.hpp"

#include <charconv>

namespace qc::loadgen {

namespace {

void append_integer(std::string& out, std::int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

} // namespace

publisher::publisher(const options& o) : proto_(o.proto), per_symbol_(o.symbols, 0) {
  tick_heads_.reserve(o.symbols);
  for (std::size_t i = 0; i < o.symbols; ++i)
    tick_heads_.push_back(R"({"symbol":")" + symbol_name(o.symbol_prefix, i) + R"(","price":)");
}

const std::string& publisher::build(std::size_t count, std::int64_t now_us) {
  ++messages_;
  message_.clear();
  if (proto_ == transport::socketio) {
    message_ += "42";
    append_integer(message_, static_cast<std::int64_t>(messages_));
    message_ += R"(["publish",[)";
  } else {
    message_ += R"({"event":"publish","data":[)";
  }
  const std::size_t symbols = per_symbol_.size();
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t n = ticks_++;
    const std::size_t s = n % symbols;
    ++per_symbol_[s];
    if (i)
      message_ += ',';
    message_ += tick_heads_[s];
    // A price that wanders between 100.00 and 199.99.
    const auto cents = static_cast<std::int64_t>(10000 + (n * 7919) % 10000);
    append_integer(message_, cents / 100);
    message_ += '.';
    const auto frac = cents % 100;
    if (frac < 10)
      message_ += '0';
    append_integer(message_, frac);
    message_ += R"(,"ts_us":)";
    append_integer(message_, now_us);
    message_ += R"(,"n":)";
    append_integer(message_, static_cast<std::int64_t>(n));
    message_ += '}';
  }
  if (proto_ == transport::socketio) {
    message_ += "]]";
  } else {
    message_ += R"(],"id":)";
    append_integer(message_, static_cast<std::int64_t>(messages_));
    message_ += '}';
  }
  return message_;
}

void publisher::on_ack(const publish_ack& a) {
  ++acks_;
  if (!a.ok) {
    ++refused_;
    return;
  }
  accepted_ += a.accepted;
  duplicates_ += a.duplicates;
}

} // namespace qc::loadgen

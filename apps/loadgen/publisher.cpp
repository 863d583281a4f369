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

publisher::publisher(const options& o)
    : proto_(o.proto), rooms_(o.run_mode == mode::rooms), per_symbol_(o.symbols, 0) {
  heads_.reserve(o.symbols);
  // The prefix has no quotes or backslashes (options.cpp), the index is digits: the
  // names need no escaping.
  const std::string room_head = event_head(o.proto, "room_message") + R"({"room":")";
  for (std::size_t i = 0; i < o.symbols; ++i) {
    const auto name = symbol_name(o.symbol_prefix, i);
    heads_.push_back(rooms_ ? room_head + name + R"(","message_type":"data","content":")"
                            : R"({"symbol":")" + name + R"(","price":)");
  }
  if (rooms_)
    tail_ = std::string(R"("})") + std::string(event_tail(o.proto));
}

const std::string& publisher::build(std::size_t count, std::int64_t now_us) {
  ++messages_;
  if (rooms_)
    build_room_message(now_us);
  else
    build_publish(count, now_us);
  return message_;
}

void publisher::build_room_message(std::int64_t now_us) {
  const std::size_t s = ticks_++ % per_symbol_.size();
  const auto seq = ++per_symbol_[s];
  message_ = heads_[s]; // keeps the capacity: no allocation once warm
  append_integer(message_, static_cast<std::int64_t>(seq));
  message_ += room_content_separator;
  append_integer(message_, now_us);
  message_ += tail_;
}

void publisher::build_publish(std::size_t count, std::int64_t now_us) {
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
    message_ += heads_[s];
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
}

void publisher::on_ack(const publish_ack& a) {
  ++acks_;
  if (!a.ok) {
    on_refused(a.error_code);
    return;
  }
  accepted_ += a.accepted;
  duplicates_ += a.duplicates;
}

void publisher::on_refused(std::string_view error_code) {
  ++refused_;
  if (error_code.empty())
    error_code = "(no error_code)";
  for (auto& [code, n] : refusals_)
    if (code == error_code) {
      ++n;
      return;
    }
  if (refusals_.size() < 16)
    refusals_.emplace_back(std::string(error_code), 1);
}

} // namespace qc::loadgen

#include "actors/feeds/feed_simulated.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>

#include <caf/all.hpp>

#include "actors/common/clock.hpp"
#include "actors/feeds/feed_common.hpp"
#include "actors/messages.hpp"

namespace qc {

namespace {

constexpr auto batch_interval = std::chrono::milliseconds(10);
constexpr std::string_view feed_name = "simulated feed";

// The walk in log-price: a small random step plus a weak pull back to the start price,
// so a demo left running for hours still shows prices near their listed values.
constexpr double step_sigma = 0.001;   // ~0.1 % per tick of that symbol
constexpr double mean_reversion = 0.0005;

// Hundredths as decimal text, exactly: 168850 -> "1688.50", -5 -> "-0.05".
std::string fixed2(std::int64_t hundredths) {
  std::string out = hundredths < 0 ? "-" : "";
  const auto magnitude = static_cast<std::uint64_t>(std::llabs(hundredths));
  const auto cents = magnitude % 100;
  out += std::to_string(magnitude / 100);
  out += cents < 10 ? ".0" : ".";
  out += std::to_string(cents);
  return out;
}

std::uint64_t pick_seed(std::uint64_t seed) {
  return seed != 0 ? seed : (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
}

} // namespace

tick_simulator::tick_simulator(const std::vector<symbol_start>& symbols, std::uint64_t seed)
  : rng_(pick_seed(seed)) {
  for (const auto& s : symbols)
    instruments_.push_back(instrument{s.symbol, s.price, s.price});
}

protocol::tick tick_simulator::next(std::int64_t timestamp_ms) {
  std::uniform_int_distribution<std::size_t> which(0, instruments_.size() - 1);
  auto& in = instruments_[which(rng_)];
  const double z = std::clamp(std::normal_distribution<double>{}(rng_), -4.0, 4.0);
  in.price *= std::exp(step_sigma * z - mean_reversion * std::log(in.price / in.start));

  // Integer cents from here on, so 2-decimal text is exact and nothing reaches 0.
  const std::int64_t price = std::max<std::int64_t>(1, std::llround(in.price * 100));
  const std::int64_t half_spread = std::max<std::int64_t>(1, std::llround(price * 0.0001));
  const std::int64_t bid = std::max<std::int64_t>(1, price - half_spread);
  const std::int64_t ask = price + half_spread;
  const auto volume = 100 * std::uniform_int_distribution<std::int64_t>(1, 50)(rng_);
  const auto change_bp = std::llround((static_cast<double>(price) / 100 / in.start - 1) * 10000);

  protocol::tick t;
  t.symbol = in.symbol;
  t.timestamp_ms = timestamp_ms;
  t.fields = {{"price", fixed2(price)},
              {"volume", std::to_string(volume)},
              {"bid", fixed2(bid)},
              {"ask", fixed2(ask)},
              {"change_pct", fixed2(change_bp)},
              {"timestamp", std::to_string(timestamp_ms)}};
  return t;
}

namespace {

struct simulated_state {
  simulated_state(const std::vector<symbol_start>& symbols, const feed_settings& cfg)
    : sim(symbols, cfg.seed), rate(cfg.rate) {
  }

  tick_simulator sim;
  std::uint64_t rate;
  // Ticks owed = rate * time since `anchor`; counting from one anchor (not adding
  // rate/100 per timer) keeps the long-run rate exact whatever the timer's jitter.
  std::chrono::steady_clock::time_point anchor = std::chrono::steady_clock::now();
  std::uint64_t counted = 0; // ticks owed up to the last timer, since `anchor`
  std::size_t in_flight = 0;
  std::uint64_t shed = 0;
  bool warned = false;

  // Ticks due since the last call; at most one second's worth after a stall.
  std::uint64_t due_now() {
    using namespace std::chrono;
    const auto elapsed = duration_cast<microseconds>(steady_clock::now() - anchor).count();
    const std::uint64_t owed = rate * static_cast<std::uint64_t>(elapsed) / 1'000'000;
    const auto n = std::min(owed - std::min(owed, counted), rate);
    counted = owed;
    while (counted >= rate) { // re-anchor each whole second so the product stays small
      anchor += seconds(1);
      counted -= rate;
    }
    return n;
  }
};

} // namespace

caf::behavior simulated_feed(caf::event_based_actor* self, feed_settings cfg, market_actor market) {
  symbol_list list;
  try {
    list = load_symbols(cfg.symbols_file);
  } catch (const std::exception& e) {
    feed_log(feed_name, e.what());
    self->quit(caf::make_error(caf::sec::runtime_error, e.what()));
    return {};
  }
  for (const auto& err : list.errors)
    feed_log(feed_name, cfg.symbols_file + ": " + err + " (skipped)");
  if (list.symbols.empty() || !market || cfg.rate == 0) {
    const std::string why = list.symbols.empty() ? "no symbols in '" + cfg.symbols_file + "'"
                                                 : "no market or a zero rate";
    feed_log(feed_name, why);
    self->quit(caf::make_error(caf::sec::runtime_error, why));
    return {};
  }
  feed_log(feed_name, std::to_string(list.symbols.size()) + " symbols, "
                        + std::to_string(cfg.rate) + " ticks/s");

  auto st = std::make_shared<simulated_state>(list.symbols, cfg);
  self->monitor(market);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  self->delayed_send(self, batch_interval, feed_tick_atom::value);
  return {
    [self, st, market](feed_tick_atom) {
      self->delayed_send(self, batch_interval, feed_tick_atom::value);
      const auto n = st->due_now();
      if (n == 0)
        return;
      if (st->in_flight >= feed_max_in_flight) { // the market is behind: shed, don't queue
        st->shed += n;
        if (!st->warned)
          feed_log(feed_name, "the market is behind; shedding ticks");
        st->warned = true;
        return;
      }
      tick_batch batch;
      batch.reserve(n);
      const auto now = now_ms();
      for (std::uint64_t i = 0; i < n; ++i)
        batch.push_back(st->sim.next(now));
      ++st->in_flight;
      publish_batch(self, market, std::move(batch), [st](const caf::error&) { --st->in_flight; });
    },
  };
}

} // namespace qc

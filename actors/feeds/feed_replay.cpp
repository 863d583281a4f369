#include "actors/feeds/feed_replay.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <sstream>

#include <caf/all.hpp>

#include "actors/feeds/feed_common.hpp"
#include "actors/feeds/feed_files.hpp"
#include "actors/messages.hpp"

namespace qc {

namespace {

using clock_type = std::chrono::steady_clock;

constexpr std::string_view feed_name = "replay feed";
constexpr std::size_t max_batch = 1000;        // the market's publish limit, by default
constexpr std::uint64_t max_bad_row_warnings = 100; // then only the final count

class replay_state {
public:
  replay_state(caf::event_based_actor* self, csv_tick_reader reader, const feed_settings& cfg,
               market_actor market)
    : self_(self), reader_(std::move(reader)), name_(cfg.replay_file),
      speed_(cfg.replay_speed), loop_(cfg.replay_loop), market_(std::move(market)) {
  }

  /// Sends every row that is due, as credit allows; arms the timer for the next one;
  /// quits when the file is done. Runs on start, on the timer and on each answer.
  void pump(const std::shared_ptr<replay_state>& self_ptr) {
    while (in_flight_ < feed_max_in_flight && fill_pending()) {
      const auto now = clock_type::now();
      if (pending_due_ > now) {
        arm_timer(pending_due_ - now);
        break;
      }
      tick_batch batch;
      while (batch.size() < max_batch && fill_pending() && pending_due_ <= now) {
        batch.push_back(std::move(*pending_));
        pending_.reset();
      }
      sent_ += batch.size();
      ++in_flight_;
      publish_batch(self_, market_, std::move(batch), [self_ptr](const caf::error&) {
        --self_ptr->in_flight_;
        self_ptr->pump(self_ptr);
      });
    }
    if (at_end_ && !pending_ && in_flight_ == 0) {
      feed_log(feed_name, "replayed " + std::to_string(sent_) + " ticks from '" + name_ + "' ("
                            + std::to_string(bad_) + " bad rows skipped)");
      self_->quit();
    }
  }

  void timer_fired() { timer_armed_ = false; }

private:
  void arm_timer(clock_type::duration delay) {
    if (timer_armed_)
      return;
    timer_armed_ = true;
    self_->delayed_send(self_, delay, feed_tick_atom::value);
  }

  // Reads until a good row is pending (true) or the replay is over (false).
  bool fill_pending() {
    while (!pending_ && !at_end_) {
      auto e = reader_.next();
      if (!e) {
        if (loop_ && pass_rows_ > 0) {
          start_pass();
          continue;
        }
        if (pass_rows_ == 0)
          feed_log(feed_name, "no good rows in '" + name_ + "'");
        at_end_ = true;
        break;
      }
      if (!e->tick) {
        skip_bad(*e);
        continue;
      }
      pending_ = std::move(e->tick);
      pending_due_ = due_time(*pending_);
      ++pass_rows_;
    }
    return pending_.has_value();
  }

  void skip_bad(const csv_tick_reader::entry& e) {
    if (passes_ > 1)
      return; // warned on the first pass already
    ++bad_;
    if (bad_ <= max_bad_row_warnings)
      feed_log(feed_name, name_ + " line " + std::to_string(e.line) + ": " + e.error
                            + " (skipped)");
    if (bad_ == max_bad_row_warnings)
      feed_log(feed_name, "further bad rows are only counted");
  }

  void start_pass() {
    reader_.rewind();
    ++passes_;
    pass_rows_ = 0;
    pass_start_ = clock_type::now();
    last_due_ = pass_start_;
    first_ts_.reset();
    shift_pending_ = true;
  }

  // When a row is due, from its timestamp's offset to the first timestamp of the pass;
  // a row without a timestamp, or one that goes back in time, goes with the row before.
  // On later passes the tick's timestamp is shifted to follow the previous pass.
  clock_type::time_point due_time(protocol::tick& t) {
    if (!t.timestamp_ms)
      return speed_ == 0 ? pass_start_ : last_due_;
    const auto raw = *t.timestamp_ms;
    if (!first_ts_) {
      first_ts_ = raw;
      last_ts_ = raw;
    }
    if (shift_pending_) {
      shift_ = last_sent_ts_ + 1 - raw;
      shift_pending_ = false;
    }
    if (shift_ != 0) {
      t.timestamp_ms = raw + shift_;
      for (auto& [name, value] : t.fields)
        if (name == "timestamp")
          value = std::to_string(*t.timestamp_ms);
    }
    last_sent_ts_ = std::max(last_sent_ts_, *t.timestamp_ms);
    if (speed_ == 0)
      return pass_start_;
    last_ts_ = std::max(last_ts_, raw);
    const std::chrono::duration<double, std::milli> offset((last_ts_ - *first_ts_) / speed_);
    last_due_ = pass_start_ + std::chrono::duration_cast<clock_type::duration>(offset);
    return last_due_;
  }

  caf::event_based_actor* self_;
  csv_tick_reader reader_;
  std::string name_;
  double speed_;
  bool loop_;
  market_actor market_;

  std::optional<protocol::tick> pending_; // read, not yet sent
  clock_type::time_point pending_due_;
  bool at_end_ = false;
  bool timer_armed_ = false;
  std::size_t in_flight_ = 0;

  // The pass under way: pacing is relative to its start and its first timestamp.
  std::uint64_t passes_ = 1;
  std::uint64_t pass_rows_ = 0;
  clock_type::time_point pass_start_ = clock_type::now();
  clock_type::time_point last_due_ = pass_start_;
  std::optional<std::int64_t> first_ts_;
  std::int64_t last_ts_ = 0;
  bool shift_pending_ = false; // the first pass keeps the file's timestamps
  std::int64_t shift_ = 0;
  std::int64_t last_sent_ts_ = 0;

  std::uint64_t sent_ = 0;
  std::uint64_t bad_ = 0;
};

} // namespace

caf::behavior replay_feed(caf::event_based_actor* self, feed_settings cfg, market_actor market) {
  std::shared_ptr<replay_state> st;
  try {
    if (!market)
      throw std::runtime_error("no market to replay to");
    st = std::make_shared<replay_state>(self, csv_tick_reader::open(cfg.replay_file, cfg.tick_limits), cfg, market);
  } catch (const std::exception& e) {
    feed_log(feed_name, e.what());
    self->quit(caf::make_error(caf::sec::runtime_error, e.what()));
    return {};
  }
  std::ostringstream note;
  note << "replaying '" << cfg.replay_file << "' ";
  if (cfg.replay_speed == 0)
    note << "as fast as the market takes it";
  else
    note << "at " << cfg.replay_speed << "x the recorded pace";
  feed_log(feed_name, note.str() + (cfg.replay_loop ? ", looping" : ""));
  self->monitor(market);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  st->pump(st);
  return {
    [st](feed_tick_atom) {
      st->timer_fired();
      st->pump(st);
    },
  };
}

} // namespace qc

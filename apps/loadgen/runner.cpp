#include "apps/loadgen/runner.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "apps/loadgen/clock.hpp"
#include "apps/loadgen/publisher.hpp"

namespace qc::loadgen {

namespace {

constexpr std::size_t max_publisher_backlog = 4u << 20; // bytes queued before the publisher waits

// Moves the run through its phases; called by worker 0 once per loop turn.
class coordinator {
public:
  coordinator(const options& o, run_shared& shared, worker& w0, publisher* pub, run_report& rep)
      : opt_(o), shared_(shared), w0_(w0), pub_(pub), rep_(rep) {}

  int step(std::int64_t now);
  void interrupt() {
    rep_.interrupted = true;
    shared_.phase.store(run_phase::done, std::memory_order_release);
  }

private:
  struct totals {
    std::uint64_t made = 0, failed = 0, settled = 0, received = 0;
  };
  totals sum_boards() const;
  bool all_frozen() const;
  void sample_server(std::optional<proc_sample>& into);
  void begin_window();
  void after_connecting(std::int64_t now);
  int publish(std::int64_t now);
  void enter_drain(std::int64_t now);
  void finish(std::int64_t now);
  void progress(std::int64_t now, run_phase phase);
  void set_phase(run_phase p) { shared_.phase.store(p, std::memory_order_release); }

  const options& opt_;
  run_shared& shared_;
  worker& w0_;
  publisher* pub_;
  run_report& rep_;
  std::int64_t start_ns_ = 0;
  std::int64_t phase_ns_ = 0;       // when the current phase began
  std::int64_t next_progress_ns_ = 0;
  std::uint64_t last_received_ = 0;
  std::int64_t last_progress_ns_ = 0;
  bool window_begun_ = false;
  double self_cpu_begin_ = 0;
};

coordinator::totals coordinator::sum_boards() const {
  totals t;
  for (std::size_t i = 0; i < opt_.threads; ++i) {
    const auto& b = shared_.boards[i];
    t.made += b.made.load(std::memory_order_relaxed);
    t.failed += b.failed.load(std::memory_order_relaxed);
    t.settled += b.settled.load(std::memory_order_relaxed);
    t.received += b.received.load(std::memory_order_relaxed);
  }
  return t;
}

bool coordinator::all_frozen() const {
  for (std::size_t i = 0; i < opt_.threads; ++i)
    if (!shared_.boards[i].frozen.load(std::memory_order_acquire))
      return false;
  return true;
}

void coordinator::sample_server(std::optional<proc_sample>& into) {
  if (opt_.server_pid <= 0)
    return;
  into = sample_process(opt_.server_pid);
  if (!into)
    rep_.server_gone = true;
  else
    rep_.server_rss_peak_kb = std::max(rep_.server_rss_peak_kb, into->rss_kb);
}

void coordinator::begin_window() {
  window_begun_ = true;
  sample_server(rep_.server_window_begin);
  self_cpu_begin_ = self_cpu_seconds();
}

void coordinator::after_connecting(std::int64_t now) {
  // Every worker has frozen its counts: the subscribers per symbol are final.
  rep_.connect_phase_s = seconds_between(start_ns_, now);
  sample_server(rep_.server_connected);
  phase_ns_ = now;
  switch (opt_.run_mode) {
    case mode::storm:
      // The storm is the window: connects per second, and the server's CPU for them.
      rep_.window_s = rep_.connect_phase_s;
      rep_.server_window_begin = rep_.server_start;
      rep_.server_window_end = rep_.server_connected;
      rep_.self_cpu_window_s = self_cpu_seconds() - self_cpu_begin_;
      finish(now);
      return;
    case mode::idle:
      begin_window();
      set_phase(run_phase::running);
      return;
    case mode::fanout:
    case mode::rooms: {
      const auto t0 = wall_us();
      shared_.window_begin_us.store(t0 + static_cast<std::int64_t>(opt_.warmup_s * 1e6), std::memory_order_relaxed);
      shared_.window_end_us.store(t0 + static_cast<std::int64_t>(opt_.duration_s * 1e6), std::memory_order_relaxed);
      if (opt_.warmup_s <= 0)
        begin_window();
      set_phase(run_phase::running);
      return;
    }
  }
}

int coordinator::publish(std::int64_t now) {
  const double elapsed = seconds_between(phase_ns_, now);
  if (!window_begun_ && elapsed >= opt_.warmup_s)
    begin_window();
  if (elapsed >= opt_.duration_s) {
    enter_drain(now);
    return 1;
  }
  if (w0_.publisher_failed()) {
    rep_.notes.emplace_back("the publisher connection failed while publishing");
    enter_drain(now);
    return 1;
  }
  // Ticks (room messages) due by now at the set rate; sent in messages of at most
  // --batch ticks (rooms: one room_message each), all queued in one write. If
  // the server does not take them, the backlog is bounded and the rate falls behind
  // (the summary shows the rate actually sent).
  const auto due_total = static_cast<std::uint64_t>(elapsed * opt_.rate);
  std::uint64_t due = due_total > pub_->ticks_sent() ? due_total - pub_->ticks_sent() : 0;
  while (due > 0 && w0_.publisher_queued() < max_publisher_backlog) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(due, opt_.batch));
    w0_.send_publish(pub_->build(n, wall_us()));
    due -= n;
  }
  if (opt_.rate <= 0)
    return 50;
  const double next_s = static_cast<double>(pub_->ticks_sent() + 1) / opt_.rate;
  const double wait_ms = std::ceil((next_s - elapsed) * 1000.0);
  return static_cast<int>(std::clamp(wait_ms, 1.0, 50.0));
}

void coordinator::enter_drain(std::int64_t now) {
  // The last ticks of the period, so that exactly rate x duration are sent.
  const auto planned = static_cast<std::uint64_t>(opt_.rate * opt_.duration_s);
  while (!w0_.publisher_failed() && pub_->ticks_sent() < planned && w0_.publisher_queued() < max_publisher_backlog) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(planned - pub_->ticks_sent(), opt_.batch));
    w0_.send_publish(pub_->build(n, wall_us()));
  }
  rep_.publish_s = seconds_between(phase_ns_, now);
  rep_.window_s = std::max(0.0, opt_.duration_s - opt_.warmup_s);
  sample_server(rep_.server_window_end);
  rep_.self_cpu_window_s = self_cpu_seconds() - self_cpu_begin_;
  // Every tick sent goes to every subscriber of its symbol that was subscribed (every
  // room message to every member of its room but the publisher).
  std::vector<std::uint64_t> subscribers(opt_.symbols, 0);
  for (std::size_t i = 0; i < opt_.threads; ++i) {
    const auto& per = shared_.boards[i].subscribers_per_symbol;
    for (std::size_t s = 0; s < per.size() && s < subscribers.size(); ++s)
      subscribers[s] += per[s];
  }
  const auto& ticks = pub_->ticks_per_symbol();
  rep_.expected = 0;
  for (std::size_t s = 0; s < ticks.size(); ++s)
    rep_.expected += ticks[s] * subscribers[s];
  phase_ns_ = now;
  set_phase(run_phase::draining);
}

void coordinator::finish(std::int64_t now) {
  if (opt_.progress_interval_s > 0)
    progress(now, run_phase::done);
  set_phase(run_phase::done);
}

void coordinator::progress(std::int64_t now, run_phase phase) {
  static constexpr const char* names[] = {"connecting", "settling", "running", "draining", "done"};
  const auto t = sum_boards();
  const double dt = last_progress_ns_ ? seconds_between(last_progress_ns_, now) : 0;
  const double rate = dt > 0 ? static_cast<double>(t.received - last_received_) / dt : 0;
  last_progress_ns_ = now;
  last_received_ = t.received;
  const auto pending = opt_.clients - std::min<std::uint64_t>(opt_.clients, t.settled);
  char line[256];
  std::snprintf(line, sizeof line,
                "[%7.1fs] %-10s connections %llu made, %llu failed, %llu pending | deliveries %.0f/s, %llu total | %s sent %llu\n",
                seconds_between(start_ns_, now), names[static_cast<int>(phase)],
                static_cast<unsigned long long>(t.made), static_cast<unsigned long long>(t.failed),
                static_cast<unsigned long long>(pending), rate, static_cast<unsigned long long>(t.received),
                opt_.run_mode == mode::rooms ? "messages" : "ticks",
                static_cast<unsigned long long>(pub_ ? pub_->ticks_sent() : 0));
  std::cerr << line << std::flush;
}

int coordinator::step(std::int64_t now) {
  if (!start_ns_) {
    start_ns_ = phase_ns_ = now;
    next_progress_ns_ = now;
    sample_server(rep_.server_start);
    self_cpu_begin_ = self_cpu_seconds();
  }
  const auto phase = shared_.phase.load(std::memory_order_relaxed);
  if (opt_.progress_interval_s > 0 && now >= next_progress_ns_) {
    progress(now, phase);
    next_progress_ns_ = now + static_cast<std::int64_t>(opt_.progress_interval_s * 1e9);
    if (opt_.server_pid > 0) { // keeps the RSS peak current
      std::optional<proc_sample> s;
      sample_server(s);
    }
  }
  switch (phase) {
    case run_phase::connecting: {
      if (w0_.publisher_failed()) {
        rep_.notes.emplace_back(opt_.run_mode == mode::rooms
                                  ? "the publisher could not connect or join every room (connections.failure_reasons)"
                                  : "the publisher could not connect");
        set_phase(run_phase::settling);
        return 1;
      }
      const bool publisher_ok = !pub_ || w0_.publisher_ready();
      const bool all_settled = sum_boards().settled >= opt_.clients;
      if ((all_settled && publisher_ok) || seconds_between(start_ns_, now) > opt_.connect_phase_s) {
        if (!all_settled || !publisher_ok)
          rep_.notes.emplace_back("the connect phase ran out of time");
        set_phase(run_phase::settling);
        return 0;
      }
      return 5;
    }
    case run_phase::settling:
      if (!all_frozen())
        return 1;
      if (pub_ && !w0_.publisher_ready()) {
        finish(now);
        return 0;
      }
      after_connecting(now);
      return 0;
    case run_phase::running:
      if (publishes(opt_.run_mode))
        return publish(now);
      if (seconds_between(phase_ns_, now) >= opt_.duration_s) {
        rep_.window_s = seconds_between(phase_ns_, now);
        sample_server(rep_.server_window_end);
        rep_.self_cpu_window_s = self_cpu_seconds() - self_cpu_begin_;
        finish(now);
        return 0;
      }
      return 50;
    case run_phase::draining:
      if (sum_boards().received >= rep_.expected || seconds_between(phase_ns_, now) >= opt_.drain_s) {
        finish(now);
        return 0;
      }
      return 5;
    case run_phase::done:
      return 0;
  }
  return 0;
}

// Events the broker refused are errors of the run, said plainly.
void note_refusals(const options& o, run_report& rep) {
  if (rep.publish_refused == 0)
    return;
  std::string note = "the broker refused " + std::to_string(rep.publish_refused) + " of "
                     + std::to_string(rep.publish_messages)
                     + (o.run_mode == mode::rooms ? " room_message events (" : " publish events (");
  bool rate_limited = false;
  for (std::size_t i = 0; i < rep.publish_refusals.size(); ++i) {
    const auto& [code, n] = rep.publish_refusals[i];
    note += (i ? ", " : "") + code + " x" + std::to_string(n);
    rate_limited = rate_limited || code == "RATE_LIMIT_EXCEEDED";
  }
  note += ")";
  if (rate_limited)
    note += ": its per-connection event limit is below --rate; start it with a higher "
            "--limits.events-per-second (bench/run and the smoke test use 1000000)";
  rep.notes.push_back(std::move(note));
}

// SIGINT and SIGTERM arrive on a descriptor the first worker watches. The mask is set
// before the second worker's thread starts, so it inherits it.
unique_fd block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return unique_fd{::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)};
}

} // namespace

run_report run(const options& o) {
  run_report rep;
  rep.started_at_ms = wall_us() / 1000;
  const auto start = mono_ns();
  const double cpu_start = self_cpu_seconds();
  const auto signals = block_stop_signals();

  run_shared shared;
  std::unique_ptr<publisher> pub;
  if (publishes(o.run_mode))
    pub = std::make_unique<publisher>(o);
  rep.has_publisher = pub != nullptr;

  std::vector<std::unique_ptr<worker>> workers;
  for (std::size_t i = 0; i < o.threads; ++i)
    workers.push_back(std::make_unique<worker>(o, shared, i, i == 0 ? pub.get() : nullptr));
  coordinator coord{o, shared, *workers[0], pub.get(), rep};
  if (signals)
    workers[0]->watch(signals.get(), [&] {
      std::cerr << "quotecast-loadgen: interrupted\n";
      coord.interrupt();
    });

  std::vector<std::jthread> threads;
  for (std::size_t i = 1; i < workers.size(); ++i)
    threads.emplace_back([&w = *workers[i]] { w.run({}); });
  workers[0]->run([&](std::int64_t now) { return coord.step(now); });
  threads.clear(); // joins

  for (const auto& w : workers)
    rep.counts.merge(w->counts());
  if (pub) {
    rep.publish_messages = pub->messages_sent();
    rep.ticks_sent = pub->ticks_sent();
    rep.publish_acks = pub->acks();
    rep.ticks_accepted = pub->accepted();
    rep.ticks_duplicate = pub->duplicates();
    rep.publish_refused = pub->refused();
    rep.publisher_echoes = pub->echoes();
    rep.publish_refusals = pub->refusals();
    note_refusals(o, rep);
  }
  if (o.server_pid > 0) {
    rep.server_end = sample_process(o.server_pid);
    if (rep.server_end)
      rep.server_rss_peak_kb = std::max(rep.server_rss_peak_kb, rep.server_end->rss_kb);
    else
      rep.server_gone = true;
  }
  rep.self_cpu_total_s = self_cpu_seconds() - cpu_start;
  rep.wall_s = seconds_between(start, mono_ns());
  return rep;
}

} // namespace qc::loadgen

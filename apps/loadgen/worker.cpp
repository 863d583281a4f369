#include "apps/loadgen/worker.hpp"

#include <arpa/inet.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <stdexcept>

#include "apps/loadgen/clock.hpp"
#include "apps/loadgen/publisher.hpp"

namespace qc::loadgen {

void worker_counts::merge(const worker_counts& o) {
  attempted += o.attempted;
  made += o.made;
  failed += o.failed;
  not_started += o.not_started;
  closed_by_server += o.closed_by_server;
  subscriptions_ok += o.subscriptions_ok;
  subscriptions_failed += o.subscriptions_failed;
  received += o.received;
  received_in_window += o.received_in_window;
  arrived_in_window += o.arrived_in_window;
  snapshots += o.snapshots;
  gaps += o.gaps;
  out_of_order += o.out_of_order;
  conflated += o.conflated;
  without_ts += o.without_ts;
  unparsed += o.unparsed;
  error_events += o.error_events;
  if (o.first_start_ns && (!first_start_ns || o.first_start_ns < first_start_ns))
    first_start_ns = o.first_start_ns;
  last_made_ns = std::max(last_made_ns, o.last_made_ns);
  if (subscribers_per_symbol.size() < o.subscribers_per_symbol.size())
    subscribers_per_symbol.resize(o.subscribers_per_symbol.size());
  for (std::size_t i = 0; i < o.subscribers_per_symbol.size(); ++i)
    subscribers_per_symbol[i] += o.subscribers_per_symbol[i];
  for (const auto& r : o.failure_reasons)
    if (failure_reasons.size() < 10)
      failure_reasons.push_back(r);
  latency_us.merge(o.latency_us);
  connect_us.merge(o.connect_us);
}

worker::worker(const options& o, run_shared& shared, std::size_t id, publisher* pub)
    : opt_(o), shared_(shared), id_(id), pub_(pub),
      delivery_kind_(o.run_mode == mode::rooms ? message_kind::room_message : message_kind::stream_data),
      epoll_(::epoll_create1(EPOLL_CLOEXEC)),
      scratch_(256 * 1024) {
  if (!epoll_)
    throw std::runtime_error("epoll_create1 failed");
  for (std::size_t i = id; i < o.clients; i += o.threads)
    ++subscribers_;
  conns_.resize(subscribers_ + (pub ? 1 : 0));
  const bool subscribes = o.run_mode != mode::storm && o.per_client > 0;
  for (std::size_t t = 0; t < subscribers_; ++t) {
    auto& c = conns_[t];
    c.index = static_cast<std::uint32_t>(id + t * o.threads);
    c.first_symbol = static_cast<std::uint32_t>((c.index * o.per_client) % o.symbols);
    if (subscribes)
      c.last_seq.assign(o.per_client, 0);
  }
  counts_.subscribers_per_symbol.assign(o.symbols, 0);
  if (pub) {
    auto& p = conns_.back();
    p.is_publisher = true;
    if (o.run_mode == mode::rooms) // a room_message needs the sender in the room
      p.last_seq.assign(o.symbols, 0);
  }
}

void worker::watch(int fd, std::function<void()> on_ready) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = signal_tag;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::runtime_error("epoll_ctl failed for a watched descriptor");
  watched_fd_ = fd;
  on_watched_ = std::move(on_ready);
}

bool worker::publisher_ready() const { return pub_ && conns_.back().st == stage::ready && !conns_.back().gone; }
bool worker::publisher_failed() const { return pub_ && (conns_.back().st == stage::failed || conns_.back().gone); }
std::size_t worker::publisher_queued() const { return pub_ ? conns_.back().ws.queued_bytes() : 0; }

void worker::send_publish(const std::string& message) {
  auto& c = conns_.back();
  c.ws.queue_text(message);
  after_io(c, conns_.size() - 1);
}

void worker::set_interest(connection& c, std::size_t tag, bool want_out) {
  if (c.want_out == want_out)
    return;
  epoll_event ev{};
  ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0u);
  ev.data.u64 = tag;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, c.ws.fd(), &ev);
  c.want_out = want_out;
}

void worker::start(connection& c, std::size_t tag, std::int64_t now_ns) {
  sockaddr_in source{};
  const sockaddr_in* src = nullptr;
  if (opt_.source_addrs > 1) {
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl(0x7f000001u + static_cast<std::uint32_t>(c.index % opt_.source_addrs));
    src = &source;
  }
  c.started_ns = now_ns;
  if (!counts_.first_start_ns)
    counts_.first_start_ns = now_ns;
  c.st = stage::connecting;
  if (!c.is_publisher) {
    ++counts_.attempted;
    ++in_flight_;
    in_flight_order_.push_back(tag);
  }
  if (!c.ws.start(opt_.target, src, static_cast<std::uint32_t>(tag * 2654435761u + 1))) {
    fail(c, c.ws.failure());
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = tag;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, c.ws.fd(), &ev) != 0) {
    fail(c, "epoll_ctl failed");
    return;
  }
  c.want_out = true;
}

void worker::start_connections(std::int64_t now_ns) {
  if (!phase_start_ns_) {
    phase_start_ns_ = now_ns;
    if (pub_)
      start(conns_.back(), conns_.size() - 1, now_ns);
  }
  std::size_t allowed = subscribers_;
  if (opt_.connect_rate > 0) {
    const double per_worker = opt_.connect_rate / static_cast<double>(opt_.threads);
    const double elapsed = seconds_between(phase_start_ns_, now_ns);
    allowed = std::min(subscribers_, static_cast<std::size_t>(elapsed * per_worker) + 1);
  }
  const std::size_t concurrency = std::max<std::size_t>(1, opt_.concurrency / opt_.threads);
  while (next_to_start_ < allowed && in_flight_ < concurrency) {
    const auto tag = next_to_start_++;
    start(conns_[tag], tag, now_ns);
  }
}

void worker::on_made(connection& c) {
  if (!c.is_publisher) {
    const auto now = mono_ns();
    counts_.connect_us.record(static_cast<std::uint64_t>((now - c.started_ns) / 1000));
    counts_.last_made_ns = now;
  }
  if (c.last_seq.empty()) {
    settle(c, stage::ready);
    return;
  }
  c.st = stage::subscribing;
  const bool rooms = opt_.run_mode == mode::rooms;
  for (std::size_t j = 0; j < c.last_seq.size(); ++j) {
    const auto name = symbol_name(opt_.symbol_prefix, (c.first_symbol + j) % opt_.symbols);
    c.ws.queue_text(rooms ? join_room_message(opt_.proto, name) : subscribe_message(opt_.proto, name, opt_.fields));
  }
}

void worker::on_subscribed(connection& c, std::string_view topic) {
  if (!c.is_publisher) { // the publisher's joins are not subscriptions to count
    ++counts_.subscriptions_ok;
    const long sym = symbol_index(opt_.symbol_prefix, topic);
    if (sym >= 0 && static_cast<std::size_t>(sym) < counts_.subscribers_per_symbol.size())
      ++counts_.subscribers_per_symbol[static_cast<std::size_t>(sym)];
  }
  on_subscription_answer(c);
}

void worker::on_subscription_refused(connection& c, std::string_view msg) {
  if (!c.is_publisher) {
    ++counts_.subscriptions_failed;
  } else if (publisher_join_error_.empty()) {
    publisher_join_error_ = "could not join every room: ";
    publisher_join_error_ += find_error_code(msg);
    publisher_join_error_ += " ";
    publisher_join_error_ += find_string_value(msg, R"("message":")");
  }
  on_subscription_answer(c);
}

void worker::on_subscription_answer(connection& c) {
  if (c.st != stage::subscribing || ++c.answers != c.last_seq.size())
    return;
  if (c.is_publisher && !publisher_join_error_.empty())
    fail(c, publisher_join_error_.c_str()); // it could not send to every room
  else
    settle(c, stage::ready);
}

void worker::settle(connection& c, stage st) {
  const bool was_in_flight = c.st == stage::connecting || c.st == stage::handshaking || c.st == stage::subscribing;
  c.st = st;
  if (was_in_flight && !c.is_publisher) {
    --in_flight_;
    ++settled_;
    if (st == stage::ready)
      ++counts_.made;
  }
}

void worker::fail(connection& c, const char* why) {
  if (c.st == stage::failed)
    return;
  if (!c.is_publisher) {
    if (c.st == stage::ready) {
      if (!c.gone)
        ++counts_.closed_by_server;
    } else {
      ++counts_.failed;
      if (counts_.failure_reasons.size() < 10)
        counts_.failure_reasons.emplace_back(why);
    }
  } else if (counts_.failure_reasons.size() < 10) {
    counts_.failure_reasons.emplace_back(std::string("publisher: ") + why);
  }
  if (c.st == stage::ready) {
    c.gone = true; // made and settled: stays counted as made, but is closed now
    c.ws.close();
    return;
  }
  settle(c, stage::failed);
  c.ws.close();
}

void worker::on_delivery(connection& c, std::string_view msg, std::int64_t now_us) {
  delivery d;
  const bool read = !c.last_seq.empty()
                    && (opt_.run_mode == mode::rooms ? scan_room_message(msg, d) : scan_stream_data(msg, d));
  if (!read) {
    ++counts_.unparsed;
    return;
  }
  const long sym = symbol_index(opt_.symbol_prefix, d.symbol);
  const auto symbols = static_cast<long>(opt_.symbols);
  const long slot = sym < 0 ? -1 : (sym - static_cast<long>(c.first_symbol) + symbols) % symbols;
  if (slot < 0 || slot >= static_cast<long>(c.last_seq.size())) {
    ++counts_.unparsed;
    return;
  }
  auto& last = c.last_seq[static_cast<std::size_t>(slot)];
  if (d.snapshot) {
    ++counts_.snapshots;
    last = std::max(last, d.seq);
    return;
  }
  ++counts_.received;
  counts_.conflated += d.conflated;
  if (last != 0) {
    if (d.seq > last + 1)
      counts_.gaps += d.seq - last - 1;
    else if (d.seq <= last)
      ++counts_.out_of_order;
  }
  last = std::max(last, d.seq);
  const bool arrived_in_window = now_us >= window_begin_us_ && now_us < window_end_us_;
  if (arrived_in_window)
    ++counts_.arrived_in_window;
  if (d.ts_us < 0) {
    ++counts_.without_ts;
    if (arrived_in_window)
      ++counts_.received_in_window;
    return;
  }
  if (d.ts_us >= window_begin_us_ && d.ts_us < window_end_us_) {
    ++counts_.received_in_window;
    counts_.latency_us.record(static_cast<std::uint64_t>(std::max<std::int64_t>(0, now_us - d.ts_us)));
  }
}

void worker::on_message(connection& c, std::string_view msg) {
  const auto kind = classify(opt_.proto, msg);
  if (kind == delivery_kind_) { // the hot path
    if (!c.is_publisher)
      on_delivery(c, msg, now_us_);
    else if (pub_)
      pub_->on_echo();
    return;
  }
  switch (kind) {
    case message_kind::eio_ping:
      c.ws.queue_text(eio_pong);
      break;
    case message_kind::eio_open:
      if (opt_.proto == transport::socketio && c.st == stage::handshaking)
        c.ws.queue_text(sio_connect);
      break;
    case message_kind::connected:
      if (c.st == stage::handshaking)
        on_made(c);
      break;
    case message_kind::connect_refused:
      fail(c, "Socket.IO CONNECT refused");
      break;
    case message_kind::stream_subscribed:
      on_subscribed(c, find_symbol(msg));
      break;
    case message_kind::room_subscribed:
      on_subscribed(c, find_room(msg));
      break;
    case message_kind::stream_error:
      on_subscription_refused(c, msg);
      break;
    case message_kind::ack:
      if (c.is_publisher && pub_)
        pub_->on_ack(scan_publish_ack(msg));
      break;
    case message_kind::error_event:
      // A room join is answered by `subscribed` or by `error`.
      if (opt_.run_mode == mode::rooms && c.st == stage::subscribing) {
        on_subscription_refused(c, msg);
        break;
      }
      ++counts_.error_events;
      if (c.is_publisher && pub_) // e.g. RATE_LIMIT_EXCEEDED for a room_message
        pub_->on_error_event(find_error_code(msg));
      break;
    case message_kind::eio_close:
      fail(c, "Engine.IO close packet");
      break;
    case message_kind::stream_data:  // the other mode's delivery kind: not ours
    case message_kind::room_message:
    case message_kind::other:
      break;
  }
}

void worker::after_io(connection& c, std::size_t tag) {
  if (c.ws.current() == ws_client::state::closed)
    return;
  if (c.ws.wants_write() && c.ws.flush() != io_result::ok) {
    fail(c, c.ws.failure());
    return;
  }
  set_interest(c, tag, c.ws.wants_write());
}

void worker::on_event(std::size_t tag, std::uint32_t events) {
  auto& c = conns_[tag];
  if (c.ws.current() == ws_client::state::closed)
    return;
  if (c.ws.current() == ws_client::state::connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
      return;
    if (!c.ws.finish_connect(opt_.host_header, upgrade_path(opt_.proto))) {
      fail(c, c.ws.failure());
      return;
    }
    c.st = stage::handshaking;
    after_io(c, tag);
    return;
  }
  if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
    now_us_ = wall_us();
    const auto r = c.ws.read(scratch_, [&](std::string_view msg) { on_message(c, msg); });
    if (r != io_result::ok) {
      if (c.ws.wants_write())
        c.ws.flush(); // the answer to a close frame, best effort
      fail(c, c.ws.failure());
      return;
    }
    if (c.st == stage::failed)
      return;
  }
  after_io(c, tag);
}

void worker::expire(std::int64_t now_ns) {
  const auto timeout_ns = static_cast<std::int64_t>(opt_.connect_timeout_s * 1e9);
  while (!in_flight_order_.empty()) {
    auto& c = conns_[in_flight_order_.front()];
    const bool pending = c.st == stage::connecting || c.st == stage::handshaking || c.st == stage::subscribing;
    if (pending && now_ns - c.started_ns < timeout_ns)
      break;
    if (pending)
      fail(c, c.st == stage::subscribing ? "timed out waiting for stream_subscribed" : "connect timed out");
    in_flight_order_.pop_front();
  }
}

void worker::freeze() {
  // The connect phase is over: what is still pending failed, what never started is
  // counted as such, and the counts the coordinator needs are final from here on.
  for (auto tag : in_flight_order_) {
    auto& c = conns_[tag];
    if (c.st == stage::connecting || c.st == stage::handshaking || c.st == stage::subscribing)
      fail(c, "connect phase ended first");
  }
  in_flight_order_.clear();
  counts_.not_started = subscribers_ - next_to_start_;
  frozen_ = true;
  publish_board();
  shared_.boards[id_].subscribers_per_symbol = counts_.subscribers_per_symbol;
  shared_.boards[id_].frozen.store(true, std::memory_order_release);
}

void worker::publish_board() {
  auto& b = shared_.boards[id_];
  b.made.store(counts_.made, std::memory_order_relaxed);
  b.failed.store(counts_.failed, std::memory_order_relaxed);
  b.settled.store(settled_, std::memory_order_relaxed);
  b.received.store(counts_.received, std::memory_order_relaxed);
}

void worker::run(const std::function<int(std::int64_t now_ns)>& step) {
  std::array<epoll_event, 512> events{};
  for (;;) {
    const auto phase = shared_.phase.load(std::memory_order_acquire);
    if (phase == run_phase::done)
      break;
    auto now = mono_ns();
    if (phase == run_phase::connecting) {
      start_connections(now);
      expire(now);
    } else if (!frozen_) {
      freeze();
    }
    window_begin_us_ = shared_.window_begin_us.load(std::memory_order_relaxed);
    window_end_us_ = shared_.window_end_us.load(std::memory_order_relaxed);
    int timeout_ms = phase == run_phase::connecting ? 5 : 50;
    if (step)
      timeout_ms = std::min(timeout_ms, step(now));
    const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), std::max(0, timeout_ms));
    if (n < 0 && errno != EINTR)
      throw std::runtime_error("epoll_wait failed");
    for (int i = 0; i < n; ++i) {
      if (events[static_cast<std::size_t>(i)].data.u64 == signal_tag) {
        if (on_watched_)
          on_watched_();
        continue;
      }
      on_event(static_cast<std::size_t>(events[static_cast<std::size_t>(i)].data.u64), events[static_cast<std::size_t>(i)].events);
    }
    publish_board();
  }
}

} // namespace qc::loadgen

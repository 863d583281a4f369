#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cmath>

#include "apps/loadgen/report.hpp"

namespace qc::loadgen {

namespace {

using json_writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

void key_u(json_writer& w, const char* key, std::uint64_t v) {
  w.Key(key);
  w.Uint64(v);
}
void key_d(json_writer& w, const char* key, double v) {
  w.Key(key);
  w.Double(std::isfinite(v) ? round3(v) : 0.0);
}

// p50..max of a histogram of microseconds, as milliseconds.
void percentiles_ms(json_writer& w, const char* key, const histogram& h) {
  w.Key(key);
  w.StartObject();
  key_u(w, "samples", h.count());
  auto ms = [](std::uint64_t us) { return static_cast<double>(us) / 1000.0; };
  key_d(w, "min", ms(h.min()));
  key_d(w, "mean", h.mean() / 1000.0);
  key_d(w, "p50", ms(h.percentile(0.50)));
  key_d(w, "p90", ms(h.percentile(0.90)));
  key_d(w, "p99", ms(h.percentile(0.99)));
  key_d(w, "p99_9", ms(h.percentile(0.999)));
  key_d(w, "max", ms(h.max()));
  w.EndObject();
}

void write_server(json_writer& w, const options& o, const run_report& r) {
  w.Key("server");
  if (o.server_pid <= 0) {
    w.Null();
    return;
  }
  w.StartObject();
  key_u(w, "pid", static_cast<std::uint64_t>(o.server_pid));
  w.Key("gone");
  w.Bool(r.server_gone);
  if (r.server_window_begin && r.server_window_end && r.window_s > 0) {
    const double cpu = r.server_window_end->cpu_s - r.server_window_begin->cpu_s;
    key_d(w, "cpu_s", cpu);
    key_d(w, "cpu_percent", 100.0 * cpu / r.window_s);
    const auto delivered = static_cast<double>(r.counts.arrived_in_window);
    if (delivered > 0)
      key_d(w, "cpu_us_per_delivery", cpu * 1e6 / delivered);
  }
  if (r.server_start && r.server_end)
    key_d(w, "cpu_s_total", r.server_end->cpu_s - r.server_start->cpu_s);
  if (r.server_start)
    key_u(w, "rss_kb_start", static_cast<std::uint64_t>(r.server_start->rss_kb));
  if (r.server_connected)
    key_u(w, "rss_kb_connected", static_cast<std::uint64_t>(r.server_connected->rss_kb));
  if (r.server_end)
    key_u(w, "rss_kb_end", static_cast<std::uint64_t>(r.server_end->rss_kb));
  key_u(w, "rss_kb_peak", static_cast<std::uint64_t>(r.server_rss_peak_kb));
  // Memory per connection: what the connections (and their subscriptions) added,
  // measured at the end of the idle hold or right after connecting otherwise.
  const auto& after = r.server_window_end && o.run_mode == mode::idle ? r.server_window_end : r.server_connected;
  if (r.server_start && after && r.counts.made > 0)
    key_d(w, "kb_per_connection",
          static_cast<double>(after->rss_kb - r.server_start->rss_kb) / static_cast<double>(r.counts.made));
  w.EndObject();
}

} // namespace

std::string summary_json(const options& o, const run_report& r) {
  rapidjson::StringBuffer buf;
  json_writer w(buf);
  w.SetIndent(' ', 2);
  const auto& c = r.counts;
  w.StartObject();
  w.Key("tool");
  w.String("quotecast-loadgen");
  w.Key("mode");
  w.String(to_string(o.run_mode));
  w.Key("transport");
  w.String(to_string(o.proto));
  w.Key("url");
  w.String(o.url);
  key_u(w, "started_at_ms", static_cast<std::uint64_t>(r.started_at_ms));
  key_d(w, "wall_s", r.wall_s);
  w.Key("interrupted");
  w.Bool(r.interrupted);

  w.Key("config");
  w.StartObject();
  const bool rooms = o.run_mode == mode::rooms;
  key_u(w, "clients", o.clients);
  key_u(w, rooms ? "rooms" : "symbols", o.symbols);
  if (rooms) {
    w.Key("room_prefix");
    w.String(o.symbol_prefix);
  }
  key_u(w, "per_client", o.per_client);
  key_d(w, "rate", o.rate);
  key_d(w, "duration_s", o.duration_s);
  key_d(w, "warmup_s", o.warmup_s);
  if (!rooms)
    key_u(w, "batch", o.batch);
  key_d(w, "connect_rate", o.connect_rate);
  key_u(w, "concurrency", o.concurrency);
  key_u(w, "threads", o.threads);
  key_u(w, "source_addrs", o.source_addrs);
  if (!rooms) {
    w.Key("fields");
    w.StartArray();
    for (const auto& f : o.fields)
      w.String(f);
    w.EndArray();
  }
  w.EndObject();

  // The headline numbers, flat, for scripts.
  const std::uint64_t loss = r.expected > c.received ? r.expected - c.received : 0;
  key_u(w, "connections_made", c.made);
  key_u(w, "connections_failed", c.failed);
  key_u(w, "deliveries_expected", r.expected);
  key_u(w, "deliveries", c.received);
  key_u(w, "loss", loss);
  // What arrived per second inside the window: the throughput. (Ticks sent in the
  // window may arrive later when the server falls behind; see latency_ms.)
  key_d(w, "deliveries_per_s", r.window_s > 0 ? static_cast<double>(c.arrived_in_window) / r.window_s : 0.0);

  w.Key("connections");
  w.StartObject();
  key_u(w, "attempted", c.attempted);
  key_u(w, "made", c.made);
  key_u(w, "failed", c.failed);
  key_u(w, "not_started", c.not_started);
  key_u(w, "closed_by_server", c.closed_by_server);
  key_d(w, "connect_phase_s", r.connect_phase_s);
  const double storm_s = c.last_made_ns > c.first_start_ns ? static_cast<double>(c.last_made_ns - c.first_start_ns) / 1e9 : 0.0;
  key_d(w, "connects_per_s", storm_s > 0 ? static_cast<double>(c.made) / storm_s : 0.0);
  percentiles_ms(w, "connect_ms", c.connect_us);
  key_u(w, "subscriptions_ok", c.subscriptions_ok);
  key_u(w, "subscriptions_failed", c.subscriptions_failed);
  w.Key("failure_reasons");
  w.StartArray();
  for (const auto& reason : c.failure_reasons)
    w.String(reason);
  w.EndArray();
  w.EndObject();

  if (r.has_publisher) {
    const double sent_per_s = r.publish_s > 0 ? static_cast<double>(r.ticks_sent) / r.publish_s : 0.0;
    w.Key("publisher");
    w.StartObject();
    key_u(w, "messages", r.publish_messages); // publish events, or room_message events
    if (rooms) {
      key_d(w, "messages_per_s", sent_per_s);
      key_u(w, "echoes", r.publisher_echoes); // its own messages back: not deliveries
    } else {
      key_u(w, "ticks_sent", r.ticks_sent);
      key_d(w, "ticks_per_s", sent_per_s);
      key_u(w, "acks", r.publish_acks);
      key_u(w, "ticks_accepted", r.ticks_accepted);
      key_u(w, "ticks_duplicate", r.ticks_duplicate);
    }
    key_u(w, "refused", r.publish_refused);
    w.Key("refused_by_code");
    w.StartObject();
    for (const auto& [code, n] : r.publish_refusals)
      key_u(w, code.c_str(), n);
    w.EndObject();
    key_d(w, "publish_s", r.publish_s);
    w.EndObject();

    w.Key("delivery");
    w.StartObject();
    key_u(w, "expected", r.expected);
    key_u(w, "received", c.received);
    key_u(w, "loss", loss);
    key_d(w, "loss_ratio", r.expected ? static_cast<double>(loss) / static_cast<double>(r.expected) : 0.0);
    key_d(w, "window_s", r.window_s);
    key_u(w, "arrived_in_window", c.arrived_in_window);
    key_d(w, "per_s", r.window_s > 0 ? static_cast<double>(c.arrived_in_window) / r.window_s : 0.0);
    key_u(w, "sent_in_window", c.received_in_window);
    key_d(w, "sent_in_window_per_s", r.window_s > 0 ? static_cast<double>(c.received_in_window) / r.window_s : 0.0);
    key_u(w, "seq_gaps", c.gaps);
    key_u(w, "conflated", c.conflated);
    key_u(w, "out_of_order", c.out_of_order);
    key_u(w, "snapshots", c.snapshots);
    key_u(w, "without_ts", c.without_ts);
    key_u(w, "unparsed", c.unparsed);
    key_u(w, "error_events", c.error_events);
    w.EndObject();
    percentiles_ms(w, "latency_ms", c.latency_us);
  }

  write_server(w, o, r);

  w.Key("loadgen");
  w.StartObject();
  key_d(w, "cpu_s", r.self_cpu_total_s);
  key_d(w, "cpu_s_window", r.self_cpu_window_s);
  key_d(w, "cpu_percent_window", r.window_s > 0 ? 100.0 * r.self_cpu_window_s / r.window_s : 0.0);
  w.EndObject();

  w.Key("notes");
  w.StartArray();
  for (const auto& n : r.notes)
    w.String(n);
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

} // namespace qc::loadgen

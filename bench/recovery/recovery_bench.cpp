// quotecast-recovery-bench: two measurements against a real broker process
// (bench/recovery/README.md):
//
//  (a) replay latency: a Socket.IO client subscribed to a symbol drops its TCP connection
//      (no close frame), N ticks are published while it is away (POST /publish, batches of
//      at most max-ticks-per-publish), it reconnects with {"pid","offset"}; the time from
//      sending that CONNECT to receiving the N-th replayed stream_data. Repeated, with a
//      new symbol and user each time, on one broker.
//  (b) offline queue write throughput: one connection pipelines send_to_user requests to
//      users who have no session (a window of W outstanding) for S seconds; acknowledged
//      {"queued":1} answers per second. A fresh broker and data directory per run; median
//      of the runs, with and without --storage.synchronous-full.
//
// Prints one JSON summary on stdout; progress goes to stderr.
#include "tests/support/broker_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"
#include "tests/support/sio_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using qc::test::json_doc;
using qc::test::json_quote;

struct options {
  std::string broker = QC_BROKER_BINARY;
  int replay_runs = 7;
  int replay_packets = 1000;
  int publish_batch = 1000;  // protocol/limits.hpp max_ticks_per_publish
  int queue_runs = 3;
  double queue_seconds = 3.0;
  int queue_window = 200;
  int queue_users = 1000;
  bool skip_replay = false;
  bool skip_queue = false;
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << (problem.empty() ? "" : problem + "\n")
            << "usage: quotecast-recovery-bench [--broker=PATH] [--replay-runs=7] [--replay-packets=1000]\n"
               "         [--publish-batch=1000] [--queue-runs=3] [--queue-seconds=3] [--queue-window=200]\n"
               "         [--queue-users=1000] [--skip-replay] [--skip-queue]\n";
  std::exit(2);
}

options parse(int argc, char** argv) {
  options o;
  if (const char* env = std::getenv("QC_BROKER_BINARY"); env && *env) o.broker = env;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& key) -> std::optional<std::string> {
      if (a.rfind(key + "=", 0) == 0) return a.substr(key.size() + 1);
      return std::nullopt;
    };
    auto number = [&](const std::string& v) {
      try {
        return std::stod(v);
      } catch (...) {
        usage("not a number: " + a);
      }
    };
    if (auto v = value("--broker")) o.broker = *v;
    else if (auto v = value("--replay-runs")) o.replay_runs = int(number(*v));
    else if (auto v = value("--replay-packets")) o.replay_packets = int(number(*v));
    else if (auto v = value("--publish-batch")) o.publish_batch = int(number(*v));
    else if (auto v = value("--queue-runs")) o.queue_runs = int(number(*v));
    else if (auto v = value("--queue-seconds")) o.queue_seconds = number(*v);
    else if (auto v = value("--queue-window")) o.queue_window = int(number(*v));
    else if (auto v = value("--queue-users")) o.queue_users = int(number(*v));
    else if (a == "--skip-replay") o.skip_replay = true;
    else if (a == "--skip-queue") o.skip_queue = true;
    else if (a == "-h" || a == "--help") usage("");
    else usage("unknown argument: " + a);
  }
  if (o.replay_runs < 1 || o.replay_packets < 1 || o.publish_batch < 1 || o.queue_runs < 1 ||
      o.queue_seconds <= 0 || o.queue_window < 1 || o.queue_users < 1)
    usage("every count must be positive");
  return o;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

// A broker on a fresh data directory with an empty config file (so no conf/ leaks in).
struct bench_broker {
  qc::test::temp_dir dir{"qc-recovery-bench"};
  std::optional<qc::test::broker_process> process;

  bench_broker(const std::string& binary, const std::vector<std::string>& extra) {
    const auto config = dir.path() / "quotecast.ini";
    std::ofstream(config) << "; empty\n";
    qc::test::broker_options o;
    o.binary = binary;
    o.working_dir = dir.path();
    o.args = {"--port=0", "--host=127.0.0.1", "--data-dir=" + (dir.path() / "data").string(),
              "--config-file=" + config.string(), "--auth.mode=header", "--limits.events-per-second=1000000",
              "--limits.max-connections-per-address=0"}; // all clients are 127.0.0.1
    o.args.insert(o.args.end(), extra.begin(), extra.end());
    process.emplace(std::move(o));
  }
  ~bench_broker() {
    if (process) process->terminate();
  }
  const std::string& host() const { return process->host(); }
  std::uint16_t port() const { return process->port(); }
};

// utime + stime of a process in seconds (/proc/<pid>/stat), -1 if unreadable.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int k = 3; k <= 15 && fields >> f; ++k) {  // field 3 is the state
    if (k == 14) utime = std::stoull(f);
    if (k == 15) stime = std::stoull(f);
  }
  return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
}

std::map<std::string, std::string> as_user(const std::string& u) { return {{"X-User-Id", u}}; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string json_array(const std::vector<double>& v, int precision) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(precision);
  out << "[";
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
  out << "]";
  return out.str();
}

// The last argument of an event frame (42["stream_data",{...},"<offset>"]): the offset.
std::string last_string_arg(const std::string& raw) {
  auto open = raw.find('[');
  if (open == std::string::npos) return {};
  json_doc j(std::string_view(raw).substr(open));
  long n = j.size("");
  if (n < 3) return {};
  const std::string p = "/" + std::to_string(n - 1);
  return j.is_string(p) ? j.str(p) : std::string{};
}

void publish_ticks(const bench_broker& b, const std::string& symbol, int first_price, int count, int batch) {
  for (int done = 0; done < count;) {
    const int n = std::min(batch, count - done);
    std::string body = "[";
    for (int k = 0; k < n; ++k) {
      if (k) body += ",";
      body += "{\"symbol\":\"" + symbol + "\",\"price\":" + std::to_string(first_price + done + k) +
              ",\"volume\":" + std::to_string(100 + (done + k) % 7) + "}";
    }
    body += "]";
    auto r = qc::test::http_request("POST", b.host(), b.port(), "/publish", body,
                                    {{"Content-Type", "application/json"}, {"X-User-Id", "bench-feed"}}, 10s);
    require(r.status == 200, "POST /publish: " + r.describe());
    json_doc j(r.body);
    require(j.integer("/accepted") == n, "POST /publish accepted less than sent: " + r.body);
    done += n;
  }
}

// (a) One replay: the milliseconds from CONNECT (with pid and offset) to the last replayed tick.
double replay_once(const bench_broker& b, const options& o, int run) {
  const std::string symbol = "RB" + std::to_string(run);
  const std::string user = "bench-replay-" + std::to_string(run);
  std::string pid, offset;
  {
    qc::test::sio_client c;
    auto h = c.open(b.host(), b.port(), "", as_user(user));
    require(bool(h), "open: " + h.error());
    auto r = c.connect_namespace("/");
    require(r && r->accepted, "CONNECT: " + (r ? r->data : r.error()));
    pid = json_doc(r->data).str("/pid");
    require(!pid.empty() && pid[0] != '<', "no pid in the CONNECT reply (recovery off?): " + r->data);
    require(bool(c.wait_event("connect_response")), "no connect_response");
    c.emit("subscribe_market_stream", "{\"symbol\":\"" + symbol + "\",\"fields\":[\"price\"]}", 1);
    auto ack = c.wait_ack(1);
    require(ack && json_doc(*ack).boolean("/ok") == std::optional<bool>(true),
            "subscribe_market_stream: " + (ack ? *ack : ack.error()));
    publish_ticks(b, symbol, 1, 1, o.publish_batch);
    auto first = c.wait_event_full("stream_data");
    require(bool(first), "first tick: " + first.error());
    offset = last_string_arg(first->raw);
    require(!offset.empty(), "stream_data carries no offset: " + first->raw);
    c.drop();  // no close frame: the session parks
  }
  std::this_thread::sleep_for(200ms);
  publish_ticks(b, symbol, 2, o.replay_packets, o.publish_batch);
  std::this_thread::sleep_for(300ms);  // the ticks reach the parked session

  qc::test::sio_client c;
  auto h = c.open(b.host(), b.port(), "", as_user(user));
  require(bool(h), "reopen: " + h.error());
  const std::string auth = "{\"pid\":" + json_quote(pid) + ",\"offset\":" + json_quote(offset) + "}";
  const auto t0 = clock_type::now();
  auto r = c.connect_namespace("/", auth, 10s);
  require(r && r->accepted, "recovery CONNECT: " + (r ? r->data : r.error()));
  std::int64_t expect_seq = 2;
  for (int k = 0; k < o.replay_packets; ++k) {
    auto e = c.wait_event("stream_data", 10s);
    require(bool(e), "replayed tick " + std::to_string(k + 1) + ": " + e.error());
    json_doc j(*e);
    require(j.integer("/seq") == expect_seq && !j.has("/snapshot"),
            "replay out of order (expected seq " + std::to_string(expect_seq) + "): " + *e);
    ++expect_seq;
  }
  const auto t1 = clock_type::now();
  auto welcome = c.wait_event("connect_response", 1s);
  require(welcome && json_doc(*welcome).boolean("/recovered") == std::optional<bool>(true),
          "not recovered: " + (welcome ? *welcome : welcome.error()));
  c.send_raw("41");
  c.close();
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

// (b) One throughput run on a fresh broker: acknowledged queued messages per second.
struct queue_run {
  double per_s = 0;
  std::int64_t acked = 0, delivered = 0, refused = 0;
  double seconds = 0;
  double broker_cpu = 0;  // broker CPU seconds per wall second during the run (2.0 = both cores)
};

queue_run queue_once(const options& o, bool sync_full, int run) {
  std::vector<std::string> extra;
  if (sync_full) extra.push_back("--storage.synchronous-full");
  bench_broker b(o.broker, extra);
  qc::test::sio_client c;
  auto connected = c.open_and_connect(b.host(), b.port(), "", as_user("bench-sender"));
  require(bool(connected), "sender: " + connected.error());
  require(bool(c.wait_event("connect_response")), "sender: no connect_response");

  queue_run out;
  std::int64_t next = 0, outstanding = 0;
  auto send_one = [&] {
    const std::int64_t id = next++;
    const std::string user = "bench-q" + std::to_string(run) + "-" + std::to_string(id % o.queue_users);
    const std::string payload = "{\"type\":\"request\",\"request_id\":\"q" + std::to_string(id) +
                                "\",\"action\":\"send_to_user\",\"payload\":{\"user_id\":\"" + user +
                                "\",\"event\":\"note\",\"data\":{\"id\":" + std::to_string(id) + "}}}";
    require(c.emit("request", payload), "send failed");
    ++outstanding;
  };
  const double cpu0 = cpu_seconds(b.process->pid());
  const auto t0 = clock_type::now();
  const auto end = t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(o.queue_seconds));
  while (clock_type::now() < end) {
    while (outstanding < o.queue_window) send_one();
    auto r = c.wait_event("response", 10s);
    require(bool(r), "no response: " + r.error());
    --outstanding;
    json_doc j(*r);
    if (j.boolean("/success") != std::optional<bool>(true)) ++out.refused;
    else if (j.integer("/data/queued") == std::optional<std::int64_t>(1)) ++out.acked;
    else ++out.delivered;
  }
  out.seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
  out.per_s = double(out.acked) / out.seconds;
  out.broker_cpu = (cpu_seconds(b.process->pid()) - cpu0) / out.seconds;
  while (outstanding > 0) {  // drain, not counted
    require(bool(c.wait_event("response", 10s)), "drain: no response");
    --outstanding;
  }
  c.send_raw("41");
  c.close();
  require(out.refused == 0, "send_to_user refused " + std::to_string(out.refused) + " times");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  const options o = parse(argc, argv);
  std::ostringstream json;
  json.setf(std::ios::fixed);
  json << "{\"nproc\":" << std::thread::hardware_concurrency() << ",\"broker\":" << json_quote(o.broker);
  try {
    if (!o.skip_replay) {
      std::vector<double> samples;
      bench_broker b(o.broker, {});
      for (int run = 0; run < o.replay_runs; ++run) {
        samples.push_back(replay_once(b, o, run));
        std::cerr << "replay run " << run + 1 << "/" << o.replay_runs << ": " << samples.back() << " ms\n";
      }
      json.precision(3);
      json << ",\"replay\":{\"packets\":" << o.replay_packets << ",\"runs\":" << o.replay_runs
           << ",\"median_ms\":" << median(samples) << ",\"min_ms\":" << *std::min_element(samples.begin(), samples.end())
           << ",\"max_ms\":" << *std::max_element(samples.begin(), samples.end())
           << ",\"samples_ms\":" << json_array(samples, 3) << "}";
    }
    if (!o.skip_queue) {
      json.precision(1);
      json << ",\"offline_queue\":{\"window\":" << o.queue_window << ",\"seconds\":" << o.queue_seconds
           << ",\"users\":" << o.queue_users << ",\"runs\":" << o.queue_runs;
      for (bool sync_full : {false, true}) {
        std::vector<double> rates, cpu;
        std::int64_t delivered = 0;
        for (int run = 0; run < o.queue_runs; ++run) {
          auto r = queue_once(o, sync_full, run);
          rates.push_back(r.per_s);
          cpu.push_back(r.broker_cpu);
          delivered += r.delivered;
          std::cerr << "offline queue " << (sync_full ? "synchronous-full" : "default") << " run " << run + 1 << "/"
                    << o.queue_runs << ": " << r.acked << " queued in " << r.seconds << " s = " << r.per_s << "/s, broker CPU " << r.broker_cpu << " cores\n";
        }
        json.precision(1);
        json << ",\"" << (sync_full ? "synchronous_full" : "default") << "\":{\"median_per_s\":" << median(rates)
             << ",\"runs_per_s\":" << json_array(rates, 1) << ",\"broker_cpu_cores\":" << json_array(cpu, 2)
             << ",\"answered_delivered\":" << delivered << "}";
      }
      json << "}";
    }
  } catch (const std::exception& e) {
    std::cerr << "quotecast-recovery-bench: " << e.what() << "\n";
    return 1;
  }
  json << "}";
  std::cout << json.str() << std::endl;
  return 0;
}

#include "apps/loadgen/options.hpp"

#include <arpa/inet.h>
#include <sys/resource.h>

#include <charconv>
#include <cmath>
#include <iostream>
#include <stdexcept>
#include <string_view>

namespace qc::loadgen {

namespace {

constexpr std::string_view usage = R"(quotecast-loadgen: load generator for quotecast and Socket.IO peers (loopback only)

  --url=http://127.0.0.1:PORT   broker address (127.0.0.0/8 or localhost only)
  --transport=socketio|ws       Socket.IO v5 over WebSocket, or plain JSON on /ws
  --mode=fanout|rooms|idle|storm
                                fan-out of market ticks with a publisher; the same with
                                room_message in rooms; idle connections (memory);
                                connection storm (connects per second)
  --clients=N                   subscriber connections (default 100)
  --symbols=S                   symbols LG0..LG{S-1} (default 10; --symbol-prefix=LG)
  --rooms=R                     rooms mode: rooms bench_room_0..bench_room_{R-1}
                                (the same as --symbols; --room-prefix=bench_room_)
  --per-client=K                symbols (rooms) each subscriber subscribes to (joins)
                                (default 1)
  --rate=R                      ticks (room messages) per second over all symbols
                                (rooms) (default 100)
  --duration=SECONDS            publishing (fanout, rooms) or holding (idle) time
                                (default 5)
  --warmup=SECONDS              first part of duration not measured (default 1)
  --drain=SECONDS               longest wait for late deliveries (default 2)
  --connect-rate=N              connections started per second (default 0: no pacing)
  --concurrency=N               connection attempts in flight (default 256)
  --connect-timeout=SECONDS     per connection (default 10)
  --connect-phase=SECONDS       for all connections (default 120)
  --batch=N                     most ticks in one publish message (default 100; rooms
                                mode sends one room_message per event)
  --fields=a,b,c                subscription fields (default price,ts_us,n; ts_us is
                                needed for latency; * means all)
  --server-pid=PID              sample the server's CPU and RSS from /proc
  --progress-interval=SECONDS   progress lines on stderr (default 1; 0: none)
  --output=FILE                 also write the JSON summary to FILE
  --threads=1|2                 event loops (default 1)
  --source-addrs=N              bind clients to 127.0.0.1..127.0.0.N (default: automatic
                                past 28,000 clients)
)";

template <class T>
T parse_number(std::string_view key, std::string_view text) {
  T value{};
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end)
    throw std::invalid_argument("--" + std::string(key) + ": not a number: " + std::string(text));
  return value;
}

double parse_seconds(std::string_view key, std::string_view text) {
  const auto v = parse_number<double>(key, text);
  if (!std::isfinite(v) || v < 0)
    throw std::invalid_argument("--" + std::string(key) + " must be a non-negative number");
  return v;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto pos = text.find(sep);
    const auto part = text.substr(0, pos);
    if (!part.empty())
      out.emplace_back(part);
    if (pos == std::string_view::npos)
      break;
    text.remove_prefix(pos + 1);
  }
  return out;
}

// Accepts http://, ws://, or a bare host:port. Refuses anything that is not loopback.
void resolve_url(options& o) {
  std::string_view rest = o.url;
  for (std::string_view scheme : {"http://", "ws://"})
    if (rest.starts_with(scheme))
      rest.remove_prefix(scheme.size());
  if (rest.starts_with("https://") || rest.starts_with("wss://"))
    throw std::invalid_argument("--url: TLS is not supported");
  if (const auto slash = rest.find('/'); slash != std::string_view::npos)
    rest = rest.substr(0, slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument("--url needs a port: " + o.url);
  std::string host(rest.substr(0, colon));
  const auto port = parse_number<unsigned>("url", rest.substr(colon + 1));
  if (port == 0 || port > 65535)
    throw std::invalid_argument("--url: bad port");
  in_addr addr{};
  if (host == "localhost")
    addr.s_addr = htonl(INADDR_LOOPBACK);
  else if (inet_pton(AF_INET, host.c_str(), &addr) != 1)
    throw std::invalid_argument("--url: the host must be an IPv4 loopback address or localhost: " + host);
  if ((ntohl(addr.s_addr) >> 24) != 127)
    throw std::invalid_argument("--url: refusing a non-loopback host: " + host);
  o.target.sin_family = AF_INET;
  o.target.sin_addr = addr;
  o.target.sin_port = htons(static_cast<std::uint16_t>(port));
  o.host_header = host + ":" + std::to_string(port);
}

void set_option(options& o, std::string_view key, std::string_view value, bool& prefix_given) {
  if (key == "url")
    o.url = value;
  else if (key == "transport") {
    if (value == "socketio")
      o.proto = transport::socketio;
    else if (value == "ws")
      o.proto = transport::ws;
    else
      throw std::invalid_argument("--transport must be socketio or ws");
  } else if (key == "mode") {
    if (value == "fanout")
      o.run_mode = mode::fanout;
    else if (value == "idle")
      o.run_mode = mode::idle;
    else if (value == "storm")
      o.run_mode = mode::storm;
    else if (value == "rooms")
      o.run_mode = mode::rooms;
    else
      throw std::invalid_argument("--mode must be fanout, rooms, idle or storm");
  } else if (key == "clients")
    o.clients = parse_number<std::size_t>(key, value);
  else if (key == "symbols" || key == "rooms")
    o.symbols = parse_number<std::size_t>(key, value);
  else if (key == "per-client")
    o.per_client = parse_number<std::size_t>(key, value);
  else if (key == "rate")
    o.rate = parse_seconds(key, value);
  else if (key == "duration")
    o.duration_s = parse_seconds(key, value);
  else if (key == "warmup")
    o.warmup_s = parse_seconds(key, value);
  else if (key == "drain")
    o.drain_s = parse_seconds(key, value);
  else if (key == "connect-rate")
    o.connect_rate = parse_seconds(key, value);
  else if (key == "concurrency")
    o.concurrency = parse_number<std::size_t>(key, value);
  else if (key == "connect-timeout")
    o.connect_timeout_s = parse_seconds(key, value);
  else if (key == "connect-phase")
    o.connect_phase_s = parse_seconds(key, value);
  else if (key == "batch")
    o.batch = parse_number<std::size_t>(key, value);
  else if (key == "fields")
    o.fields = split(value, ',');
  else if (key == "symbol-prefix" || key == "room-prefix") {
    o.symbol_prefix = value;
    prefix_given = true;
  }
  else if (key == "server-pid")
    o.server_pid = parse_number<int>(key, value);
  else if (key == "progress-interval")
    o.progress_interval_s = parse_seconds(key, value);
  else if (key == "output")
    o.output = value;
  else if (key == "threads")
    o.threads = parse_number<std::size_t>(key, value);
  else if (key == "source-addrs")
    o.source_addrs = parse_number<std::size_t>(key, value);
  else
    throw std::invalid_argument("unknown option --" + std::string(key) + " (see --help)");
}

void validate(options& o, bool prefix_given) {
  resolve_url(o);
  if (o.run_mode == mode::rooms) {
    if (!prefix_given)
      o.symbol_prefix = "bench_room_";
    o.batch = 1; // a room_message carries one message
  }
  const auto max_clients = max_clients_for_fd_limit();
  if (o.clients == 0 || o.clients > max_clients)
    throw std::invalid_argument("--clients must be 1.." + std::to_string(max_clients)
                                + " (the descriptor limit allows no more)");
  if (o.symbols == 0 || o.symbols > 1000000)
    throw std::invalid_argument("--symbols must be 1..1000000");
  if (o.per_client > o.symbols)
    throw std::invalid_argument("--per-client must not exceed --symbols");
  if (publishes(o.run_mode) && o.per_client == 0)
    throw std::invalid_argument(to_string(o.run_mode) + " needs --per-client of at least 1");
  if (o.symbol_prefix.empty()
      || o.symbol_prefix.find_first_of("\"\\") != std::string::npos)
    throw std::invalid_argument("--symbol-prefix must be non-empty, without quotes or backslashes");
  if (o.duration_s <= 0 || o.duration_s > 3600)
    throw std::invalid_argument("--duration must be in (0, 3600] seconds");
  if (o.warmup_s >= o.duration_s)
    o.warmup_s = 0;
  if (o.drain_s > 60 || o.connect_timeout_s > 600 || o.connect_phase_s > 3600)
    throw std::invalid_argument("--drain, --connect-timeout or --connect-phase too long");
  if (o.connect_timeout_s <= 0 || o.connect_phase_s <= 0)
    throw std::invalid_argument("--connect-timeout and --connect-phase must be positive");
  if (o.rate > 10000000)
    throw std::invalid_argument("--rate must be at most 10,000,000");
  if (o.batch == 0)
    throw std::invalid_argument("--batch must be at least 1");
  if (o.concurrency == 0)
    throw std::invalid_argument("--concurrency must be at least 1");
  if (o.threads < 1 || o.threads > 2)
    throw std::invalid_argument("--threads must be 1 or 2");
  if (o.source_addrs > 254)
    throw std::invalid_argument("--source-addrs must be at most 254");
  if (o.source_addrs == 0)
    o.source_addrs = o.clients > 28000 ? 8 : 1;
  if (o.fields.empty())
    throw std::invalid_argument("--fields must name at least one field");
}

} // namespace

std::size_t max_clients_for_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_max == RLIM_INFINITY)
    return 1000000;
  // Room for stdio, epoll, the publisher and /proc reads.
  return lim.rlim_max > 64 ? static_cast<std::size_t>(lim.rlim_max) - 64 : 0;
}

std::optional<options> parse_options(int argc, char** argv, int& exit_code) {
  options o;
  bool prefix_given = false;
  try {
    for (int i = 1; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::cerr << usage;
        exit_code = 0;
        return std::nullopt;
      }
      if (!arg.starts_with("--"))
        throw std::invalid_argument("unexpected argument: " + std::string(arg));
      arg.remove_prefix(2);
      const auto eq = arg.find('=');
      if (eq == std::string_view::npos)
        throw std::invalid_argument("options take a value: --" + std::string(arg) + "=...");
      set_option(o, arg.substr(0, eq), arg.substr(eq + 1), prefix_given);
    }
    validate(o, prefix_given);
  } catch (const std::invalid_argument& e) {
    std::cerr << "quotecast-loadgen: " << e.what() << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  return o;
}

std::string to_string(transport t) { return t == transport::socketio ? "socketio" : "ws"; }

std::string to_string(mode m) {
  switch (m) {
    case mode::fanout: return "fanout";
    case mode::idle: return "idle";
    case mode::storm: return "storm";
    case mode::rooms: return "rooms";
  }
  return "?";
}

} // namespace qc::loadgen

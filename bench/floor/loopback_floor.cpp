// quotecast-loopback-floor: what the kernel alone costs for a fan-out on this machine.
//
// W4 asks one hot symbol's ticks to reach 10,000 WebSocket subscribers 100 times a
// second. Under any broker that is at least one write() per subscriber per tick on the
// broker side and one read() on the client side, all over loopback TCP. This program
// does only that, with no WebSocket, JSON, actors or allocation in the loop: a writer
// process sends a fixed-size frame (carrying its tick's scheduled time) to every
// connection per tick, a reader process epolls the other ends and reads. It prints one
// JSON line: what got through, the latency from the tick's scheduled time to its read,
// and the CPU each side spent per frame. That is the floor a broker plus a load
// generator on the same 2 cores cannot go below (docs/BENCHMARKS.md, W4).
//
//   quotecast-loopback-floor [--connections=10000] [--rate=100] [--duration=10]
//                            [--frame-bytes=100] [--coalesce=1]
//
// --coalesce=k writes every k-th tick's frames together (k frames in one write), as a
// broker that batches per connection would under load.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

struct options {
  int connections = 10000;
  int rate = 100;
  double duration_s = 10;
  std::size_t frame_bytes = 100;
  int coalesce = 1;
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "loopback-floor: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

double thread_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> const char* {
      if (a.size() > name.size() + 3 && a.substr(2, name.size()) == name && a[name.size() + 2] == '=')
        return argv[i] + name.size() + 3;
      return nullptr;
    };
    if (auto v = value("connections"))
      o.connections = std::atoi(v);
    else if (auto v = value("rate"))
      o.rate = std::atoi(v);
    else if (auto v = value("duration"))
      o.duration_s = std::atof(v);
    else if (auto v = value("frame-bytes"))
      o.frame_bytes = static_cast<std::size_t>(std::atol(v));
    else if (auto v = value("coalesce"))
      o.coalesce = std::atoi(v);
    else {
      std::fprintf(stderr, "usage: %s [--connections=N] [--rate=R] [--duration=S] "
                           "[--frame-bytes=B] [--coalesce=K]\n", argv[0]);
      std::exit(2);
    }
  }
  if (o.connections < 1 || o.rate < 1 || o.duration_s <= 0 || o.coalesce < 1 ||
      o.frame_bytes < sizeof(std::int64_t)) {
    std::fprintf(stderr, "loopback-floor: out-of-range option\n");
    std::exit(2);
  }
  return o;
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

/// The reader: connects every client, then reads until the writer closes them all.
/// Prints its half of the result on `out` as JSON members.
void run_reader(const options& o, sockaddr_in addr, int out) {
  int ep = epoll_create1(0);
  if (ep < 0)
    fail("epoll_create1");
  std::vector<std::size_t> carry(static_cast<std::size_t>(o.connections), 0);
  for (int i = 0; i < o.connections; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      fail("socket");
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      fail("connect");
    fcntl(fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = (static_cast<std::uint64_t>(fd) << 32) | static_cast<std::uint32_t>(i);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
      fail("epoll_ctl");
  }
  std::vector<std::uint32_t> latency_us;
  latency_us.reserve(static_cast<std::size_t>(o.connections) * o.rate *
                     static_cast<std::size_t>(o.duration_s + 1));
  std::vector<char> buf(1 << 16);
  std::vector<epoll_event> events(4096);
  std::uint64_t reads = 0, frames = 0;
  int open = o.connections;
  double cpu0 = thread_cpu_s();
  while (open > 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 30000);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break; // the writer is gone or stuck: report what arrived
    auto now = now_ns();
    for (int k = 0; k < n; ++k) {
      int fd = static_cast<int>(events[k].data.u64 >> 32);
      auto idx = static_cast<std::uint32_t>(events[k].data.u64);
      ssize_t got = read(fd, buf.data(), buf.size());
      ++reads;
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN)
          continue;
        close(fd);
        --open;
        continue;
      }
      // Frames are fixed-size; a frame's first 8 bytes are its tick's scheduled time.
      // carry[idx] is how many bytes of a frame the previous read already took.
      std::size_t pos = (o.frame_bytes - carry[idx]) % o.frame_bytes;
      for (; pos + o.frame_bytes <= static_cast<std::size_t>(got); pos += o.frame_bytes) {
        std::int64_t sent;
        std::memcpy(&sent, buf.data() + pos, sizeof sent);
        latency_us.push_back(static_cast<std::uint32_t>(std::max<std::int64_t>(0, now - sent) / 1000));
        ++frames;
      }
      carry[idx] = (carry[idx] + static_cast<std::size_t>(got)) % o.frame_bytes;
    }
  }
  double cpu = thread_cpu_s() - cpu0;
  std::sort(latency_us.begin(), latency_us.end());
  auto pct = [&](double p) {
    if (latency_us.empty())
      return 0.0;
    auto i = static_cast<std::size_t>(p * static_cast<double>(latency_us.size() - 1));
    return latency_us[i] / 1000.0;
  };
  auto text = "\"frames_read\":" + std::to_string(frames) + ",\"reads\":" + std::to_string(reads) +
              ",\"reader_cpu_s\":" + std::to_string(cpu) + ",\"reader_us_per_frame\":" +
              std::to_string(frames ? cpu * 1e6 / static_cast<double>(frames) : 0.0) +
              ",\"latency_ms\":{\"p50\":" + std::to_string(pct(0.5)) + ",\"p99\":" +
              std::to_string(pct(0.99)) + ",\"p99_9\":" + std::to_string(pct(0.999)) +
              ",\"max\":" + std::to_string(pct(1.0)) + "}";
  if (write(out, text.data(), text.size()) < 0)
    fail("write result");
}

} // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  raise_fd_limit();
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0)
    fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0; // the kernel picks a free port
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listener, 4096) != 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    fail("listen");
  int result_pipe[2];
  if (pipe(result_pipe) != 0)
    fail("pipe");
  pid_t reader = fork();
  if (reader < 0)
    fail("fork");
  if (reader == 0) {
    close(listener);
    close(result_pipe[0]);
    run_reader(o, addr, result_pipe[1]);
    _exit(0);
  }
  close(result_pipe[1]);

  std::vector<int> fds;
  fds.reserve(static_cast<std::size_t>(o.connections));
  while (static_cast<int>(fds.size()) < o.connections) {
    int fd = accept(listener, nullptr, nullptr);
    if (fd < 0)
      fail("accept");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    fds.push_back(fd);
  }
  close(listener);

  // The writer: tick i is due at start + i / rate; its frames carry that time, so a
  // writer that falls behind shows as latency, as a broker's backlog would.
  auto ticks = static_cast<std::int64_t>(o.duration_s * o.rate);
  auto period_ns = 1'000'000'000LL / o.rate;
  std::vector<char> frame(o.frame_bytes * static_cast<std::size_t>(o.coalesce), 'x');
  std::uint64_t writes = 0, frames_written = 0, refused = 0;
  std::int64_t worst_pass_ns = 0;
  double cpu0 = thread_cpu_s();
  auto start = now_ns() + 100'000'000LL;
  for (std::int64_t tick = o.coalesce - 1; tick < ticks; tick += o.coalesce) {
    auto due = start + tick * period_ns;
    while (now_ns() < due)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    for (int k = 0; k < o.coalesce; ++k) {
      std::int64_t scheduled = start + (tick - (o.coalesce - 1 - k)) * period_ns;
      std::memcpy(frame.data() + static_cast<std::size_t>(k) * o.frame_bytes, &scheduled,
                  sizeof scheduled);
    }
    auto pass_start = now_ns();
    for (int fd : fds) {
      auto n = write(fd, frame.data(), frame.size());
      ++writes;
      if (n == static_cast<ssize_t>(frame.size()))
        frames_written += static_cast<std::uint64_t>(o.coalesce);
      else
        ++refused; // a full socket buffer: this floor does not queue
    }
    worst_pass_ns = std::max(worst_pass_ns, now_ns() - pass_start);
  }
  auto elapsed_s = static_cast<double>(now_ns() - start) / 1e9;
  double writer_cpu = thread_cpu_s() - cpu0;
  for (int fd : fds)
    close(fd);

  std::string reader_part;
  char chunk[4096];
  for (ssize_t n; (n = read(result_pipe[0], chunk, sizeof chunk)) > 0;)
    reader_part.append(chunk, static_cast<std::size_t>(n));
  int status = 0;
  waitpid(reader, &status, 0);
  std::printf("{\"connections\":%d,\"rate\":%d,\"coalesce\":%d,\"frame_bytes\":%zu,"
              "\"frames_written\":%llu,\"writes\":%llu,\"refused\":%llu,"
              "\"frames_per_s\":%.0f,\"writer_cpu_s\":%.3f,\"writer_us_per_write\":%.3f,"
              "\"worst_pass_ms\":%.2f,%s}\n",
              o.connections, o.rate, o.coalesce, o.frame_bytes,
              static_cast<unsigned long long>(frames_written),
              static_cast<unsigned long long>(writes), static_cast<unsigned long long>(refused),
              static_cast<double>(frames_written) / elapsed_s, writer_cpu,
              writes ? writer_cpu * 1e6 / static_cast<double>(writes) : 0.0,
              static_cast<double>(worst_pass_ns) / 1e6, reader_part.c_str());
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

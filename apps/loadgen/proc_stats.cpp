#include "apps/loadgen/proc_stats.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

#include "apps/loadgen/unique_fd.hpp"

namespace qc::loadgen {

namespace {

// Reads a small /proc file whole (one read is enough for stat and status).
std::optional<std::string> read_proc_file(const std::string& path) {
  unique_fd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd)
    return std::nullopt;
  std::string out;
  std::array<char, 4096> buf{};
  for (;;) {
    const auto n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0)
      return std::nullopt;
    if (n == 0)
      break;
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

} // namespace

std::optional<proc_sample> sample_process(int pid) {
  if (pid <= 0)
    return std::nullopt;
  const auto base = "/proc/" + std::to_string(pid);
  const auto stat = read_proc_file(base + "/stat");
  const auto status = read_proc_file(base + "/status");
  if (!stat || !status)
    return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: count fields after
  // the last ')'. Field 3 (state) follows it; utime and stime are fields 14 and 15.
  const auto close = stat->rfind(')');
  if (close == std::string::npos)
    return std::nullopt;
  const char* p = stat->c_str() + close + 1;
  unsigned long long ticks[2] = {0, 0};
  for (int field = 3; field <= 15; ++field) {
    while (*p == ' ')
      ++p;
    char* end = nullptr;
    const auto value = std::strtoull(p, &end, 10);
    if (field >= 14)
      ticks[field - 14] = value;
    while (*p && *p != ' ')
      ++p;
  }
  proc_sample s;
  s.cpu_s = static_cast<double>(ticks[0] + ticks[1]) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  const auto rss = status->find("VmRSS:");
  if (rss != std::string::npos)
    s.rss_kb = std::strtol(status->c_str() + rss + 6, nullptr, 10);
  return s;
}

double self_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

} // namespace qc::loadgen

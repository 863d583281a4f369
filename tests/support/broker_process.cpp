#include "tests/support/broker_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <thread>

namespace qc::test {

namespace {

constexpr std::size_t kKeptLines = 400;

struct pipe_pair {
  int read_end = -1;
  int write_end = -1;
};

pipe_pair make_pipe() {
  int fds[2];
  // O_CLOEXEC: no other child (or later broker) inherits our ends by accident.
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  return {fds[0], fds[1]};
}

}  // namespace

std::string exit_status::describe() const {
  if (exited) return "exit code " + std::to_string(code);
  return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
}

// Reads the child's stdout and stderr on its own thread until both reach EOF.
// Watches stdout for the listening line.
struct broker_process::output_pump {
  output_pump(int out_fd, int err_fd, bool echo) : echo_(echo) {
    fds_[0] = out_fd;
    fds_[1] = err_fd;
    thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
  }
  ~output_pump() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }

  // Waits for the listening line; false on timeout or when the child closed its output.
  bool output_closed() const {
    std::lock_guard lock(mutex_);
    return all_eof_;
  }

  bool wait_listening(std::chrono::milliseconds timeout, std::string& host, std::uint16_t& port) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return listening_port_ != 0 || all_eof_; });
    if (listening_port_ == 0) return false;
    host = listening_host_;
    port = listening_port_;
    return true;
  }

  std::string tail() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& line : lines_) out += line + "\n";
    for (const auto& partial : partial_)
      if (!partial.empty()) out += partial + "\n";
    return out;
  }

private:
  void run(std::stop_token stop) {
    std::array<bool, 2> eof{false, false};
    while (!stop.stop_requested() && !(eof[0] && eof[1])) {
      std::array<pollfd, 2> p{};
      for (int i = 0; i < 2; ++i) p[i] = {eof[i] ? -1 : fds_[i], POLLIN, 0};
      // Short poll timeout so a stop request is noticed even if a grandchild holds the pipe.
      int n = ::poll(p.data(), p.size(), 100);
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (eof[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        ssize_t got = ::read(fds_[i], buf, sizeof buf);
        if (got <= 0) {
          if (got < 0 && errno == EINTR) continue;
          eof[i] = true;
          continue;
        }
        consume(i, std::string_view(buf, static_cast<std::size_t>(got)));
      }
    }
    std::lock_guard lock(mutex_);
    all_eof_ = true;
    changed_.notify_all();
  }

  void consume(int stream, std::string_view chunk) {
    std::lock_guard lock(mutex_);
    std::string& partial = partial_[stream];
    for (char c : chunk) {
      if (c != '\n') {
        partial += c;
        continue;
      }
      on_line(stream, partial);
      partial.clear();
    }
  }

  void on_line(int stream, const std::string& line) {
    static const std::regex listening(R"(quotecast listening on (\S+):(\d+))");
    std::smatch m;
    if (stream == 0 && listening_port_ == 0 && std::regex_search(line, m, listening)) {
      listening_host_ = m[1];
      listening_port_ = static_cast<std::uint16_t>(std::stoul(m[2]));
      changed_.notify_all();
    }
    if (echo_) std::cerr << (stream == 0 ? "[broker out] " : "[broker err] ") << line << "\n";
    lines_.push_back((stream == 0 ? "out| " : "err| ") + line);
    if (lines_.size() > kKeptLines) lines_.pop_front();
  }

  std::array<int, 2> fds_{-1, -1};
  bool echo_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> lines_;
  std::array<std::string, 2> partial_;
  std::string listening_host_;
  std::uint16_t listening_port_ = 0;
  bool all_eof_ = false;
  std::jthread thread_;  // last member: started after, and joined before, the rest dies
};

broker_process::broker_process(broker_options options) {
  // Everything the child needs is prepared before fork: after fork only
  // async-signal-safe calls are allowed (the test process has other threads).
  std::vector<std::string> argv_store;
  argv_store.push_back(options.binary.string());
  for (auto& a : options.args) argv_store.push_back(a);
  std::vector<char*> argv;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string wd = options.working_dir.string();
  const pid_t parent = ::getpid();
  const rlimit open_files{options.open_files_limit, options.open_files_limit};

  pipe_pair out = make_pipe();
  pipe_pair err = make_pipe();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid_ == 0) {
    // Child. Die with the test process, so a crashed test leaves no broker behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Own process group: stopping the broker also stops anything it started.
    ::setpgid(0, 0);
    ::dup2(out.write_end, STDOUT_FILENO);
    ::dup2(err.write_end, STDERR_FILENO);
    // No inherited sockets: a leaked client socket would keep connections open.
    ::close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (!wd.empty() && ::chdir(wd.c_str()) != 0) ::_exit(126);
    if (options.open_files_limit > 0 && ::setrlimit(RLIMIT_NOFILE, &open_files) != 0) ::_exit(125);
    ::execv(argv[0], argv.data());
    const char msg[] = "broker_process: execv failed\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }

  ::setpgid(pid_, pid_);  // also from here, so a signal sent right away reaches the group
  ::close(out.write_end);
  ::close(err.write_end);
  const char* echo = std::getenv("QC_TEST_ECHO_BROKER");
  pump_ = std::make_unique<output_pump>(out.read_end, err.read_end, echo && *echo && *echo != '0');

  if (!pump_->wait_listening(options.startup_timeout, host_, port_)) {
    std::string why = pump_->output_closed()
                          ? "it closed its output (exited?) before listening"
                          : "no listening line within " + std::to_string(options.startup_timeout.count()) + " ms";
    auto st = terminate(std::chrono::seconds(2));
    throw std::runtime_error("broker " + options.binary.string() + " failed to start: " + why + " (" +
                             st.describe() + ")\n" + pump_->tail());
  }
}

broker_process::~broker_process() {
  if (pid_ > 0 && !status_) terminate(std::chrono::seconds(5));
  pump_.reset();
}

std::optional<exit_status> broker_process::reap(bool block) {
  if (status_ || pid_ <= 0) return status_;
  int raw = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &raw, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r != pid_) return std::nullopt;
  exit_status st;
  st.exited = WIFEXITED(raw);
  st.code = st.exited ? WEXITSTATUS(raw) : -1;
  st.signal = WIFSIGNALED(raw) ? WTERMSIG(raw) : 0;
  status_ = st;
  return status_;
}

void broker_process::signal_group(int sig) {
  if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

void broker_process::send_signal(int sig) {
  if (pid_ > 0 && !reap(false)) ::kill(pid_, sig);
}

bool broker_process::running() { return pid_ > 0 && !reap(false); }

exit_status broker_process::terminate(std::chrono::milliseconds timeout) {
  if (auto st = reap(false)) return *st;
  signal_group(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto st = reap(false)) return *st;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return kill9();
}

exit_status broker_process::kill9() {
  if (auto st = reap(false)) return *st;
  signal_group(SIGKILL);
  return *reap(true);
}

std::string broker_process::output_tail() const { return pump_ ? pump_->tail() : std::string{}; }

}  // namespace qc::test

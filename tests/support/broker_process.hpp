#pragma once
// A server binary run as a real child process, the way an operator runs it.
// The constructor waits for the line `quotecast listening on <host>:<port>` on the
// child's stdout (the broker is started with --port=0, so the port is only known from
// that line). A background thread keeps draining stdout and stderr so the child never
// blocks on a full pipe, and keeps the last lines for diagnostics.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qc::test {

struct broker_options {
  std::filesystem::path binary;
  std::vector<std::string> args;
  // Working directory of the child; empty means the test's own.
  std::filesystem::path working_dir;
  std::chrono::milliseconds startup_timeout{15000};
  // RLIMIT_NOFILE of the child (soft and hard); 0 keeps the test process's own.
  unsigned long open_files_limit = 0;
};

struct exit_status {
  bool exited = false;  // true: normal exit with `code`; false: killed by `signal`
  int code = -1;
  int signal = 0;
  bool clean() const { return exited && code == 0; }
  std::string describe() const;
};

class broker_process {
public:
  // Throws std::runtime_error (with the child's output) if the child does not print
  // the listening line within the startup timeout or exits before it.
  explicit broker_process(broker_options options);
  ~broker_process();  // stops the child (SIGTERM, then SIGKILL) and reaps it
  broker_process(const broker_process&) = delete;
  broker_process& operator=(const broker_process&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& host() const { return host_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, wait up to `timeout`, SIGKILL if still alive. Returns how it ended.
  exit_status terminate(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL, as in a crash; returns once reaped.
  exit_status kill9();
  // Sends `sig` (e.g. SIGHUP: reload) to the child and returns at once.
  void send_signal(int sig);
  bool running();
  // The last lines of stdout and stderr (interleaved as read), for failure messages.
  std::string output_tail() const;

private:
  struct output_pump;  // the draining thread and its buffer
  std::optional<exit_status> reap(bool block);
  void signal_group(int sig);

  pid_t pid_ = -1;
  std::string host_;
  std::uint16_t port_ = 0;
  std::optional<exit_status> status_;
  std::unique_ptr<output_pump> pump_;
};

}  // namespace qc::test

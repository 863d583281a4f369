#pragma once
// The broker a scenario runs against: one the runner started (fresh data directory,
// empty config file, --port=0 on loopback) or one already running at a URL. Only a
// started broker can be restarted or killed.
#include "apps/scenario/connection.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qc::test {
class broker_process;
class temp_dir;
}  // namespace qc::test

namespace qc::scenario {

class broker_target {
public:
  // Starts `binary` with the runner's defaults, then `args` (later flags win). Throws
  // std::runtime_error (with the broker's output) if it does not come up.
  static broker_target start(const std::filesystem::path& binary, const std::vector<std::string>& args);
  // The same with JWT auth: a fresh random secret in a temp file and
  // --auth.mode=<auth_mode> --auth.jwt-secret-file=<it> before `args`.
  static broker_target start_with_jwt(const std::filesystem::path& binary, const std::string& auth_mode,
                                      const std::vector<std::string>& args);
  // "http://127.0.0.1:8080" (or "127.0.0.1:8080"). Throws std::invalid_argument.
  static broker_target at_url(const std::string& url);

  broker_target(broker_target&&) noexcept;
  broker_target& operator=(broker_target&&) noexcept;
  ~broker_target();

  endpoint where() const;
  bool started_here() const { return process_ != nullptr; }
  // SIGTERM (or SIGKILL) and start again on the same data directory; the port may change.
  // Throws std::runtime_error, also for a broker given by URL.
  void restart(bool kill9);
  // The broker's last output lines ("" for a URL target).
  std::string output_tail() const;
  // The secret a start_with_jwt broker verifies tokens with; nullopt otherwise.
  const std::optional<std::string>& jwt_secret() const { return jwt_secret_; }

private:
  broker_target() = default;
  void launch();

  std::filesystem::path binary_;
  std::vector<std::string> args_;
  std::unique_ptr<qc::test::temp_dir> dir_;
  std::unique_ptr<qc::test::temp_dir> secret_dir_;
  std::unique_ptr<qc::test::broker_process> process_;
  endpoint external_;
  std::optional<std::string> jwt_secret_;
};

}  // namespace qc::scenario

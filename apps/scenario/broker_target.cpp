#include "apps/scenario/broker_target.hpp"

#include "tests/support/broker_process.hpp"
#include "tests/support/temp_dir.hpp"

#include "protocol/base64url.hpp"

#include <array>
#include <fstream>
#include <random>
#include <stdexcept>

namespace qc::scenario {

broker_target::broker_target(broker_target&&) noexcept = default;
broker_target& broker_target::operator=(broker_target&&) noexcept = default;
broker_target::~broker_target() = default;

broker_target broker_target::start(const std::filesystem::path& binary, const std::vector<std::string>& args) {
  broker_target b;
  b.binary_ = std::filesystem::absolute(binary);  // the broker runs in its own directory
  b.dir_ = std::make_unique<qc::test::temp_dir>("qc-scenario");
  // An empty config file, so the checked-in conf/ cannot change what a scenario sees.
  const auto config = b.dir_->path() / "quotecast.ini";
  std::ofstream(config) << "; empty: scenarios rely on built-in defaults and their own broker args\n";
  b.args_ = {"--port=0", "--host=127.0.0.1", "--data-dir=" + (b.dir_->path() / "data").string(),
             "--config-file=" + config.string(), "--auth.mode=header",
             // Each /stats step sees every step before it (no cached snapshot).
             "--stats.cache-ms=0"};
  b.args_.insert(b.args_.end(), args.begin(), args.end());
  b.launch();
  return b;
}

broker_target broker_target::start_with_jwt(const std::filesystem::path& binary, const std::string& auth_mode,
                                           const std::vector<std::string>& args) {
  // 32 bytes from the system's random source (std::random_device reads /dev/urandom on
  // Linux), written as quotecast-token --new-secret writes one: base64url text.
  std::random_device rd;
  std::string bytes;
  for (int i = 0; i < 8; ++i) {
    const std::uint32_t r = rd();
    bytes.append(reinterpret_cast<const char*>(&r), sizeof r);
  }
  const std::string secret = qc::protocol::base64url_encode(bytes);
  // In a temp dir of its own, removed with the target.
  auto secret_dir = std::make_unique<qc::test::temp_dir>("qc-scenario-jwt");
  const auto file = secret_dir->path() / "jwt.secret";
  std::ofstream(file) << secret << "\n";
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::vector<std::string> all = {"--auth.mode=" + auth_mode, "--auth.jwt-secret-file=" + file.string()};
  all.insert(all.end(), args.begin(), args.end());
  broker_target b = start(binary, all);
  b.secret_dir_ = std::move(secret_dir);
  b.jwt_secret_ = secret;
  return b;
}

void broker_target::launch() {
  qc::test::broker_options o;
  o.binary = binary_;
  o.args = args_;
  o.working_dir = dir_->path();
  process_ = std::make_unique<qc::test::broker_process>(std::move(o));
}

broker_target broker_target::at_url(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  else if (rest.rfind("ws://", 0) == 0) rest = rest.substr(5);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::invalid_argument("--url needs host:port, got \"" + url + "\"");
  int port = 0;
  try {
    port = std::stoi(rest.substr(colon + 1));
  } catch (const std::exception&) {
    port = 0;
  }
  if (port <= 0 || port > 65535) throw std::invalid_argument("--url has no valid port: \"" + url + "\"");
  broker_target b;
  b.external_ = {rest.substr(0, colon), static_cast<std::uint16_t>(port)};
  return b;
}

endpoint broker_target::where() const {
  if (process_) return {process_->host(), process_->port()};
  return external_;
}

void broker_target::restart(bool kill9) {
  if (!process_)
    throw std::runtime_error(std::string(kill9 ? "kill_broker" : "restart_broker") +
                             " needs a broker the runner started; this run targets --url " + external_.host + ":" +
                             std::to_string(external_.port));
  if (kill9) process_->kill9();
  else process_->terminate();
  process_.reset();  // reaped; the data directory stays
  launch();
}

std::string broker_target::output_tail() const { return process_ ? process_->output_tail() : ""; }

}  // namespace qc::scenario

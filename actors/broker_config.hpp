#pragma once
// The command line and INI options of the broker binaries, on CAF's
// actor_system_config: every option can be set in conf/quotecast.ini and overridden as
// --group.name=value; --help lists them.

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "actors/settings.hpp"

namespace qc {

class broker_config : public caf::actor_system_config {
public:
  broker_config();

  /// The settings these options describe; throws std::invalid_argument with a clear
  /// message for values that make no sense (unknown auth mode, zero intervals, ...).
  std::shared_ptr<const settings> to_settings() const;

private:
  // Mirrors of `settings` in the types CAF's option parser understands.
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string data_dir = "./data";
  std::string node_name = "quotecast";
  std::size_t io_threads = 2;
  std::string auth_mode_name = "header";
  std::size_t jwt_leeway_s = 0;
  std::string metrics_access_name = "loopback";
  std::size_t ping_interval_ms = 25000;
  std::size_t ping_timeout_ms = 20000;
  std::size_t connect_timeout_ms = 45000;
  std::size_t max_payload = 1000000;
  std::size_t stream_idle_timeout_ms = 60000;
  std::size_t close_timeout_ms = 5000;
  std::size_t incomplete_message_timeout_ms = 10000;
  std::size_t backlog_drain_timeout_ms = 30000;
  std::size_t recovery_window_ms = 120000;
  std::size_t offline_ttl_s = 7 * 24 * 3600;
  std::size_t storage_flush_ms = 0;
  std::size_t http_header_timeout_ms = 10000;
  std::size_t http_refusal_timeout_ms = 1000;
  std::size_t stats_cache_ms = 1000;
  settings defaults;
};

} // namespace qc

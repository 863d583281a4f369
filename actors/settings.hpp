#pragma once
// The broker's settings, read once from the configuration and then shared read-only
// (std::shared_ptr<const settings>) by the gateway and every actor.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/feeds/feed_settings.hpp"
#include "protocol/limits.hpp"

namespace qc {

/// PROTOCOL.md §2: who a connection is. jwt: a valid token is required; optional: a
/// token when given, else a guest; header: X-User-Id (behind a trusted proxy only);
/// none: everyone is a guest.
enum class auth_mode { none, header, jwt, optional };

/// Who may read GET /metrics: loopback peers only, anyone, or a token with the admin role.
enum class metrics_access { loopback, open, token };

struct auth_settings {
  auth_mode mode = auth_mode::header;
  std::vector<std::string> default_roles{"trader", "publisher"}; // modes none/header
  std::vector<std::string> guest_roles{"guest"};                 // optional: no token
  std::string jwt_secret_file;     // HS256/384/512 key
  std::string jwt_public_key_file; // RS*/ES* PEM public key
  std::string jwt_issuer;          // when set, tokens must carry this iss
  std::string jwt_audience;        // when set, tokens must carry this aud
  std::int64_t jwt_leeway_s = 0;   // clock skew allowed on exp and nbf
  std::size_t max_token_bytes = 8192;
  std::string rbac_model_file;     // empty: the compiled-in conf/rbac_model.conf
  std::string rbac_policy_file;    // empty: the compiled-in conf/rbac_policy.csv
  std::size_t decision_cache_entries = 4096;
};

struct engineio_settings {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::chrono::milliseconds connect_timeout{45000}; // no Socket.IO CONNECT by then: close
  std::size_t max_payload = 1000000;                // bytes per WebSocket message
  std::size_t max_ping_payload = 64;                // bytes of a client's Engine.IO ping (echoed in the pong)
};

struct limit_settings {
  std::size_t max_connections = 19000;        // the machine allows ~19,900 descriptors
  std::size_t max_rooms = 100000;             // rooms in the whole broker
  std::size_t max_rooms_per_connection = 100;
  std::size_t max_room_role_grants = 1000;    // set_member_role entries one room keeps, by user id
  std::size_t events_per_second = 100;        // token bucket per connection, burst = rate
  std::size_t inbound_bytes_per_second = 1u << 20; // token bucket per connection, burst = max(rate, max-payload)
  std::size_t over_budget_seconds = 5;        // refused in this many consecutive seconds: closed (1008)
  std::chrono::milliseconds incomplete_message_timeout{10000}; // a begun message must be whole by then
  std::size_t max_attachment_bytes = 1u << 20; // Socket.IO attachments of one packet held at once
  std::size_t soft_outbound_bytes = 1u << 20; // past it, stream_data is conflated per symbol
  std::size_t max_outbound_bytes = 8u << 20;  // past it, the connection is closed (slow consumer)
  std::chrono::milliseconds close_timeout{5000}; // a close handshake (queued writes included) ends by then
  std::size_t max_streams_per_connection = 100;
  std::size_t max_streams = 100000;           // symbol streams in the whole broker
  std::size_t max_reply_bytes = 1u << 20;     // get_market_data's ticks; past it the reply is truncated
  std::size_t max_http_connections = 1024;    // HTTP connections not (yet) upgraded; past it: 503
  std::size_t max_connections_per_address = 1000; // HTTP and WebSocket from one peer address; 0: no cap
  std::size_t max_listed_connections = 1000;  // most rows per /stats list one request may ask for
  // Backlogs written at connect (offline queue, recovery replay, restored snapshots)
  // go out a page at a time, the next once the last is on the socket, so a backlog
  // larger than max_outbound_bytes is delivered instead of closing a slow consumer.
  std::size_t backlog_page_bytes = 256u << 10;
  std::chrono::milliseconds backlog_drain_timeout{30000}; // a page not written by then: slow consumer
  protocol::limits protocol;                  // JSON depth, fields, content size, ...
};

/// HTTP requests: every WebSocket starts as one, and /health, /stats, /publish are one.
struct http_settings {
  std::chrono::milliseconds header_timeout{10000}; // a request's line and headers arrive by then (else 408)
  std::size_t max_header_bytes = 16384;            // request line and headers (431; 414 for the line alone)
  std::size_t max_body_bytes = 1u << 20;           // a request body (413)
  std::vector<std::string> allowed_origins;        // browser Origins that may open a WebSocket (else 403); "*": any
  std::chrono::milliseconds refusal_timeout{1000}; // a refused connection's last request and answer take at most this
  metrics_access metrics = metrics_access::loopback;
};

struct stream_settings {
  std::size_t buffer_size = 1000;                                    // ticks kept per symbol
  std::size_t buffer_bytes = 4u << 20; // bytes of ticks kept per symbol (protocol::tick_bytes); oldest go first
  std::vector<std::string> default_fields{"price", "volume", "timestamp"};
  std::chrono::milliseconds idle_timeout{60000}; // no subscribers and no ticks this long: gone
};

/// Socket.IO connection state recovery and /ws resume (PROTOCOL.md §7).
struct recovery_settings {
  std::chrono::milliseconds window{120000}; // a dropped session waits this long; 0: recovery off
  std::size_t inflight_packets = 256;  // room/stream packets kept while connected (lost in flight on a drop)
  std::size_t parked_packets = 10000;  // packets a dropped session keeps for its return; past it: a gap
  // The same bounds in bytes (both encodings and the queueable copy of each packet):
  // whichever is reached first evicts the oldest.
  std::size_t inflight_bytes = 1u << 20;
  std::size_t parked_bytes = 2u << 20;
  std::size_t parked_total_bytes = 256u << 20; // all dropped sessions together; past it they stop growing
  std::size_t max_parked = 19000;      // dropped sessions waiting at once; past it a drop just ends

  bool enabled() const { return window.count() > 0; }
};

/// The durable side (PROTOCOL.md §7): one SQLite file under data_dir.
struct storage_settings {
  bool synchronous_full = false;             // fsync every commit (power loss), not only WAL (kill -9)
  std::size_t offline_max_per_user = 1000;   // oldest dropped past it
  std::size_t offline_max_total = 1000000;   // the whole store; past it nothing more is queued
  std::uint64_t offline_max_bytes_per_user = 16u << 20; // past it the biggest sender's oldest go
  std::uint64_t offline_max_sender_bytes = 12u << 20;   // one sender's part of one user's queue; its oldest go
  std::uint64_t offline_max_total_bytes = 1ull << 30;   // the whole store; past it nothing more is queued
  std::chrono::seconds offline_ttl{7 * 24 * 3600};
  std::chrono::milliseconds flush_interval{0}; // writes gather this long into one transaction (0: until the mailbox is drained)
};

/// /stats (PROTOCOL-NOTES.md): gathering asks every session, room and stream, so one
/// gather serves every request for `cache`; lists are paged (limits.max_listed_connections
/// is the largest page).
struct stats_settings {
  std::chrono::milliseconds cache{1000}; // a gathered snapshot answers requests this long
  std::size_t default_limit = 100;       // rows per list when a request names no limit
};

struct settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  std::string data_dir = "./data";
  std::string node_name = "quotecast";
  std::size_t io_threads = 2; // 2: sockets of a busy broker keep both cores fed
  auth_settings auth;
  engineio_settings engineio;
  http_settings http;
  limit_settings limits;
  feed_settings feed;
  stream_settings stream;
  recovery_settings recovery;
  storage_settings storage;
  stats_settings stats;

  /// The database file: <data_dir>/quotecast.db.
  std::string database_path() const { return data_dir + "/quotecast.db"; }
};

} // namespace qc

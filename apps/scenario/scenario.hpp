#pragma once
// A scenario as loaded from its JSON file: the clients it names and the steps it runs.
// Payloads and patterns stay JSON text here; they are parsed where they are used
// (after ${variable} substitution), so this model carries no JSON library.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qc::scenario {

using ms = std::chrono::milliseconds;

enum class transport { socketio, ws };

struct client_spec {
  std::string name;
  transport kind = transport::socketio;
  std::string user;                           // sent as X-User-Id (header auth mode); empty: anonymous
  std::optional<std::string> auth;            // socket.io CONNECT auth object (JSON text)
  std::string query;                          // appended to the connect URL
  std::map<std::string, std::string> headers; // extra HTTP headers of the upgrade request
  bool auto_pong = true;                      // false: ignore Engine.IO pings (heartbeat tests)
};

// Each step kind is its own struct; `client` names a client_spec.
struct connect_step {
  std::string client;
  std::optional<std::string> reply;    // pattern for the CONNECT reply (40 payload / ws connect_response)
  std::optional<std::string> refused;  // expect a refusal: pattern for the 44 payload (ws: the HTTP body)
};
struct reconnect_step {
  std::string client;
  bool recover = false;  // socket.io: auth {pid, offset}; ws: ?resume=<token>&offset=<last>
  std::optional<std::string> reply;
};
struct emit_step {
  std::string client;
  std::string event;
  std::string data;               // JSON text; empty: no argument
  std::optional<std::string> ack; // request an ack and match its value against this pattern
  int repeat = 1;                 // send it this many times back to back (rate limits)
};
struct send_raw_step {
  std::string client;
  std::string frame;  // sent verbatim as one text frame
};
struct expect_step {
  std::string client;
  std::string event;
  std::optional<std::string> data;  // pattern for the payload
};
struct expect_none_step {
  std::string client;
  std::string event;
  ms duration{500};
};
struct expect_closed_step {
  std::string client;
  std::optional<std::uint16_t> code;  // WebSocket close code (1006: dropped without a close frame)
};
struct wait_step {
  ms duration{0};
};
struct disconnect_step {
  std::string client;
};
struct drop_step {
  std::string client;
};
struct restart_broker_step {
  bool kill9 = false;  // true: SIGKILL (a crash); false: SIGTERM (orderly)
};
struct publish_step {
  std::string client;  // "http": POST /publish; otherwise emit `publish` from this client with an ack
  std::string ticks;   // one tick object or an array (JSON text)
  std::optional<std::string> ack;  // pattern for the ack (client) or the response body (http)
  std::optional<int> status;       // http only
  std::map<std::string, std::string> headers;  // http only: extra request headers (Authorization: Bearer ...)
};
struct http_step {
  std::string method;
  std::string target;
  std::string body;  // JSON text; empty: none
  std::optional<int> status;
  std::optional<std::string> response;  // pattern for the response body
  std::map<std::string, std::string> headers;  // extra request headers (Authorization: Bearer ...)
};

using step_action = std::variant<connect_step, reconnect_step, emit_step, send_raw_step, expect_step,
                                 expect_none_step, expect_closed_step, wait_step, disconnect_step, drop_step,
                                 restart_broker_step, publish_step, http_step>;

struct step {
  step_action action;
  std::optional<ms> timeout;  // overrides the scenario's default for this step
  std::string note;           // the author's comment, printed with failures
  std::string summary;        // e.g. `expect alice subscribed`, for reports
};

struct scenario {
  std::filesystem::path path;
  std::string name;  // the file's stem
  std::string description;
  std::vector<std::string> broker_args;  // extra flags for a broker the runner starts
  std::string auth_mode;  // "jwt" or "optional": the runner's broker gets a fresh JWT secret; empty: header
  ms default_timeout{3000};
  std::map<std::string, client_spec> clients;
  std::vector<step> steps;
};

}  // namespace qc::scenario

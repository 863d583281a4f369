// HTTP before (or instead of) a WebSocket upgrade, attacked with raw sockets: every
// broken request gets its status (400, 408, 413, 414, 431) and a close instead of a
// reset; handshakes with a bad key or a foreign Origin are refused; HTTP connections,
// connections per address and file descriptors are bounded, and /health keeps
// answering through all of it.
#include "tests/integration/broker_under_test.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_doc.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

using namespace qc::test;
using namespace std::chrono_literals;

namespace {

/// What came back on a raw connection: the response head and body, and whether the
/// broker then closed the connection (FIN) or reset it.
struct raw_reply {
  int status = 0; // 0: no response at all
  std::string head;
  std::string body;
  bool closed = false; // EOF after the response
  bool reset = false;
  bool timeout = false;

  std::string header(std::string name) const {
    auto lower = [](std::string s) {
      for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    auto h = lower(head);
    auto at = h.find("\r\n" + lower(name) + ":");
    if (at == std::string::npos)
      return {};
    auto from = at + 3 + name.size();
    auto to = h.find("\r\n", from);
    auto value = head.substr(from, to - from);
    while (!value.empty() && value.front() == ' ')
      value.erase(0, 1);
    return value;
  }
};

/// A TCP connection to the broker that sends whatever bytes a test gives it.
class raw_http {
public:
  explicit raw_http(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~raw_http() { ::close(fd_); }
  raw_http(const raw_http&) = delete;
  raw_http& operator=(const raw_http&) = delete;

  /// False when the broker has closed or reset the connection meanwhile.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// One response (head, and a Content-Length body); with `then_eof`, also waits for
  /// the broker to close the connection.
  raw_reply read_response(std::chrono::milliseconds timeout = 5s, bool then_eof = false) {
    raw_reply r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find("\r\n\r\n") == std::string::npos)
      if (!fill(deadline, r))
        return r;
    auto end = buffer_.find("\r\n\r\n") + 4;
    r.head = buffer_.substr(0, end);
    buffer_.erase(0, end);
    if (r.head.rfind("HTTP/1.", 0) == 0 && r.head.size() > 12)
      r.status = std::stoi(r.head.substr(9, 3));
    auto length_text = r.header("Content-Length");
    std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
    while (buffer_.size() < length)
      if (!fill(deadline, r))
        return r;
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    if (then_eof)
      while (!r.closed && fill(deadline, r)) {
      }
    return r;
  }

  /// Waits for the broker to close the connection; the reply holds anything sent first.
  raw_reply read_until_closed(std::chrono::milliseconds timeout) {
    raw_reply r;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!r.closed && fill(deadline, r)) {
    }
    r.body = buffer_;
    return r;
  }

private:
  // Reads more; false at EOF (r.closed), a reset (r.reset) or the deadline (r.timeout).
  bool fill(std::chrono::steady_clock::time_point deadline, raw_reply& r) {
    auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timeout = true;
      return false;
    }
    timeval tv{static_cast<time_t>(left.count() / 1000000), static_cast<suseconds_t>(left.count() % 1000000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char chunk[16384];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0)
      r.closed = true;
    else if (errno == EAGAIN || errno == EWOULDBLOCK)
      r.timeout = true;
    else
      r.reset = true;
    return false;
  }

  int fd_ = -1;
  std::string buffer_;
};

std::string upgrade_request(const std::string& key, const std::string& extra_headers = "") {
  return "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n" + extra_headers + "\r\n";
}

const std::string good_key = "dGhlIHNhbXBsZSBub25jZQ==";
const std::string health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// The answer to a broken request: the status, Connection: close, then a FIN (no reset).
void check_refused_and_closed(const raw_reply& r, int status) {
  INFO("head: " << r.head << " body: " << r.body);
  CHECK(r.status == status);
  CHECK(r.header("Connection") == "close");
  CHECK(r.closed);
  CHECK_FALSE(r.reset);
}

void check_health(broker_under_test& broker) {
  auto h = http_get(broker.host(), broker.port(), "/health");
  CHECK_MESSAGE(h.status == 200, h.describe());
}

std::int64_t gateway_count(broker_under_test& broker, const std::string& name) {
  auto s = http_get(broker.host(), broker.port(), "/stats");
  REQUIRE_MESSAGE(s.status == 200, s.describe());
  json_doc j(s.body);
  auto v = j.integer("/gateway/" + name);
  REQUIRE_MESSAGE(v, s.body);
  return *v;
}

// Polls `/stats` until gateway.<name> is `want` (the broker sees a close a bit later).
bool wait_gateway_count(broker_under_test& broker, const std::string& name, std::int64_t want) {
  for (int i = 0; i < 100; ++i) {
    if (gateway_count(broker, name) == want)
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

} // namespace

TEST_CASE("HTTP: malformed framing gets 400 and a close, not a reset") {
  broker_under_test broker;
  const std::vector<std::pair<std::string, std::string>> cases = {
    {"not HTTP", "HELLO THERE\r\n\r\n"},
    {"bad version", "GET /health HTTP/9.x\r\nHost: a\r\n\r\n"},
    {"header without a colon", "GET /health HTTP/1.1\r\nHost a\r\n\r\n"},
    {"bad Content-Length", "POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 12abc\r\n\r\n"},
    {"two Content-Lengths", "POST /publish HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"},
    {"bad chunk size", "POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
    {"control character in the target", std::string("GET /he\x01lth HTTP/1.1\r\nHost: a\r\n\r\n")},
  };
  for (const auto& [name, bytes] : cases) {
    INFO("case: " << name);
    raw_http c(broker.port());
    REQUIRE(c.send(bytes));
    check_refused_and_closed(c.read_response(5s, true), 400);
  }
  CHECK(gateway_count(broker, "bad_requests") == static_cast<std::int64_t>(cases.size()));
  check_health(broker);
}

TEST_CASE("HTTP: headers over http.max-header-bytes get 431, a request line alone 414") {
  broker_under_test broker({"--http.max-header-bytes=4096"});
  {
    raw_http c(broker.port());
    REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(5000, 'x') + "\r\n\r\n"));
    check_refused_and_closed(c.read_response(5s, true), 431);
  }
  {
    // Many small headers add up the same way.
    raw_http c(broker.port());
    std::string many;
    for (int i = 0; i < 600; ++i) // ~6 KB
      many += "X-H" + std::to_string(i) + ": v\r\n";
    REQUIRE(c.send("GET /health HTTP/1.1\r\n" + many + "\r\n"));
    check_refused_and_closed(c.read_response(5s, true), 431);
  }
  {
    raw_http c(broker.port());
    REQUIRE(c.send("GET /" + std::string(5000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n"));
    check_refused_and_closed(c.read_response(5s, true), 414);
  }
  {
    // Just under the limit is served.
    raw_http c(broker.port());
    REQUIRE(c.send("GET /health HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(3000, 'x') + "\r\n\r\n"));
    CHECK(c.read_response().status == 200);
  }
  check_health(broker);
}

TEST_CASE("HTTP: a body over http.max-body-bytes gets 413, declared or chunked") {
  broker_under_test broker({"--http.max-body-bytes=4096"});
  {
    // Refused on the header alone: the broker does not wait for 100 MB.
    raw_http c(broker.port());
    REQUIRE(c.send("POST /publish HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                   "Content-Length: 100000000\r\n\r\n"));
    check_refused_and_closed(c.read_response(5s, true), 413);
  }
  {
    raw_http c(broker.port());
    REQUIRE(c.send("POST /publish HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string chunk(3000, ' ');
    REQUIRE(c.send("bb8\r\n" + chunk + "\r\n"));
    c.send("bb8\r\n" + chunk + "\r\n"); // may already meet a closed socket
    check_refused_and_closed(c.read_response(5s, true), 413);
  }
  {
    // Under the limit the request reaches /publish (which judges the body itself).
    raw_http c(broker.port());
    std::string body = R"({"symbol":"600519","price":1.5})";
    REQUIRE(c.send("POST /publish HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: "
                   + std::to_string(body.size()) + "\r\n\r\n" + body));
    auto r = c.read_response();
    CHECK(r.status != 413);
    CHECK(r.status != 0);
  }
  check_health(broker);
}

TEST_CASE("HTTP: a request not in within http.header-timeout gets 408; an idle connection is closed quietly") {
  broker_under_test broker({"--http.header-timeout=500"});
  raw_http slow(broker.port());
  raw_http idle(broker.port());
  raw_http keep_alive(broker.port());
  REQUIRE(keep_alive.send(health));
  REQUIRE(keep_alive.read_response().status == 200);
  auto started = std::chrono::steady_clock::now();
  REQUIRE(slow.send("GET /health HTTP/1.1\r\nHost: a\r\n")); // and never the blank line
  auto r = slow.read_response(5s, true);
  auto waited = std::chrono::steady_clock::now() - started;
  check_refused_and_closed(r, 408);
  CHECK(waited >= 400ms);
  CHECK(waited < 4s);
  // Nothing of a request: no answer is owed, the connection just ends.
  auto quiet = idle.read_until_closed(5s);
  CHECK(quiet.closed);
  CHECK(quiet.body.empty());
  auto after = keep_alive.read_until_closed(5s);
  CHECK(after.closed);
  CHECK(after.body.empty());
  CHECK(gateway_count(broker, "bad_requests") == 1);
  check_health(broker);
}

TEST_CASE("WebSocket upgrade: Sec-WebSocket-Key must be base64 of exactly 16 bytes") {
  broker_under_test broker;
  const std::vector<std::pair<std::string, std::string>> bad = {
    {"one character", "a"},
    {"15 bytes", "AAAAAAAAAAAAAAAAAAAA"},
    {"17 bytes", "AAAAAAAAAAAAAAAAAAAAAAA="},
    {"too long", good_key + "AAAA"},
    {"not base64", "dGhlIHNhbXBsZSBub25j*Q=="},
    {"no padding", "dGhlIHNhbXBsZSBub25jZQAA"},
  };
  for (const auto& [name, key] : bad) {
    INFO("key: " << name);
    raw_http c(broker.port());
    REQUIRE(c.send(upgrade_request(key)));
    auto r = c.read_response(5s, true);
    check_refused_and_closed(r, 400);
    CHECK(r.body.find("Sec-WebSocket-Key") != std::string::npos);
  }
  raw_http good(broker.port());
  REQUIRE(good.send(upgrade_request(good_key)));
  auto r = good.read_response();
  CHECK(r.status == 101);
  CHECK(r.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  check_health(broker);
}

TEST_CASE("WebSocket upgrade: Origin must be in http.allowed-origins; no Origin is fine") {
  SUBCASE("an allow-list") {
    broker_under_test broker({R"(--http.allowed-origins=["https://app.example", "http://localhost:8080"])"});
    for (std::string origin : {"https://app.example", "HTTP://LOCALHOST:8080"}) {
      INFO("origin: " << origin);
      raw_http c(broker.port());
      REQUIRE(c.send(upgrade_request(good_key, "Origin: " + origin + "\r\n")));
      CHECK(c.read_response().status == 101);
    }
    for (std::string origin : {"https://evil.example", "https://app.example.evil", "null"}) {
      INFO("origin: " << origin);
      raw_http c(broker.port());
      REQUIRE(c.send(upgrade_request(good_key, "Origin: " + origin + "\r\n")));
      check_refused_and_closed(c.read_response(5s, true), 403);
    }
    raw_http none(broker.port());
    REQUIRE(none.send(upgrade_request(good_key)));
    CHECK(none.read_response().status == 101);
    CHECK(gateway_count(broker, "origin_refused") == 3);
  }
  SUBCASE("the default (empty list) refuses every browser page, not other clients") {
    broker_under_test broker;
    raw_http page(broker.port());
    REQUIRE(page.send(upgrade_request(good_key, "Origin: http://127.0.0.1:8080\r\n")));
    check_refused_and_closed(page.read_response(5s, true), 403);
    sio_client node_like; // the test clients send no Origin, as node and python clients do
    connect_as(node_like, broker, "alice");
  }
}

TEST_CASE("limits.max-http-connections: connections that never upgrade are capped; WebSockets are not") {
  broker_under_test broker({"--limits.max-http-connections=3", "--http.header-timeout=60000"});
  // WebSockets are counted by limits.max-connections instead: these take no HTTP place.
  std::vector<std::unique_ptr<sio_client>> sockets;
  for (int i = 0; i < 4; ++i) {
    sockets.push_back(std::make_unique<sio_client>());
    connect_as(*sockets.back(), broker, "u" + std::to_string(i));
  }
  std::vector<std::unique_ptr<raw_http>> idle;
  for (int i = 0; i < 3; ++i)
    idle.push_back(std::make_unique<raw_http>(broker.port()));
  // The broker accepts asynchronously: wait until it holds all three.
  {
    raw_http probe(broker.port());
    REQUIRE(probe.send(health));
    probe.read_response();
  }
  raw_http over(broker.port());
  REQUIRE(over.send("GET /stats HTTP/1.1\r\nHost: a\r\n\r\n"));
  auto r = over.read_response(5s, true);
  check_refused_and_closed(r, 503);
  CHECK(r.body.find("too many HTTP connections") != std::string::npos);
  // /health still answers past the cap (a load balancer's check must not fail).
  raw_http check(broker.port());
  REQUIRE(check.send(health));
  auto h = check.read_response(5s, true);
  CHECK(h.status == 200);
  CHECK(h.closed);
  idle.clear();
  // Places free up once the broker has seen the closes.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    raw_http again(broker.port());
    REQUIRE(again.send("GET /stats HTTP/1.1\r\nHost: a\r\n\r\n"));
    auto s = again.read_response();
    served = s.status == 200;
    if (served) {
      json_doc j(s.body);
      CHECK(j.integer("/gateway/http_refused") >= 1);
      CHECK(j.integer("/gateway/http_connections") >= 1); // this very request
    } else {
      std::this_thread::sleep_for(50ms);
    }
  }
  CHECK(served);
}

TEST_CASE("limits.max-connections-per-address: past it 503, HTTP and WebSocket alike; a freed place is taken again") {
  broker_under_test broker({"--limits.max-connections-per-address=3", "--http.header-timeout=60000"});
  std::vector<std::unique_ptr<raw_http>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_unique<raw_http>(broker.port()));
    REQUIRE(held.back()->send(upgrade_request(good_key)));
    REQUIRE(held.back()->read_response().status == 101);
  }
  held.push_back(std::make_unique<raw_http>(broker.port())); // an HTTP connection, idle
  REQUIRE(held.back()->send(health));
  REQUIRE(held.back()->read_response().status == 200);
  {
    raw_http fourth(broker.port());
    REQUIRE(fourth.send(upgrade_request(good_key)));
    auto r = fourth.read_response(5s, true);
    check_refused_and_closed(r, 503);
    CHECK(r.body.find("too many connections from this address") != std::string::npos);
    CHECK(r.header("Retry-After") == "1");
  }
  {
    raw_http fifth(broker.port());
    REQUIRE(fifth.send(health)); // /health is still answered, then closed
    auto r = fifth.read_response(5s, true);
    CHECK(r.status == 200);
    CHECK(r.closed);
  }
  held.erase(held.begin()); // one WebSocket goes
  bool upgraded = false;
  for (int i = 0; i < 50 && !upgraded; ++i) {
    raw_http again(broker.port());
    REQUIRE(again.send(upgrade_request(good_key)));
    upgraded = again.read_response().status == 101;
    if (!upgraded)
      std::this_thread::sleep_for(50ms);
  }
  CHECK(upgraded);
  held.clear();
  REQUIRE(wait_gateway_count(broker, "http_connections", 1)); // the /stats request itself
  CHECK(gateway_count(broker, "address_refused") >= 2);
}

namespace {

// CPU seconds (user + system) the process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto after_name = text.rfind(')');
  std::istringstream fields(text.substr(after_name + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) { // field 3 is the state
    if (i == 14)
      utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

TEST_CASE("Out of file descriptors: the accept loop backs off, answers 503 (and /health), and recovers") {
  temp_dir dir("qc-it");
  const auto config = dir.path() / "quotecast.ini";
  std::ofstream(config) << "; empty\n";
  broker_options options;
  options.binary = quotecast_binary();
  options.working_dir = dir.path();
  options.open_files_limit = 96;
  options.args = {"--port=0", "--host=127.0.0.1", "--data-dir=" + (dir.path() / "data").string(),
                  "--config-file=" + config.string(), "--auth.mode=header",
                  "--auth.default-roles=[\"admin\"]", // reads /stats below
                  "--http.header-timeout=60000", "--http.refusal-timeout=300",
                  };
  broker_process broker(std::move(options));
  // Fill the broker's descriptors with keep-alive connections that each got an answer
  // (404: a path that is not served, answered 503 instead once the broker is full).
  const std::string not_found = "GET /nothing HTTP/1.1\r\nHost: a\r\n\r\n";
  std::vector<std::unique_ptr<raw_http>> fillers;
  raw_reply refused;
  for (int i = 0; i < 200; ++i) {
    auto c = std::make_unique<raw_http>(broker.port());
    REQUIRE(c->send(not_found));
    auto r = c->read_response(5s);
    if (r.status != 404) {
      refused = r;
      auto rest = c->read_until_closed(5s);
      refused.closed = rest.closed;
      refused.reset = rest.reset;
      break;
    }
    fillers.push_back(std::move(c));
  }
  INFO("connections held: " << fillers.size());
  REQUIRE(fillers.size() > 10);
  REQUIRE(fillers.size() < 96);
  // The first connection past the limit got 503 through the reserve descriptor, and a close.
  CHECK(refused.status == 503);
  CHECK(refused.body.find("out of file descriptors") != std::string::npos);
  CHECK(refused.closed);
  CHECK_FALSE(refused.reset);
  {
    // /health is answered as such even now.
    raw_http c(broker.port());
    REQUIRE(c.send(health));
    auto r = c.read_response(5s, true);
    CHECK(r.status == 200);
    CHECK(r.closed);
  }
  // Connections waiting in the backlog make every accept fail: the loop must wait, not spin.
  std::vector<std::unique_ptr<raw_http>> waiting;
  for (int i = 0; i < 5; ++i)
    waiting.push_back(std::make_unique<raw_http>(broker.port()));
  std::this_thread::sleep_for(200ms);
  auto before = cpu_seconds(broker.pid());
  std::this_thread::sleep_for(1s);
  auto used = cpu_seconds(broker.pid()) - before;
  INFO("CPU seconds in 1 s: " << used);
  CHECK(used < 0.3);
  // Open keep-alive connections are still served.
  REQUIRE(fillers.front()->send(health));
  CHECK(fillers.front()->read_response().status == 200);
  // Once clients leave, new connections are served normally again.
  fillers.clear();
  waiting.clear();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    raw_http c(broker.port());
    REQUIRE(c.send("GET /stats HTTP/1.1\r\nHost: a\r\n\r\n"));
    auto r = c.read_response();
    served = r.status == 200;
    if (served) {
      json_doc j(r.body);
      CHECK(j.integer("/gateway/descriptor_shortages") >= 1);
    } else {
      std::this_thread::sleep_for(100ms);
    }
  }
  CHECK(served);
  CHECK(broker.running());
}

TEST_CASE("two Authorization headers are refused with 400, not one of them picked") {
  broker_under_test broker;
  raw_http c(broker.port());
  REQUIRE(c.send("GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer a\r\n"
                 "Authorization: Bearer b\r\n\r\n"));
  check_refused_and_closed(c.read_response(5s, true), 400);
}

#pragma once
// The broker as each test case sees it: a fresh quotecast process on an ephemeral port
// with its own data directory and an empty config file (so the checked-in conf/ does
// not leak into the tests), plus the client set-up steps every test repeats.
#include "tests/support/broker_process.hpp"
#include "tests/support/json_doc.hpp"
#include "tests/support/json_ws_client.hpp"
#include "tests/support/sio_client.hpp"
#include "tests/support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace qc::test {

// The broker binary: QC_BROKER_BINARY from the build, or the environment variable of
// the same name (to run these tests against another build or a reference server).
std::string quotecast_binary();

class broker_under_test {
public:
  // `extra_args` are added after --port=0 --host=127.0.0.1 --data-dir=... --config-file=...
  // --auth.mode=header --auth.default-roles=["trader","publisher","admin"] (admin: /stats)
  // --stats.cache-ms=0; a later flag overrides an earlier one.
  explicit broker_under_test(std::vector<std::string> extra_args = {});

  broker_process& process() { return *process_; }
  const std::string& host() const { return process_->host(); }
  std::uint16_t port() const { return process_->port(); }
  const temp_dir& data_dir() const { return dir_; }

private:
  temp_dir dir_;
  std::optional<broker_process> process_;
};

// Opens a Socket.IO connection as `user_id` (X-User-Id header; empty: anonymous),
// CONNECTs to "/" and consumes connect_response. Returns the connection's sid as
// connect_response reports it. Fails the test case on any error.
std::string connect_as(sio_client& c, broker_under_test& b, const std::string& user_id = "");

// subscribe {room} and wait for `subscribed`; returns its `members`.
std::int64_t join_room(sio_client& c, const std::string& room);

// RSS checks mean nothing under the sanitizers: ASan's quarantine keeps freed memory
// resident, TSan's shadow memory grows with every touched page.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool rss_is_meaningful = false;
#else
inline constexpr bool rss_is_meaningful = true;
#endif

// A process's resident memory in KB, from /proc (-1 if it cannot be read).
long rss_kb(int pid);

// GET /stats, required to answer 200 with JSON.
json_doc fetch_stats(broker_under_test& broker);

// A room_message payload with text content.
std::string text_message(const std::string& room, const std::string& content);

}  // namespace qc::test

// Lets doctest print optionals in failed CHECKs instead of "{?}".
namespace doctest {
template <class T>
struct StringMaker<std::optional<T>> {
  static String convert(const std::optional<T>& v) {
    if (!v) return "nullopt";
    return toString(*v);
  }
};
}  // namespace doctest

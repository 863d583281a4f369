#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "protocol/rbac_policy.hpp"

using namespace qc::rbac;
namespace fs = std::filesystem;

namespace {

const std::string small_policy = "g, trader, viewer\n"
                                 "p, viewer, stream:*, subscribe\n"
                                 "p, trader, stream:600519, publish\n"
                                 "g2, room_owner, room_member, room:*\n"
                                 "p, room_member, room:*, send_message\n"
                                 "p, room_owner, room:*, kick_member\n"
                                 "g2, alice, room_owner, room:desk_a\n"
                                 "g2, trader, room_member, room:traders_*\n";

std::shared_ptr<const authorizer> make(const std::string& policy, std::size_t cache = 4096) {
  auto a = authorizer::parse(default_model_text(), policy, cache);
  REQUIRE_MESSAGE(a.ok(), (a.ok() ? "" : a.error().message));
  return *a;
}

bool asks(const authorizer& a, std::vector<std::string> subjects, std::string_view obj,
          std::string_view act) {
  return a.allows(subjects, obj, act);
}

struct temp_dir {
  fs::path path;
  temp_dir() {
    path = fs::temp_directory_path() / ("qc_rbac_" + std::to_string(::getpid()) + "_"
                                        + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored_on_purpose; // a leftover temp dir must not fail the test
    fs::remove_all(path, ignored_on_purpose);
  }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

} // namespace

TEST_CASE("authorizer: g inheritance, keyMatch objects, exact actions") {
  auto a = make(small_policy);
  CHECK(asks(*a, {"viewer"}, "stream:BTC-USDT", "subscribe"));
  CHECK(asks(*a, {"trader"}, "stream:BTC-USDT", "subscribe"));
  CHECK(asks(*a, {"trader"}, "stream:600519", "publish"));
  CHECK_FALSE(asks(*a, {"trader"}, "stream:600519.SH", "publish"));
  CHECK_FALSE(asks(*a, {"viewer"}, "stream:600519", "publish"));
  CHECK_FALSE(asks(*a, {"viewer"}, "stream:600519", "Subscribe"));
  CHECK_FALSE(asks(*a, {"viewer"}, "stream:600519", "subscribe "));
  CHECK_FALSE(asks(*a, {"nobody"}, "stream:600519", "subscribe"));
  CHECK(a->rule_count() == 8);
}

TEST_CASE("authorizer: g2 gives a user a room role in the rooms it names") {
  auto a = make(small_policy);
  // alice owns desk_a: kick there, and (g2 chain) send messages as a member.
  CHECK(asks(*a, {"alice"}, "room:desk_a", "kick_member"));
  CHECK(asks(*a, {"alice"}, "room:desk_a", "send_message"));
  CHECK_FALSE(asks(*a, {"alice"}, "room:desk_b", "send_message"));
  // A role may hold a room role too: traders are members of traders_* rooms.
  CHECK(asks(*a, {"trader"}, "room:traders_fx", "send_message"));
  CHECK_FALSE(asks(*a, {"trader"}, "room:traders_fx", "kick_member"));
  CHECK_FALSE(asks(*a, {"trader"}, "room:desk_a", "send_message"));
  // As in Casbin, g and g2 do not compose: a viewer is not a trader's room member.
  CHECK_FALSE(asks(*a, {"viewer"}, "room:traders_fx", "send_message"));
  // The session's own room-role subject works through the g2 chain as well.
  CHECK(asks(*a, {"room_owner"}, "room:anything", "send_message"));
}

TEST_CASE("authorizer: static_room_role is the strongest g2 room role") {
  auto a = make(small_policy);
  std::vector<std::string> none;
  std::vector<std::string> trader{"trader"};
  CHECK(a->static_room_role("alice", none, "room:desk_a") == "room_owner");
  CHECK(a->static_room_role("alice", none, "room:desk_b") == "");
  CHECK(a->static_room_role("bob", trader, "room:traders_fx") == "room_member");
  CHECK(a->static_room_role("alice", trader, "room:desk_a") == "room_owner");
  CHECK(a->static_room_role("bob", none, "room:traders_fx") == "");
  // Through the default policy: nobody has a static room role.
  auto shipped = make(std::string(default_policy_text()));
  CHECK(shipped->static_room_role("alice", trader, "room:desk_a") == "");
}

TEST_CASE("room role ranks") {
  CHECK(room_role_rank("room_owner") == 4);
  CHECK(room_role_rank("room_admin") == 3);
  CHECK(room_role_rank("room_moderator") == 2);
  CHECK(room_role_rank("room_member") == 1);
  CHECK(room_role_rank("room_guest") == 0);
  CHECK(room_role_rank("owner") == -1);
  CHECK(room_role_rank("admin") == -1);
  CHECK(room_role_rank("") == -1);
}

TEST_CASE("authorizer: names_role tells roles from users") {
  auto a = make(small_policy);
  for (auto role : {"viewer", "trader", "room_owner", "room_member"})
    CHECK_MESSAGE(a->names_role(role), role);
  CHECK_FALSE(a->names_role("alice")); // a user with a room role is still a user
  CHECK_FALSE(a->names_role("bob"));
  auto shipped = make(std::string(default_policy_text()));
  for (auto role : {"guest", "viewer", "trader", "publisher", "admin", "room_guest", "room_owner"})
    CHECK_MESSAGE(shipped->names_role(role), role);
}

TEST_CASE("authorizer: parse errors say which file part and line") {
  auto bad_model = authorizer::parse("[matchers]\nm = true\n", small_policy);
  REQUIRE_FALSE(bad_model.ok());
  CHECK(bad_model.error().message.starts_with("model line 2: [matchers] m = true differs"));
  CHECK(bad_model.error().code == qc::protocol::error_code::invalid_parameters);
  auto bad_policy = authorizer::parse(default_model_text(), "p, viewer, room:x, join\nx\n");
  REQUIRE_FALSE(bad_policy.ok());
  CHECK(bad_policy.error().message == "policy line 2: unknown line kind 'x' (p, g or g2)");
  auto cycle = authorizer::parse(default_model_text(), "g, a, b\ng, b, a\n");
  REQUIRE_FALSE(cycle.ok());
  CHECK(cycle.error().message == "policy line 2: g roles form a cycle: a -> b -> a");
}

TEST_CASE("authorizer: load reads files, falls back to the built-in ones, names the file") {
  temp_dir dir;
  auto model = dir.write("model.conf", std::string(default_model_text()));
  auto policy = dir.write("policy.csv", small_policy);
  auto a = authorizer::load(model, policy);
  REQUIRE(a.ok());
  CHECK((*a)->rule_count() == 8);
  auto defaults = authorizer::load("", "");
  REQUIRE(defaults.ok());
  CHECK((*defaults)->rule_count() == make(std::string(default_policy_text()))->rule_count());
  CHECK(asks(**defaults, {"admin"}, "system:stats", "read"));

  auto missing = authorizer::load("", (dir.path / "nope.csv").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "cannot open " + (dir.path / "nope.csv").string());
  auto broken = dir.write("broken.csv", "p, viewer, room:x, join\np, viewer\n");
  auto refused = authorizer::load("", broken);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == broken + ": policy line 2: p takes 3 fields (subject, object, action), not 1");
  auto bad_model = dir.write("bad.conf", "[matchers]\n");
  auto refused_model = authorizer::load(bad_model, policy);
  REQUIRE_FALSE(refused_model.ok());
  CHECK(refused_model.error().message.starts_with(bad_model + ": model line 2: end of file"));
  auto huge = dir.write("huge.csv", std::string((1u << 20) + 1, '#'));
  auto too_big = authorizer::load("", huge);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.error().message == huge + " is larger than 1048576 bytes");
  auto exactly = dir.write("exact.csv", std::string(1u << 20, '#'));
  CHECK(authorizer::load("", exactly).ok());
}

TEST_CASE("decision cache: a hit is the same question in any subject order") {
  auto a = make(small_policy, 64);
  CHECK(a->cached_decisions() == 0);
  CHECK(asks(*a, {"viewer", "u1"}, "stream:600519", "subscribe"));
  CHECK(a->cached_decisions() == 1);
  CHECK(asks(*a, {"u1", "viewer", "u1"}, "stream:600519", "subscribe"));
  CHECK(a->cached_decisions() == 1);
  CHECK_FALSE(asks(*a, {"u1"}, "stream:600519", "subscribe")); // denials are cached too
  CHECK(a->cached_decisions() == 2);
  CHECK_FALSE(asks(*a, {"u1"}, "stream:600519", "subscribe"));
  CHECK(a->cached_decisions() == 2);
  // Subjects cannot run together into another question's key.
  CHECK_FALSE(asks(*a, {"vie", "wer"}, "stream:600519", "subscribe"));
  CHECK(a->cached_decisions() == 3);
}

TEST_CASE("decision cache: bounded, and still right after evictions") {
  for (std::size_t capacity : {std::size_t{0}, std::size_t{1}, std::size_t{5}, std::size_t{64}}) {
    CAPTURE(capacity);
    auto a = make(small_policy, capacity);
    for (int round = 0; round < 3; ++round)
      for (int i = 0; i < 200; ++i) {
        auto symbol = "stream:s" + std::to_string(i);
        CHECK(asks(*a, {"viewer"}, symbol, "subscribe"));
        CHECK_FALSE(asks(*a, {"viewer"}, symbol, "publish"));
        CHECK(a->cached_decisions() <= capacity);
      }
    if (capacity > 0)
      CHECK(a->cached_decisions() > 0);
  }
}

TEST_CASE("decision cache: a reloaded policy does not see the old one's decisions") {
  auto before = make(small_policy);
  CHECK(asks(*before, {"viewer"}, "stream:X", "subscribe"));
  auto after = make("p, viewer, stream:600519, subscribe\n");
  CHECK_FALSE(asks(*after, {"viewer"}, "stream:X", "subscribe"));
  CHECK(asks(*after, {"viewer"}, "stream:600519", "subscribe"));
  CHECK(asks(*before, {"viewer"}, "stream:X", "subscribe")); // the old one keeps its rules
}

TEST_CASE("decision cache: many threads asking at once get the same answers") {
  auto a = make(small_policy, 128);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::vector<std::string> who{"trader", "u" + std::to_string((i + t) % 7)};
        auto symbol = "stream:" + std::to_string(i % 300);
        if (!a->allows(who, symbol, "subscribe"))
          ++wrong;
        if (a->allows(who, symbol, "publish") != (symbol == "stream:600519"))
          ++wrong;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(wrong == 0);
  CHECK(a->cached_decisions() <= 128);
}

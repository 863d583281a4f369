#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "protocol/rbac_policy_csv.hpp"
#include "protocol/rbac_role_graph.hpp"

using namespace qc::rbac;

namespace {

// Held by shared_ptr: GCC 12 warns falsely (free-nonheap-object) when a role_graph is
// moved out of a result here.
std::shared_ptr<const role_graph> graph_of(const std::string& csv, bool room_roles = false) {
  auto rules = read_policy_csv(csv);
  REQUIRE(rules.ok());
  auto g = role_graph::build(room_roles ? rules->room_roles : rules->inheritance,
                             room_roles ? "g2" : "g");
  REQUIRE(g.ok());
  return std::make_shared<const role_graph>(*g);
}

std::string refusal(const std::string& csv, bool room_roles = false) {
  auto rules = read_policy_csv(csv);
  REQUIRE(rules.ok());
  auto g = role_graph::build(room_roles ? rules->room_roles : rules->inheritance,
                             room_roles ? "g2" : "g");
  return g ? std::string{} : g.error().message;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string chain(std::size_t links) {
  std::string csv;
  for (std::size_t i = 0; i < links; ++i)
    csv += "g, r" + std::to_string(i) + ", r" + std::to_string(i + 1) + "\n";
  return csv;
}

} // namespace

TEST_CASE("role graph: inheritance is transitive, each role once") {
  auto g = graph_of("g, admin, trader\ng, admin, publisher\ng, trader, viewer\ng, viewer, guest\n"
                    "g, publisher, guest\n");
  CHECK(sorted(g->roles_of("admin", "")) == std::vector<std::string>{"guest", "publisher", "trader", "viewer"});
  CHECK(sorted(g->roles_of("trader", "")) == std::vector<std::string>{"guest", "viewer"});
  CHECK(g->roles_of("guest", "").empty());
  CHECK(g->roles_of("nobody", "").empty());
}

TEST_CASE("role graph: g2 links hold only in rooms their domain matches") {
  auto g = graph_of("g2, alice, room_owner, room:desk_a\n"
                    "g2, bob, room_member, room:market_*\n"
                    "g2, room_owner, room_admin, room:*\n",
                    true);
  CHECK(sorted(g->roles_of("alice", "room:desk_a")) == std::vector<std::string>{"room_admin", "room_owner"});
  CHECK(g->roles_of("alice", "room:desk_b").empty());
  CHECK(g->roles_of("bob", "room:market_1") == std::vector<std::string>{"room_member"});
  CHECK(g->roles_of("bob", "room:public_1").empty());
  // The chain link holds everywhere, but alice reaches it only through desk_a.
  CHECK(g->roles_of("room_owner", "room:anything") == std::vector<std::string>{"room_admin"});
}

TEST_CASE("role graph: cycles are refused with the line and the path") {
  CHECK(refusal("g, a, b\ng, b, c\ng, c, a\n") == "policy line 3: g roles form a cycle: a -> b -> c -> a");
  CHECK(refusal("g, x, a\ng, a, b\ng, b, a\n") == "policy line 3: g roles form a cycle: x -> a -> b -> a");
  CHECK(refusal("g2, a, b, room:x\ng2, b, a, room:y\n", true)
        == "policy line 2: g2 roles form a cycle: a -> b -> a");
  // A diamond is not a cycle.
  CHECK(refusal("g, a, b\ng, a, c\ng, b, d\ng, c, d\n") == "");
}

TEST_CASE("role graph: chains up to 10 links, no deeper") {
  CHECK(refusal(chain(10)) == "");
  CHECK(refusal(chain(11)).starts_with("policy line 11: g roles nest deeper than 10 levels"));
  // The same depth reached through a part already checked.
  CHECK(refusal(chain(10) + "g, top, r0\n").starts_with("policy line 11: g roles nest deeper than 10"));
  CHECK(graph_of(chain(10))->roles_of("r0", "").size() == 10);
  // A long chain is refused without walking all of it.
  CHECK(refusal(chain(5000)).starts_with("policy line 11: g roles nest deeper"));
}

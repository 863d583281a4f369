#include <doctest/doctest.h>

#include <string>

#include "protocol/rbac_names.hpp"
#include "protocol/rbac_policy_csv.hpp"

using namespace qc::rbac;

namespace {

std::string refusal(const std::string& text) {
  auto r = read_policy_csv(text);
  return r ? std::string{} : r.error().message;
}

std::string many_lines(std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i)
    text += "p, r" + std::to_string(i) + ", room:x, join\n";
  return text;
}

} // namespace

TEST_CASE("policy CSV: every line kind, comments, blank lines, spacing") {
  auto r = read_policy_csv("# a comment\n"
                           "\n"
                           "   \t\n"
                           "p, viewer, room:*, join\n"
                           "p,trader,stream:600519,subscribe\r\n"
                           "  g ,  trader ,viewer  \n"
                           "g2, alice, room_owner, room:desk_a\n"
                           "  # an indented comment\n"
                           "g2, viewer, room_member, room:public_*");
  REQUIRE(r.ok());
  REQUIRE(r->permissions.size() == 2);
  CHECK(r->permissions[0].subject == "viewer");
  CHECK(r->permissions[0].object == "room:*");
  CHECK(r->permissions[0].action == "join");
  CHECK(r->permissions[0].line == 4);
  CHECK(r->permissions[1].object == "stream:600519");
  CHECK(r->permissions[1].action == "subscribe");
  REQUIRE(r->inheritance.size() == 1);
  CHECK(r->inheritance[0].member == "trader");
  CHECK(r->inheritance[0].role == "viewer");
  CHECK(r->inheritance[0].domain.empty());
  CHECK(r->inheritance[0].line == 6);
  REQUIRE(r->room_roles.size() == 2);
  CHECK(r->room_roles[0].member == "alice");
  CHECK(r->room_roles[0].role == "room_owner");
  CHECK(r->room_roles[0].domain == "room:desk_a");
  CHECK(r->room_roles[1].line == 9);
  CHECK(r->size() == 5);
  CHECK(read_policy_csv("")->size() == 0);
}

TEST_CASE("policy CSV: quoted fields as Casbin's CSV reader takes them") {
  auto fields = split_policy_line(R"(p, "viewer" ,"room:*",  "join")");
  REQUIRE(fields.ok());
  CHECK(*fields == std::vector<std::string>{"p", "viewer", "room:*", "join"});
  auto inner = split_policy_line(R"(p, "a,b", "say ""hi""", x)");
  REQUIRE(inner.ok());
  CHECK(*inner == std::vector<std::string>{"p", "a,b", "say \"hi\"", "x"});
  CHECK(split_policy_line(R"(p, "open, x)").error().message == "a quoted field is not closed");
  CHECK(split_policy_line(R"(p, "a"b, x)").error().message == "text after a closing quote");
  CHECK(split_policy_line(R"(p, a"b", x)").error().message == "a quote inside an unquoted field");
  CHECK(split_policy_line("p,,x")->size() == 3);
  CHECK(split_policy_line("p,")->size() == 2);
  // Quoting does not smuggle in what a name may not hold.
  CHECK(refusal("p, \"a,b\", room:x, join\n")
        == "policy line 1: subject 'a,b' must be 1-128 characters of [A-Za-z0-9_.:@-]");
  CHECK(refusal("p, \"viewer\", \"room:x\", \"join\"\n") == "");
}

TEST_CASE("policy CSV: every refusal names its line") {
  CHECK(refusal("\n\nq, a, b\n") == "policy line 3: unknown line kind 'q' (p, g or g2)");
  CHECK(refusal("p, viewer, room:x\n")
        == "policy line 1: p takes 3 fields (subject, object, action), not 2");
  CHECK(refusal("p, viewer, room:x, join, allow\n")
        == "policy line 1: p takes 3 fields (subject, object, action), not 4");
  CHECK(refusal("p, viewer, , join\n") == "policy line 1: an empty field");
  CHECK(refusal("p, vie wer, room:x, join\n")
        == "policy line 1: subject 'vie wer' must be 1-128 characters of [A-Za-z0-9_.:@-]");
  CHECK(refusal("p, viewer, room:a*b, join\n").starts_with("policy line 1: object 'room:a*b' must be"));
  CHECK(refusal("p, viewer, /data/*, join\n").starts_with("policy line 1: object '/data/*' must be"));
  CHECK(refusal("p, viewer, room:x, jion\n")
        == "policy line 1: unknown action 'jion' (docs/architecture/rbac.md lists the actions)");
  CHECK(refusal("g, trader\n") == "policy line 1: g takes 2 fields (role, parent role), not 1");
  CHECK(refusal("g, trader, viewer, room:x\n")
        == "policy line 1: g takes 2 fields (role, parent role), not 3");
  CHECK(refusal("g, trader, vi*ewer\n")
        == "policy line 1: parent role 'vi*ewer' must be 1-128 characters of [A-Za-z0-9_.:@-]");
  CHECK(refusal("g, trader, trader\n") == "policy line 1: role 'trader' inherits itself");
  CHECK(refusal("g2, alice, room_owner\n")
        == "policy line 1: g2 takes 3 fields (user or role, room role, room:<name>), not 2");
  CHECK(refusal("g2, alice, room_owner, stream:x\n")
        == "policy line 1: the domain 'stream:x' must be room:<room name> or a room:...* pattern");
  CHECK(refusal("g2, alice, room_owner, room:a*b\n").starts_with("policy line 1: the domain"));
  CHECK(refusal("g2, alice, alice, room:x\n")
        == "policy line 1: 'alice' is given itself as its room role");
  CHECK(refusal("g2, al ice, room_owner, room:x\n").starts_with("policy line 1: user or role 'al ice'"));
  CHECK(refusal("p, \"viewer, room:x, join\n") == "policy line 1: a quoted field is not closed");
}

TEST_CASE("policy CSV: bounds") {
  std::string longest(max_name_bytes, 'n');
  CHECK(refusal("p, " + longest + ", room:" + longest + ", join\n") == "");
  CHECK(refusal("p, " + longest + "n, room:x, join\n").starts_with("policy line 1: subject"));
  CHECK(refusal("p, a, room:" + longest + "n, join\n").starts_with("policy line 1: object"));
  CHECK(refusal(many_lines(max_policy_rules)) == "");
  CHECK(refusal("# comments do not count\n" + many_lines(max_policy_rules) + "\n# nor this\n") == "");
  CHECK(refusal(many_lines(max_policy_rules + 1))
        == "policy line 10001: more than 10000 rules");
  std::string big(max_policy_file_bytes + 1, '#');
  CHECK(refusal(big) == "the policy is 1048577 bytes; at most 1048576 are read");
  CHECK(refusal(std::string(max_policy_file_bytes, '#')) == "");
}

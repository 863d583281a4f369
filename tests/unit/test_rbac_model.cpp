#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "protocol/rbac_model.hpp"
#include "protocol/rbac_policy.hpp"

using qc::rbac::check_model_text;

namespace {

std::string shipped_model() {
  std::ifstream in(QC_SOURCE_DIR "/conf/rbac_model.conf");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The error text of a refused model ("" when accepted).
std::string refusal(const std::string& text) {
  auto err = check_model_text(text);
  return err ? err->message : std::string{};
}

const std::string compact = "[request_definition]\nr = sub, obj, act\n"
                            "[policy_definition]\np = sub, obj, act\n"
                            "[role_definition]\ng = _, _\ng2 = _, _, _\n"
                            "[policy_effect]\ne = some(where (p.eft == allow))\n"
                            "[matchers]\nm = (g(r.sub, p.sub) || g2(r.sub, p.sub, r.obj)) && "
                            "keyMatch(r.obj, p.obj) && r.act == p.act\n";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("model: the shipped file and the compiled-in copy are the supported model") {
  auto file = shipped_model();
  REQUIRE(!file.empty());
  CHECK(refusal(file) == "");
  CHECK(std::string(qc::rbac::default_model_text()) == file);
  CHECK(refusal(compact) == "");
}

TEST_CASE("model: whitespace, comments, CRLF, continuation lines and order are free") {
  CHECK(refusal("; comment\n# comment\n\n" + compact) == "");
  CHECK(refusal(replaced(compact, "r = sub, obj, act", "  r=sub,obj,act   ")) == "");
  CHECK(refusal(replaced(compact, "m = (g(", "m = \\\n  (g(")) == "");
  std::string crlf;
  for (char c : compact) {
    if (c == '\n')
      crlf += '\r';
    crlf += c;
  }
  CHECK(refusal(crlf) == "");
  // Sections in another order, and a section header repeated.
  CHECK(refusal("[matchers]\nm = (g(r.sub, p.sub) || g2(r.sub, p.sub, r.obj)) && "
                "keyMatch(r.obj, p.obj) && r.act == p.act\n"
                "[role_definition]\ng2 = _, _, _\n[policy_effect]\ne = some(where (p.eft == "
                "allow))\n[request_definition]\nr = sub, obj, act\n[policy_definition]\np = sub, "
                "obj, act\n[role_definition]\ng = _, _\n")
        == "");
}

TEST_CASE("model: other models are refused with the line and what differs") {
  CHECK(refusal(replaced(compact, "keyMatch(", "keyMatch2("))
        == "model line 11: [matchers] m = (g(r.sub, p.sub) || g2(r.sub, p.sub, r.obj)) && "
           "keyMatch2(r.obj, p.obj) && r.act == p.act differs from the supported model: "
           "expected m = (g(r.sub, p.sub) || g2(r.sub, p.sub, r.obj)) && keyMatch(r.obj, "
           "p.obj) && r.act == p.act");
  CHECK(refusal(replaced(compact, "r = sub, obj, act", "r = sub, dom, obj, act"))
          .starts_with("model line 2: [request_definition] r = sub, dom, obj, act differs"));
  CHECK(refusal(replaced(compact, "p.eft == allow))", "p.eft == allow)) && !some(where (p.eft == deny))"))
          .starts_with("model line 9: [policy_effect] e"));
  CHECK(refusal(replaced(compact, "g2 = _, _, _\n", "g2 = _, _, _\ng3 = _, _\n"))
        == "model line 8: [role_definition] has no key 'g3' in the supported model");
  CHECK(refusal(replaced(compact, "g = _, _\n", "g = _, _\ng = _, _\n"))
        == "model line 7: [role_definition] g is defined twice");
  CHECK(refusal(replaced(compact, "g2 = _, _, _\n", ""))
        == "model line 11: end of file: [role_definition] g2 = _, _, _ is missing");
  CHECK(refusal(replaced(compact, "[policy_effect]", "[effects]"))
          .starts_with("model line 8: unknown section [effects]"));
  CHECK(refusal("r = sub, obj, act\n") == "model line 1: 'key = value' before any [section]");
  CHECK(refusal(replaced(compact, "[matchers]", "[matchers"))
        == "model line 10: a section header must end with ']'");
  CHECK(refusal(replaced(compact, "e = some(where (p.eft == allow))", "e: allow"))
          .starts_with("model line 9: expected 'key = value'"));
  CHECK(refusal(replaced(compact, "r.act == p.act\n", "r.act == p.act \\\n"))
          .starts_with("model line 11: '\\' continues a value past the end"));
  CHECK(refusal("").starts_with("model line 1: end of file: [request_definition] r"));
}

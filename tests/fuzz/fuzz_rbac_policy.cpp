// The RBAC readers (protocol/rbac_model.cpp, rbac_policy_csv.cpp) and the authorizer
// built from what they accept.
//
// Input: a mode byte, then the rest.
//   'M' rest is a model file: checked; an accepted one builds an authorizer.
//   anything else: the whole input is a policy CSV under the shipped model.
// Properties: the reader accepts only fields the names rules allow, within the bounds;
// parse() accepts exactly what the reader and the role graphs accept; an accepted policy
// answers every question the same way twice (the cache agrees with the matcher) and
// names only room roles from static_room_role; keyMatch is a prefix match up to '*'.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/rbac_key_match.hpp"
#include "protocol/rbac_model.hpp"
#include "protocol/rbac_names.hpp"
#include "protocol/rbac_policy.hpp"
#include "protocol/rbac_policy_csv.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace qc::rbac;

void check_accepted_policy(const authorizer& a, const policy_rules& rules) {
  FUZZ_CHECK(a.rule_count() == rules.size());
  std::vector<std::string> subjects;
  std::size_t asked = 0;
  for (auto& p : rules.permissions) {
    if (++asked > 64) // enough to exercise the cache; a big policy would slow the run
      break;
    subjects = {p.subject};
    // The object itself, or the pattern's prefix: a rule allows its own question.
    std::string object = p.object;
    if (!object.empty() && object.back() == '*')
      object.pop_back();
    bool first = a.allows(subjects, object, p.action);
    FUZZ_CHECK(first);
    FUZZ_CHECK(a.allows(subjects, object, p.action) == first);
    bool other = a.allows(subjects, object, "read");
    FUZZ_CHECK(a.allows(subjects, object, "read") == other);
    auto role = a.static_room_role(p.subject, subjects, "room:" + p.subject);
    FUZZ_CHECK(role.empty() || room_role_rank(role) >= 0);
  }
  for (auto& g : rules.room_roles) {
    auto role = a.static_room_role(g.member, {}, g.domain);
    FUZZ_CHECK(role.empty() || room_role_rank(role) >= 0);
  }
  FUZZ_CHECK(a.cached_decisions() <= 64);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input.front() == 'M') {
    auto text = input.substr(1);
    bool model_ok = !check_model_text(text).has_value();
    auto a = authorizer::parse(text, "p, viewer, stream:*, subscribe\n", 8);
    FUZZ_CHECK(a.ok() == model_ok);
    if (model_ok) {
      std::vector<std::string> viewer{"viewer"};
      FUZZ_CHECK((*a)->allows(viewer, "stream:x", "subscribe"));
    }
    return 0;
  }
  auto rules = read_policy_csv(input);
  auto a = authorizer::parse(default_model_text(), input, 64);
  if (!rules.ok()) {
    FUZZ_CHECK(!a.ok());
    FUZZ_CHECK(rules.error().message.starts_with("policy line ")
               || rules.error().message.starts_with("the policy is "));
    return 0;
  }
  FUZZ_CHECK(rules->size() <= max_policy_rules);
  for (auto& p : rules->permissions) {
    FUZZ_CHECK(valid_subject_name(p.subject));
    FUZZ_CHECK(valid_object_pattern(p.object));
    FUZZ_CHECK(known_action(p.action));
    // keyMatch: a pattern matches its own prefix (up to '*') and itself without '*'.
    auto star = p.object.find('*');
    if (star == std::string::npos)
      FUZZ_CHECK(key_match(p.object, p.object));
    else
      FUZZ_CHECK(key_match(p.object.substr(0, star) + "anything", p.object));
  }
  for (auto* links : {&rules->inheritance, &rules->room_roles})
    for (auto& l : *links) {
      FUZZ_CHECK(valid_subject_name(l.member) && valid_subject_name(l.role));
      FUZZ_CHECK(l.member != l.role);
    }
  if (a.ok())
    check_accepted_policy(**a, *rules);
  else // the reader accepted it: only the role graphs may refuse (cycle, depth)
    FUZZ_CHECK(a.error().message.find(" roles ") != std::string::npos);
  return 0;
}

// The authorizer of rbac_policy.hpp: the model check, the policy's rules indexed by
// action and subject, the g and g2 role graphs, and the decision cache in front of them.

#include <algorithm>
#include <array>
#include <fstream>
#include <unordered_set>

#include "protocol/rbac_decision_cache.hpp"
#include "protocol/rbac_key_match.hpp"
#include "protocol/rbac_model.hpp"
#include "protocol/rbac_policy.hpp"
#include "protocol/rbac_policy_csv.hpp"
#include "protocol/rbac_role_graph.hpp"

namespace qc::rbac {

namespace {

using patterns_by_subject =
  std::unordered_map<std::string, std::vector<std::string>, string_hash, std::equal_to<>>;

protocol::error failed(std::string message) {
  return {protocol::error_code::invalid_parameters, std::move(message)};
}

// The file's bytes, refusing more than max_policy_file_bytes.
protocol::result<std::string> read_bounded(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return failed("cannot open " + path);
  std::string text(max_policy_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad())
    return failed("cannot read " + path);
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_policy_file_bytes)
    return failed(path + " is larger than " + std::to_string(max_policy_file_bytes) + " bytes");
  return text;
}

// One cache key for a question, whatever order the subjects came in: each subject with
// its length (so no name can imitate a separator), then object and action.
std::string cache_key(std::span<const std::string> subjects, std::string_view object,
                      std::string_view action) {
  std::vector<std::string_view> sorted(subjects.begin(), subjects.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::string key;
  for (auto s : sorted) {
    key += std::to_string(s.size());
    key += ':';
    key += s;
  }
  key += '\n';
  key += object;
  key += '\n';
  key += action;
  return key;
}

constexpr std::array<std::string_view, 5> room_roles_strongest_first{
  "room_owner", "room_admin", "room_moderator", "room_member", "room_guest"};

} // namespace

struct authorizer::impl {
  std::size_t rule_count = 0;
  std::unordered_map<std::string, patterns_by_subject, string_hash, std::equal_to<>> by_action;
  role_graph inheritance; // g
  role_graph room_roles;  // g2
  std::unordered_set<std::string, string_hash, std::equal_to<>> role_names;
  decision_cache cache;

  impl(std::size_t cache_entries, role_graph g, role_graph g2)
    : inheritance(std::move(g)), room_roles(std::move(g2)), cache(cache_entries) {
  }

  // The matcher, for one question, without the cache:
  //   some p: (g(sub, p.sub) || g2(sub, p.sub, obj)) && keyMatch(obj, p.obj) && act == p.act
  bool decide(std::span<const std::string> subjects, std::string_view object,
              std::string_view action) const {
    auto rules = by_action.find(action);
    if (rules == by_action.end())
      return false;
    bool allowed = false;
    auto check = [&](std::string_view subject) {
      if (allowed)
        return;
      auto it = rules->second.find(subject);
      if (it == rules->second.end())
        return;
      allowed = std::any_of(it->second.begin(), it->second.end(),
                            [&](const std::string& pattern) { return key_match(object, pattern); });
    };
    for (auto& subject : subjects) {
      check(subject);
      inheritance.for_each_role(subject, {}, check);
      room_roles.for_each_role(subject, object, check);
      if (allowed)
        return true;
    }
    return false;
  }
};

authorizer::authorizer(std::unique_ptr<impl> i) : impl_(std::move(i)) {
}

authorizer::~authorizer() = default;

protocol::result<std::shared_ptr<const authorizer>>
authorizer::parse(std::string_view model_text, std::string_view policy_text,
                  std::size_t cache_entries) {
  if (model_text.size() > max_policy_file_bytes)
    return failed("the model is larger than " + std::to_string(max_policy_file_bytes) + " bytes");
  if (auto bad_model = check_model_text(model_text))
    return *bad_model;
  auto rules = read_policy_csv(policy_text);
  if (!rules)
    return rules.error();
  auto g = role_graph::build(rules->inheritance, "g");
  if (!g)
    return g.error();
  auto g2 = role_graph::build(rules->room_roles, "g2");
  if (!g2)
    return g2.error();
  auto state = std::make_unique<impl>(cache_entries, std::move(*g), std::move(*g2));
  state->rule_count = rules->size();
  for (auto& p : rules->permissions) {
    auto& patterns = state->by_action[p.action][p.subject];
    if (std::find(patterns.begin(), patterns.end(), p.object) == patterns.end())
      patterns.push_back(p.object);
    state->role_names.insert(p.subject);
  }
  for (auto& l : rules->inheritance) {
    state->role_names.insert(l.member);
    state->role_names.insert(l.role);
  }
  for (auto& l : rules->room_roles)
    state->role_names.insert(l.role);
  return std::shared_ptr<const authorizer>(std::make_shared<authorizer>(std::move(state)));
}

protocol::result<std::shared_ptr<const authorizer>>
authorizer::load(const std::string& model_path, const std::string& policy_path,
                 std::size_t cache_entries) {
  std::string model_text(default_model_text());
  std::string policy_text(default_policy_text());
  if (!model_path.empty()) {
    auto text = read_bounded(model_path);
    if (!text)
      return text.error();
    model_text = std::move(*text);
  }
  if (!policy_path.empty()) {
    auto text = read_bounded(policy_path);
    if (!text)
      return text.error();
    policy_text = std::move(*text);
  }
  auto parsed = parse(model_text, policy_text, cache_entries);
  if (parsed)
    return parsed;
  // Say which file the line number is in.
  const auto& message = parsed.error().message;
  const std::string& path = message.starts_with("model") ? model_path : policy_path;
  return failed((path.empty() ? std::string("(built-in default)") : path) + ": " + message);
}

bool authorizer::allows(std::span<const std::string> subjects, std::string_view object,
                        std::string_view action) const {
  auto key = cache_key(subjects, object, action);
  if (auto known = impl_->cache.find(key))
    return *known;
  bool allowed = impl_->decide(subjects, object, action);
  impl_->cache.remember(key, allowed);
  return allowed;
}

std::string authorizer::static_room_role(std::string_view user_id,
                                         std::span<const std::string> roles,
                                         std::string_view room_object) const {
  int best = -1;
  auto consider = [&](std::string_view role) { best = std::max(best, room_role_rank(role)); };
  impl_->room_roles.for_each_role(user_id, room_object, consider);
  for (auto& role : roles)
    impl_->room_roles.for_each_role(role, room_object, consider);
  if (best < 0)
    return {};
  return std::string(room_roles_strongest_first[room_roles_strongest_first.size() - 1
                                                - static_cast<std::size_t>(best)]);
}

bool authorizer::names_role(std::string_view name) const {
  return impl_->role_names.find(name) != impl_->role_names.end();
}

std::size_t authorizer::rule_count() const noexcept {
  return impl_->rule_count;
}

std::size_t authorizer::cached_decisions() const {
  return impl_->cache.size();
}

int room_role_rank(std::string_view room_role) {
  for (std::size_t i = 0; i < room_roles_strongest_first.size(); ++i)
    if (room_roles_strongest_first[i] == room_role)
      return static_cast<int>(room_roles_strongest_first.size() - 1 - i);
  return -1;
}

} // namespace qc::rbac

#include "protocol/rbac_names.hpp"

#include <algorithm>
#include <array>

namespace qc::rbac {
namespace {

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '.' || c == ':' || c == '@' || c == '-';
}

bool all_name_chars(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), name_char);
}

constexpr std::array<std::string_view, 4> object_kinds{"room:", "stream:", "user:", "system:"};

// Keep in step with conf/rbac_policy.csv's header and docs/architecture/rbac.md.
constexpr std::array<std::string_view, 17> actions{
  // room:<name>
  "join", "leave", "view", "list_members", "send_message", "send_targeted", "mention_all",
  "kick_member", "set_member_role", "broadcast",
  // stream:<symbol>
  "subscribe", "publish",
  // user:<id>
  "send_to_user", "read_saved", "read_offline",
  // system:stats, system:rooms
  "read", "list"};

} // namespace

bool valid_subject_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= max_name_bytes && all_name_chars(name);
}

bool valid_object_pattern(std::string_view object) noexcept {
  if (object == "*")
    return true;
  for (auto kind : object_kinds) {
    if (!object.starts_with(kind))
      continue;
    auto rest = object.substr(kind.size());
    bool wildcard = rest.ends_with('*');
    if (wildcard)
      rest.remove_suffix(1);
    return (wildcard || !rest.empty()) && rest.size() <= max_name_bytes && all_name_chars(rest);
  }
  return false;
}

std::span<const std::string_view> known_actions() noexcept {
  return actions;
}

bool known_action(std::string_view action) noexcept {
  return std::find(actions.begin(), actions.end(), action) != actions.end();
}

} // namespace qc::rbac

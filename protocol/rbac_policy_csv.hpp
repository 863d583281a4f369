#pragma once
// The Casbin policy file (conf/rbac_policy.csv), as Casbin's file adapter reads it: one
// rule a line, fields separated by commas, spaces around fields ignored, a field may be
// double-quoted ("" inside quotes is one quote), `#` starts a comment line, blank lines
// are skipped. Three kinds of line, for the one supported model:
//   p, <subject>, <object pattern>, <action>
//   g, <role>, <parent role>
//   g2, <user or role>, <room role>, room:<room name or pattern>
// Every field is checked (rbac_names.hpp) and the file is bounded; errors name the line.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace qc::rbac {

inline constexpr std::size_t max_policy_file_bytes = 1u << 20;
inline constexpr std::size_t max_policy_rules = 10000; // p, g and g2 lines together

struct permission_rule { // p
  std::string subject;
  std::string object; // a name or a keyMatch pattern
  std::string action;
  std::size_t line = 0;
};

struct role_link { // g (domain empty) or g2
  std::string member;  // the user or role that has...
  std::string role;    // ...this role
  std::string domain;  // g2: the room pattern it holds in
  std::size_t line = 0;
};

struct policy_rules {
  std::vector<permission_rule> permissions;
  std::vector<role_link> inheritance; // g
  std::vector<role_link> room_roles;  // g2
  std::size_t size() const noexcept {
    return permissions.size() + inheritance.size() + room_roles.size();
  }
};

/// The fields of one line, unquoted (Casbin's CSV rules above); an error says why not.
protocol::result<std::vector<std::string>> split_policy_line(std::string_view line);

/// The rules of a policy file; errors read "policy line N: ...".
protocol::result<policy_rules> read_policy_csv(std::string_view text);

} // namespace qc::rbac

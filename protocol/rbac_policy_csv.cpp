#include "protocol/rbac_policy_csv.hpp"

#include <cctype>

#include "protocol/rbac_names.hpp"

namespace qc::rbac {
namespace {

bool space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && space(s.back()))
    s.remove_suffix(1);
  return s;
}

protocol::error bad(std::string message) {
  return {protocol::error_code::invalid_parameters, std::move(message)};
}

protocol::error at_line(std::size_t line, const std::string& what) {
  return bad("policy line " + std::to_string(line) + ": " + what);
}

// Why `field` is not a valid one of `what`, or empty.
std::string check_subject(std::string_view field, std::string_view what) {
  if (valid_subject_name(field))
    return {};
  return std::string(what) + " '" + std::string(field)
         + "' must be 1-128 characters of [A-Za-z0-9_.:@-]";
}

} // namespace

protocol::result<std::vector<std::string>> split_policy_line(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && space(line[i]))
      ++i;
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size())
          return bad("a quoted field is not closed");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field.push_back(line[i++]);
      }
      while (i < line.size() && space(line[i]))
        ++i;
      if (i < line.size() && line[i] != ',')
        return bad("text after a closing quote");
    } else {
      auto end = line.find(',', i);
      auto raw = trim(line.substr(i, end == std::string_view::npos ? line.npos : end - i));
      if (raw.find('"') != std::string_view::npos)
        return bad("a quote inside an unquoted field");
      field = std::string(raw);
      i = end == std::string_view::npos ? line.size() : end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size())
      return fields;
    ++i; // the comma
  }
}

protocol::result<policy_rules> read_policy_csv(std::string_view text) {
  if (text.size() > max_policy_file_bytes)
    return bad("the policy is " + std::to_string(text.size()) + " bytes; at most "
               + std::to_string(max_policy_file_bytes) + " are read");
  policy_rules rules;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    auto line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    if (line.empty() || line.front() == '#')
      continue;
    if (rules.size() == max_policy_rules)
      return at_line(line_no, "more than " + std::to_string(max_policy_rules) + " rules");
    auto split = split_policy_line(line);
    if (!split)
      return at_line(line_no, split.error().message);
    auto& f = *split;
    for (auto& field : f)
      if (field.empty())
        return at_line(line_no, "an empty field");
    const std::string& kind = f[0];
    if (kind == "p") {
      if (f.size() != 4)
        return at_line(line_no, "p takes 3 fields (subject, object, action), not "
                                  + std::to_string(f.size() - 1));
      if (auto why = check_subject(f[1], "subject"); !why.empty())
        return at_line(line_no, why);
      if (!valid_object_pattern(f[2]))
        return at_line(line_no,
                       "object '" + f[2]
                         + "' must be room:, stream:, user: or system: and a name of up to 128 "
                           "characters of [A-Za-z0-9_.:@-], or end in one '*' (keyMatch)");
      if (!known_action(f[3]))
        return at_line(line_no, "unknown action '" + f[3]
                                  + "' (docs/architecture/rbac.md lists the actions)");
      rules.permissions.push_back({f[1], f[2], f[3], line_no});
    } else if (kind == "g") {
      if (f.size() != 3)
        return at_line(line_no, "g takes 2 fields (role, parent role), not "
                                  + std::to_string(f.size() - 1));
      for (std::size_t k = 1; k < 3; ++k)
        if (auto why = check_subject(f[k], k == 1 ? "role" : "parent role"); !why.empty())
          return at_line(line_no, why);
      if (f[1] == f[2])
        return at_line(line_no, "role '" + f[1] + "' inherits itself");
      rules.inheritance.push_back({f[1], f[2], {}, line_no});
    } else if (kind == "g2") {
      if (f.size() != 4)
        return at_line(line_no, "g2 takes 3 fields (user or role, room role, room:<name>), not "
                                  + std::to_string(f.size() - 1));
      for (std::size_t k = 1; k < 3; ++k)
        if (auto why = check_subject(f[k], k == 1 ? "user or role" : "room role"); !why.empty())
          return at_line(line_no, why);
      if (f[1] == f[2])
        return at_line(line_no, "'" + f[1] + "' is given itself as its room role");
      if (!f[3].starts_with("room:") || !valid_object_pattern(f[3]))
        return at_line(line_no, "the domain '" + f[3]
                                  + "' must be room:<room name> or a room:...* pattern");
      rules.room_roles.push_back({f[1], f[2], f[3], line_no});
    } else {
      return at_line(line_no, "unknown line kind '" + kind + "' (p, g or g2)");
    }
  }
  return rules;
}

} // namespace qc::rbac

#include "protocol/rbac_model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace qc::rbac {
namespace {

struct expected_key {
  std::string_view section;
  std::string_view key;
  std::string_view value; // as written in the shipped file; compared without whitespace
};

constexpr std::array<expected_key, 6> model{{
  {"request_definition", "r", "sub, obj, act"},
  {"policy_definition", "p", "sub, obj, act"},
  {"role_definition", "g", "_, _"},
  {"role_definition", "g2", "_, _, _"},
  {"policy_effect", "e", "some(where (p.eft == allow))"},
  {"matchers", "m",
   "(g(r.sub, p.sub) || g2(r.sub, p.sub, r.obj)) && keyMatch(r.obj, p.obj) && r.act == p.act"},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

std::string without_space(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out.push_back(c);
  return out;
}

protocol::error fail(std::size_t line, const std::string& what) {
  return {protocol::error_code::invalid_parameters,
          "model line " + std::to_string(line) + ": " + what};
}

bool known_section(std::string_view name) {
  return std::any_of(model.begin(), model.end(), [&](auto& k) { return k.section == name; });
}

} // namespace

std::optional<protocol::error> check_model_text(std::string_view text) {
  std::array<bool, model.size()> seen{};
  std::string section;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_no;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';')
      continue;
    if (line.front() == '[') {
      if (line.back() != ']')
        return fail(line_no, "a section header must end with ']'");
      section = std::string(trim(line.substr(1, line.size() - 2)));
      if (!known_section(section))
        return fail(line_no, "unknown section [" + section
                               + "]; the supported model has request_definition, "
                                 "policy_definition, role_definition, policy_effect, matchers");
      continue;
    }
    auto eq = line.find('=');
    // "==" inside a matcher is not the key separator; the key comes before the first '='.
    if (eq == std::string_view::npos)
      return fail(line_no, "expected 'key = value'");
    if (section.empty())
      return fail(line_no, "'key = value' before any [section]");
    std::string key(trim(line.substr(0, eq)));
    std::string value(trim(line.substr(eq + 1)));
    std::size_t key_line = line_no;
    // Casbin's continuation: a value ending in '\' goes on on the next line.
    while (!value.empty() && value.back() == '\\') {
      value.pop_back();
      if (text.empty())
        return fail(line_no, "'\\' continues a value past the end of the file");
      eol = text.find('\n');
      value += ' ';
      value += trim(text.substr(0, eol));
      text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
      ++line_no;
    }
    auto it = std::find_if(model.begin(), model.end(),
                           [&](auto& k) { return k.section == section && k.key == key; });
    if (it == model.end())
      return fail(key_line, "[" + section + "] has no key '" + key + "' in the supported model");
    auto index = static_cast<std::size_t>(it - model.begin());
    if (seen[index])
      return fail(key_line, "[" + section + "] " + key + " is defined twice");
    seen[index] = true;
    if (without_space(value) != without_space(it->value))
      return fail(key_line, "[" + section + "] " + key + " = " + value
                              + " differs from the supported model: expected " + key + " = "
                              + std::string(it->value));
  }
  for (std::size_t i = 0; i < model.size(); ++i)
    if (!seen[i])
      return fail(line_no + 1, "end of file: [" + std::string(model[i].section) + "] "
                                 + std::string(model[i].key) + " = " + std::string(model[i].value)
                                 + " is missing");
  return std::nullopt;
}

} // namespace qc::rbac

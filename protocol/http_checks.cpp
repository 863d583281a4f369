#include "protocol/http_checks.hpp"

#include <algorithm>

namespace qc::protocol {

namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
         || c == '/';
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(),
                       [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

} // namespace

bool valid_websocket_key(std::string_view key) {
  // 16 bytes = 128 bits: 21 full characters, a 22nd carrying 2 bits, then "==".
  constexpr std::size_t encoded = 24;
  if (key.size() != encoded || key.substr(22) != "==")
    return false;
  return std::all_of(key.begin(), key.begin() + 22, is_base64_char);
}

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  if (origin.empty())
    return true;
  return std::any_of(allowed.begin(), allowed.end(), [origin](const std::string& entry) {
    return entry == "*" || equal_ignoring_case(entry, origin);
  });
}

} // namespace qc::protocol

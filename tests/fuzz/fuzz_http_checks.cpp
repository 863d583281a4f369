// The WebSocket upgrade header checks (protocol/http_checks.cpp) the gateway applies
// before answering a handshake: Sec-WebSocket-Key and Origin.
//
// Input: the header value; after a newline, an allowed-origins list, one per line.
// Properties: a key is valid exactly when it is 22 base64 characters and "=="; an origin
// is allowed exactly when it is empty, the list holds "*", or it equals an entry
// ignoring ASCII case.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/http_checks.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

bool base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view value = input.substr(0, newline);
  std::vector<std::string> allowed;
  if (newline != std::string_view::npos) {
    std::string_view rest = input.substr(newline + 1);
    while (true) {
      const auto end = rest.find('\n');
      allowed.emplace_back(rest.substr(0, end));
      if (end == std::string_view::npos)
        break;
      rest.remove_prefix(end + 1);
    }
  }

  bool key_shape = value.size() == 24 && value.ends_with("==");
  for (std::size_t i = 0; key_shape && i < 22; ++i)
    key_shape = base64_char(value[i]);
  FUZZ_CHECK(qc::protocol::valid_websocket_key(value) == key_shape);

  bool expected = value.empty();
  for (const auto& entry : allowed)
    expected = expected || entry == "*" || equal_ignoring_case(entry, value);
  FUZZ_CHECK(qc::protocol::origin_allowed(value, allowed) == expected);
  return 0;
}

#include "protocol/names.hpp"

#include <algorithm>

namespace qc::protocol {

namespace {

bool is_alnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

} // namespace

bool valid_room_name(std::string_view name) {
  return !name.empty() && name.size() <= 128 && std::ranges::all_of(name, [](char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
  });
}

bool valid_symbol(std::string_view symbol) {
  return !symbol.empty() && symbol.size() <= 32 && std::ranges::all_of(symbol, [](char c) {
    return is_alnum(c) || c == '_' || c == '.' || c == '-';
  });
}

} // namespace qc::protocol

#include "protocol/rbac_key_match.hpp"

namespace qc::rbac {

bool key_match(std::string_view key, std::string_view pattern) noexcept {
  auto star = pattern.find('*');
  if (star == std::string_view::npos)
    return key == pattern;
  return key.starts_with(pattern.substr(0, star));
}

} // namespace qc::rbac

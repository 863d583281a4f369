#pragma once
// Casbin's keyMatch, the one pattern function the RBAC model uses: a pattern without `*`
// matches only itself; with one, the key must equal the pattern up to its first `*`, and
// anything may follow. (Casbin ignores what follows the first `*`; the policy reader
// refuses such patterns, so every accepted policy means here what it means in Casbin.)

#include <string_view>

namespace qc::rbac {

bool key_match(std::string_view key, std::string_view pattern) noexcept;

} // namespace qc::rbac

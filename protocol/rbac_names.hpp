#pragma once
// What the policy file may name: subjects and roles, objects (and their patterns), and
// actions. The reader refuses anything else, so a typo in an operator's policy is an
// error at load, not a rule that silently never matches.

#include <cstddef>
#include <span>
#include <string_view>

namespace qc::rbac {

/// Longest subject, role or action name; for an object, the part after "<kind>:".
inline constexpr std::size_t max_name_bytes = 128;

/// A user id or role: 1-128 bytes of [A-Za-z0-9_.:@-] (the user ids of PROTOCOL.md §2).
bool valid_subject_name(std::string_view name) noexcept;

/// An object or object pattern: "*", or room:/stream:/user:/system: followed by 0-128
/// bytes of [A-Za-z0-9_.:@-], with at most one `*`, as the last byte. An empty rest only
/// with the `*` ("room:*").
bool valid_object_pattern(std::string_view object) noexcept;

/// The actions quotecast asks about (docs/architecture/rbac.md lists who asks what).
std::span<const std::string_view> known_actions() noexcept;
bool known_action(std::string_view action) noexcept;

} // namespace qc::rbac

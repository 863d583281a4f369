#pragma once
// Room-scoped roles on the wire and inside the broker (PROTOCOL-NOTES "Room roles"):
// clients name them "owner", "admin", "moderator", "member", "guest"; the policy and
// the session's room_roles_ use the prefixed names ("room_owner", ...) so a room role
// never collides with a global role of the same word (a global "admin" is not a
// room_admin). Their order is rbac::room_role_rank.

#include <optional>
#include <string>
#include <string_view>

namespace qc::protocol {

/// "moderator" -> "room_moderator"; nullopt for anything that is not a room role's
/// wire name (the prefixed form included: clients send the short one).
std::optional<std::string> room_role_from_wire(std::string_view wire_name);

/// "room_moderator" -> "moderator"; a name without the prefix is returned as it is.
std::string_view room_role_to_wire(std::string_view room_role);

} // namespace qc::protocol

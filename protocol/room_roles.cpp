#include "protocol/room_roles.hpp"

#include <array>

namespace qc::protocol {

namespace {

constexpr std::string_view prefix = "room_";
constexpr std::array<std::string_view, 5> wire_names{"owner", "admin", "moderator", "member", "guest"};

} // namespace

std::optional<std::string> room_role_from_wire(std::string_view wire_name) {
  for (auto name : wire_names)
    if (name == wire_name)
      return std::string(prefix) + std::string(name);
  return std::nullopt;
}

std::string_view room_role_to_wire(std::string_view room_role) {
  if (room_role.starts_with(prefix))
    room_role.remove_prefix(prefix.size());
  return room_role;
}

} // namespace qc::protocol

#pragma once
// Encoders for the `data` of successful `request` responses (PROTOCOL.md §3).

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qc::protocol {

/// list_rooms: [{"room":"market_600519","members":3},...]
std::string encode_room_list(const std::vector<std::pair<std::string, std::uint32_t>>& rooms);

/// One row of room_members with the member's room role (wire name, e.g. "moderator").
struct member_row {
  std::string sid;
  std::string user_id;
  std::string role;
};

/// room_members: {"room":"r","count":N,"members":[{"sid":"..","user_id":"..","role":"owner"},...]}
std::string encode_room_members(std::string_view room, const std::vector<member_row>& members);

/// get_subscriptions: {"rooms":[..],"streams":[..],"saved":{"rooms":[..],"streams":[..]}}
std::string encode_subscriptions(const std::vector<std::string>& rooms,
                                 const std::vector<std::string>& streams,
                                 const std::vector<std::string>& saved_rooms,
                                 const std::vector<std::string>& saved_streams);

/// The ack of `publish`: {"ok":true,"accepted":N,"duplicates":M}
std::string encode_publish_ack(std::uint64_t accepted, std::uint64_t duplicates);

/// send_to_user / broadcast: {"delivered":N,"queued":M}: sessions reached now, and
/// absent users whose offline queue took it.
std::string encode_delivered(std::uint64_t delivered, std::uint64_t queued);

} // namespace qc::protocol

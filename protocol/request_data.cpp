#include "protocol/request_data.hpp"

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

void append_string_array(std::string& out, const std::vector<std::string>& xs) {
  out += '[';
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    write_escaped_string(out, xs[i]);
  }
  out += ']';
}

} // namespace

std::string encode_room_list(const std::vector<std::pair<std::string, std::uint32_t>>& rooms) {
  std::string out = "[";
  for (std::size_t i = 0; i < rooms.size(); ++i) {
    if (i > 0)
      out += ',';
    out += "{\"room\":";
    write_escaped_string(out, rooms[i].first);
    out += ",\"members\":";
    out += std::to_string(rooms[i].second);
    out += '}';
  }
  out += ']';
  return out;
}

std::string encode_room_members(std::string_view room, const std::vector<member_row>& members) {
  std::string out = "{\"room\":";
  write_escaped_string(out, room);
  out += ",\"count\":";
  out += std::to_string(members.size());
  out += ",\"members\":[";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0)
      out += ',';
    out += "{\"sid\":";
    write_escaped_string(out, members[i].sid);
    out += ",\"user_id\":";
    write_escaped_string(out, members[i].user_id);
    out += ",\"role\":";
    write_escaped_string(out, members[i].role);
    out += '}';
  }
  out += "]}";
  return out;
}

std::string encode_subscriptions(const std::vector<std::string>& rooms,
                                 const std::vector<std::string>& streams,
                                 const std::vector<std::string>& saved_rooms,
                                 const std::vector<std::string>& saved_streams) {
  std::string out = "{\"rooms\":";
  append_string_array(out, rooms);
  out += ",\"streams\":";
  append_string_array(out, streams);
  out += ",\"saved\":{\"rooms\":";
  append_string_array(out, saved_rooms);
  out += ",\"streams\":";
  append_string_array(out, saved_streams);
  out += "}}";
  return out;
}

std::string encode_publish_ack(std::uint64_t accepted, std::uint64_t duplicates) {
  return "{\"ok\":true,\"accepted\":" + std::to_string(accepted) + ",\"duplicates\":"
         + std::to_string(duplicates) + "}";
}

std::string encode_delivered(std::uint64_t delivered, std::uint64_t queued) {
  return "{\"delivered\":" + std::to_string(delivered) + ",\"queued\":" + std::to_string(queued)
         + "}";
}

} // namespace qc::protocol

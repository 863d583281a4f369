#include "tests/support/sio_packet.hpp"

#include "tests/support/json_doc.hpp"

#include <cctype>

namespace qc::test {

namespace {
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
}  // namespace

std::optional<sio_packet> parse_sio_packet(std::string_view text) {
  if (text.empty() || text[0] < '0' || text[0] > '6') return std::nullopt;
  sio_packet p;
  p.type = static_cast<sio_type>(text[0] - '0');
  std::size_t i = 1;
  if (p.type == sio_type::binary_event || p.type == sio_type::binary_ack) {
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i >= text.size() || text[i] != '-') return std::nullopt;
    ++i;
  }
  if (i < text.size() && text[i] == '/') {
    auto comma = text.find(',', i);
    if (comma == std::string_view::npos) {
      p.nsp = std::string(text.substr(i));
      return p;
    }
    p.nsp = std::string(text.substr(i, comma - i));
    i = comma + 1;
  }
  std::size_t id_start = i;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i > id_start) p.ack_id = std::stoull(std::string(text.substr(id_start, i - id_start)));
  p.data = std::string(text.substr(i));
  return p;
}

std::string encode_sio_packet(const sio_packet& p) {
  std::string out = "4";
  out += static_cast<char>('0' + static_cast<int>(p.type));
  if (p.nsp != "/") out += p.nsp + ",";
  if (p.ack_id) out += std::to_string(*p.ack_id);
  out += p.data;
  return out;
}

std::optional<sio_event_parts> split_event(const std::string& data) {
  json_doc j(data);
  if (!j.is_array("") || !j.is_string("/0")) return std::nullopt;
  sio_event_parts parts;
  parts.name = j.str("/0");
  parts.first_arg = j.has("/1") ? j.text("/1") : "";
  return parts;
}

}  // namespace qc::test

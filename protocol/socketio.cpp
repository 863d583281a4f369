#include "protocol/socketio.hpp"

#include <array>
#include <charconv>

#include "protocol/json.hpp"

namespace qc::protocol {

namespace {

error bad_packet(std::string message) {
  return error{error_code::invalid_message_format, std::move(message)};
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_binary(sio_packet_type t) {
  return t == sio_packet_type::binary_event || t == sio_packet_type::binary_ack;
}

// The namespace is echoed back in replies (44/<ns>,...), so it must be clean text.
bool valid_namespace(std::string_view nsp) {
  for (char c : nsp)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      return false;
  return valid_utf8(nsp);
}

// The official isPayloadValid(), per packet type. data is nullptr when the packet has
// none, which is not the same as JSON null.
std::optional<error> check_data(sio_packet_type type, const rapidjson::Document* data) {
  switch (type) {
  case sio_packet_type::connect:
    if (data && !data->IsObject())
      return bad_packet("CONNECT data must be an object");
    return std::nullopt;
  case sio_packet_type::disconnect:
    if (data)
      return bad_packet("DISCONNECT must not carry data");
    return std::nullopt;
  case sio_packet_type::connect_error:
    if (data && !data->IsObject() && !data->IsString())
      return bad_packet("CONNECT_ERROR data must be an object or a string");
    return std::nullopt;
  case sio_packet_type::event:
  case sio_packet_type::binary_event:
    if (!data || !data->IsArray() || data->Empty() || !(*data)[0].IsString())
      return bad_packet("EVENT data must be an array starting with the event name");
    if (is_reserved_event({(*data)[0].GetString(), (*data)[0].GetStringLength()}))
      return bad_packet("event name is reserved");
    return std::nullopt;
  case sio_packet_type::ack:
  case sio_packet_type::binary_ack:
    if (!data || !data->IsArray())
      return bad_packet("ACK data must be an array");
    return std::nullopt;
  }
  return bad_packet("unknown packet type");
}

} // namespace

result<sio_head> parse_sio_head(std::string_view text, const limits& lim) {
  if (text.empty())
    return bad_packet("empty Socket.IO packet");
  if (text[0] < '0' || text[0] > '6')
    return bad_packet("unknown Socket.IO packet type");
  sio_head h{static_cast<sio_packet_type>(text[0] - '0')};
  std::size_t i = 1;

  if (is_binary(h.type)) {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i]))
      ++i;
    if (i == start || i == text.size() || text[i] != '-')
      return bad_packet("binary packet needs an attachment count followed by '-'");
    const std::string_view digits = text.substr(start, i - start);
    std::size_t count = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (ec != std::errc{} || count > lim.max_attachments)
      return bad_packet("too many binary attachments (at most " + std::to_string(lim.max_attachments) + ")");
    h.attachments = count;
    ++i; // the '-'
  }

  if (i < text.size() && text[i] == '/') {
    const std::size_t comma = text.find(',', i);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    const std::string_view nsp = text.substr(i, end - i);
    // Refused before it is looked at: a namespace is echoed in replies (44/<ns>,...).
    if (nsp.size() > lim.max_namespace_bytes)
      return bad_packet("namespace longer than " + std::to_string(lim.max_namespace_bytes) + " bytes");
    if (!valid_namespace(nsp))
      return bad_packet("namespace is not valid text");
    h.nsp = nsp;
    i = comma == std::string_view::npos ? text.size() : comma + 1;
  }

  const std::size_t id_start = i;
  while (i < text.size() && is_digit(text[i]))
    ++i;
  if (i > id_start) {
    // 18 digits always fit in 64 bits; longer ids are refused rather than wrapped.
    if (i - id_start > 18)
      return bad_packet("ack id longer than 18 digits");
    std::uint64_t id = 0;
    std::from_chars(text.data() + id_start, text.data() + i, id);
    h.ack_id = id;
  }
  h.data = text.substr(i);
  return h;
}

result<sio_packet> parse_sio(std::string_view text, const limits& lim) {
  auto head = parse_sio_head(text, lim);
  if (!head)
    return head.error();
  sio_packet p{head->type, std::string(head->nsp), head->ack_id, head->attachments};
  if (!head->data.empty()) {
    auto parsed = parse_json(head->data, lim);
    if (!parsed)
      return parsed.error();
    p.doc.emplace(std::move(*parsed));
    p.data = std::string(head->data);
  }
  if (auto problem = check_data(p.type, p.doc ? &*p.doc : nullptr))
    return *problem;
  return p;
}

std::string encode_sio(const sio_packet& p) {
  std::string out;
  out.reserve(p.data.size() + p.nsp.size() + 24);
  out.push_back(static_cast<char>('0' + static_cast<int>(p.type)));
  if (is_binary(p.type)) {
    append_unsigned(out, p.attachments);
    out.push_back('-');
  }
  if (!p.nsp.empty() && p.nsp != "/") {
    out += p.nsp;
    out.push_back(',');
  }
  if (p.ack_id)
    append_unsigned(out, *p.ack_id);
  out += p.data;
  return out;
}

bool is_reserved_event(std::string_view name) {
  constexpr std::array<std::string_view, 6> reserved{
      "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};
  for (auto r : reserved)
    if (r == name)
      return true;
  return false;
}

binary_assembler::binary_assembler(sio_packet header, std::size_t max_bytes)
  : header_(std::move(header)), max_bytes_(max_bytes) {
  attachments_.reserve(header_.attachments);
}

bool binary_assembler::add(std::string attachment) {
  if (complete() || too_big_)
    return complete();
  if (attachment.size() > max_bytes_ - bytes_) {
    too_big_ = true;
    return false;
  }
  bytes_ += attachment.size();
  attachments_.push_back(std::move(attachment));
  return complete();
}

} // namespace qc::protocol

// Socket.IO over Engine.IO as a connection delivers it: a sequence of WebSocket frames,
// text frames holding Engine.IO packets and binary frames holding the attachments of a
// binary packet, driven as apps/conformance/conformance_session.cpp (which reassembles them) and
// actors/session/session.cpp (which validates events) do.
//
// Input: frames separated by '\n'; a line starting with 'b' is a binary frame (the rest
// of the line), any other line a text frame. Properties: a parsed packet re-encodes to
// text that parses to the same packet; attachments and namespaces stay within their
// bounds; an EVENT's data is an array starting with its name, ready for on_event; a
// binary packet completes with exactly the attachments it announced; the replies built
// from a packet (CONNECT errors echo the namespace) are valid.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/engineio.hpp"
#include "protocol/json.hpp"
#include "protocol/recovery.hpp"
#include "protocol/socketio.hpp"
#include "tests/fuzz/event_checks.hpp"

namespace {

using namespace qc::protocol;

// Equal as packets on the wire (the parsed `doc` follows from `data`).
bool same(const sio_packet& a, const sio_packet& b) {
  return a.type == b.type && a.nsp == b.nsp && a.ack_id == b.ack_id && a.attachments == b.attachments &&
         a.data == b.data;
}

void check_packet(const sio_packet& p, const limits& lim) {
  FUZZ_CHECK(p.attachments <= lim.max_attachments);
  FUZZ_CHECK(!p.nsp.empty() && p.nsp[0] == '/' && valid_utf8(p.nsp));
  FUZZ_CHECK(p.nsp.size() <= lim.max_namespace_bytes);
  // The JSON is parsed once, and kept exactly when there is data.
  FUZZ_CHECK(p.doc.has_value() == !p.data.empty());
  if (p.doc)
    FUZZ_CHECK(to_json(*p.doc) == to_json(*parse_json(p.data, lim)));
  const std::string wire = encode_sio(p); // the head's views point into it
  const auto head = parse_sio_head(wire, lim);
  FUZZ_CHECK(head.ok() && head->type == p.type && head->nsp == p.nsp && head->ack_id == p.ack_id &&
             head->attachments == p.attachments && head->data == p.data);
  if (p.type != sio_packet_type::binary_event && p.type != sio_packet_type::binary_ack)
    FUZZ_CHECK(p.attachments == 0);
  const std::string encoded = encode_sio(p);
  auto again = parse_sio(encoded, lim);
  FUZZ_CHECK(again.ok() && same(*again, p));

  switch (p.type) {
  case sio_packet_type::connect: {
    // A CONNECT to another namespace is refused with the namespace echoed back.
    sio_packet refuse{sio_packet_type::connect_error, p.nsp, std::nullopt, 0, R"({"message":"Invalid namespace"})", {}};
    auto reply = parse_sio(encode_sio(refuse), lim);
    FUZZ_CHECK(reply.ok() && reply->nsp == p.nsp);
    // Recovery auth read from the kept document and from the text agree.
    const auto from_doc = parse_recovery_auth(p.doc ? &*p.doc : nullptr);
    const auto from_text = parse_recovery_auth(p.data, lim);
    FUZZ_CHECK(from_doc.has_value() == from_text.has_value());
    if (from_doc)
      FUZZ_CHECK(from_doc->pid == from_text->pid && from_doc->offset == from_text->offset);
    break;
  }
  case sio_packet_type::event: {
    // What the session hands to on_event: the name and the first argument.
    const auto& args = *p.doc;
    FUZZ_CHECK(args.IsArray() && !args.Empty() && args[0].IsString());
    const rapidjson::Value* payload = args.Size() > 1 ? &args[1] : nullptr;
    qc::fuzz::check_outcome(parse_client_event({args[0].GetString(), args[0].GetStringLength()}, payload, lim), lim);
    break;
  }
  default:
    break;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const limits lim;
  std::optional<binary_assembler> pending;
  std::size_t pos = 0;
  while (pos <= input.size()) {
    const auto newline = input.find('\n', pos);
    const std::string_view line = input.substr(pos, newline == std::string_view::npos ? std::string_view::npos
                                                                                      : newline - pos);
    pos = newline == std::string_view::npos ? input.size() + 1 : newline + 1;

    if (!line.empty() && line[0] == 'b') {
      if (!pending)
        return 0; // an unexpected binary frame closes the connection
      const std::size_t announced = pending->header().attachments;
      if (pending->add(std::string(line.substr(1)))) {
        FUZZ_CHECK(pending->attachments().size() == announced);
        pending.reset();
      }
      continue;
    }
    auto eio = parse_eio_text(line);
    if (!eio || eio->type != eio_packet_type::message)
      continue; // pings, pongs, noops; anything else closes the connection
    if (pending)
      return 0; // a text frame while attachments are due closes the connection
    auto packet = parse_sio(eio->data, lim);
    if (!packet) {
      FUZZ_CHECK(packet.error().code == error_code::invalid_message_format);
      return 0; // a malformed packet closes the connection
    }
    check_packet(*packet, lim);
    if (packet->attachments > 0)
      pending.emplace(std::move(*packet));
  }
  return 0;
}

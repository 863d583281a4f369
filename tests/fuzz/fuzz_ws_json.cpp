// Plain JSON messages on /ws (protocol/ws_json.cpp), driven as actors/session/session.cpp
// on_json_text does: parse the envelope, then validate the event it names.
//
// Properties: an accepted envelope has a non-empty event name and an id that is a JSON
// number or string; the ack and error replies built from it are JSON; the event then
// satisfies event_checks.hpp.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/framing.hpp"
#include "protocol/server_events.hpp"
#include "protocol/ws_json.hpp"
#include "tests/fuzz/event_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace qc::protocol;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const limits lim;
  auto msg = parse_ws_message(text, lim);
  if (!msg) {
    FUZZ_CHECK(msg.error().code == error_code::invalid_message_format);
    // /ws keeps the connection and answers with an error event.
    FUZZ_CHECK(qc::fuzz::is_json(frame_ws_event("error", encode_error(msg.error().code, msg.error().message))));
    return 0;
  }
  FUZZ_CHECK(!msg->event.empty());
  if (msg->id_json) {
    auto id = parse_json(*msg->id_json, lim);
    FUZZ_CHECK(id.ok() && (id->IsNumber() || id->IsString()));
    FUZZ_CHECK(qc::fuzz::is_json(frame_ws_ack(*msg->id_json, R"({"ok":true})")));
  }
  const rapidjson::Value* payload = msg->payload.IsNull() ? nullptr : &msg->payload;
  qc::fuzz::check_outcome(parse_client_event(msg->event, payload, lim), lim);
  return 0;
}

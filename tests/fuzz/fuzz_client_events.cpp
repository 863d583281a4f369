// Client event validation (protocol/client_events.cpp), the step every Socket.IO and /ws
// event goes through after its JSON is parsed (actors/session/session.cpp on_event).
//
// Input: the event name, a newline, then the payload as JSON text (absent when there is
// no newline; empty text means no payload). Properties: the ones event_checks.hpp lists
// for what was accepted or refused.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/client_events.hpp"
#include "protocol/json.hpp"
#include "tests/fuzz/event_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view name = input.substr(0, newline);
  const std::string_view payload_text = newline == std::string_view::npos ? std::string_view{}
                                                                           : input.substr(newline + 1);
  const qc::protocol::limits lim;
  if (payload_text.empty()) {
    qc::fuzz::check_outcome(qc::protocol::parse_client_event(name, nullptr, lim), lim);
    return 0;
  }
  auto payload = qc::protocol::parse_json(payload_text, lim);
  if (!payload)
    return 0; // the session refuses it before validation
  qc::fuzz::check_outcome(qc::protocol::parse_client_event(name, &*payload, lim), lim);
  return 0;
}

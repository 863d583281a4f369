// The POST /publish body, read as actors/broker.cpp does: parse_json, then parse_ticks.
//
// Properties: accepted ticks satisfy event_checks.hpp (valid symbol, bounded fields, every
// value JSON, stream_data frames JSON); a refusal is invalid_message_format or
// invalid_parameters with a message, and the 400 body built from it is JSON.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/client_events.hpp"
#include "protocol/json.hpp"
#include "protocol/request_data.hpp"
#include "protocol/server_events.hpp"
#include "tests/fuzz/event_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace qc::protocol;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const limits lim;
  auto refused = [](const error& e, error_code expected) {
    FUZZ_CHECK(e.code == expected && !e.message.empty());
    FUZZ_CHECK(qc::fuzz::is_json(encode_error(e.code, e.message)));
  };
  auto doc = parse_json(body, lim);
  if (!doc) {
    refused(doc.error(), error_code::invalid_message_format);
    return 0;
  }
  auto ticks = parse_ticks(*doc, lim);
  if (!ticks) {
    refused(ticks.error(), error_code::invalid_parameters);
    return 0;
  }
  qc::fuzz::check_ticks(*ticks, lim);
  FUZZ_CHECK(qc::fuzz::is_json(encode_publish_ack(ticks->ticks.size(), 0)));
  return 0;
}

// Recovery requests (protocol/recovery.cpp): the Socket.IO CONNECT auth object
// (actors/session/session.cpp on_namespace_connect) and the /ws ?resume=&offset= query
// (actors/net/gateway.cpp, then session.cpp).
//
// Input: the CONNECT data (JSON text after "40"); the same bytes are also read as a query
// string. Properties: a request is only ever one with a pid and offset of 1-64 bytes that
// the input really holds; a queued payload marked offline stays JSON.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/engineio.hpp"
#include "protocol/recovery.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace qc::protocol;

bool usable(std::string_view id) { return !id.empty() && id.size() <= max_recovery_id_bytes; }

void check_auth(std::string_view connect_data) {
  const limits lim;
  const auto req = parse_recovery_auth(connect_data, lim);
  auto doc = parse_json(connect_data, lim);
  if (!doc || !doc->IsObject()) {
    FUZZ_CHECK(!req);
    return;
  }
  FUZZ_CHECK(qc::fuzz::is_json(with_offline_flag(to_json(*doc))));
  if (!req)
    return;
  FUZZ_CHECK(usable(req->pid));
  const auto pid = doc->FindMember("pid");
  FUZZ_CHECK(pid != doc->MemberEnd() && pid->value.IsString() &&
             std::string_view(pid->value.GetString(), pid->value.GetStringLength()) == req->pid);
  if (req->offset) {
    FUZZ_CHECK(usable(*req->offset));
    const auto offset = doc->FindMember("offset");
    FUZZ_CHECK(offset != doc->MemberEnd() && offset->value.IsString() &&
               std::string_view(offset->value.GetString(), offset->value.GetStringLength()) == *req->offset);
  }
}

void check_query(std::string_view query) {
  const auto q = parse_query("/ws?" + std::string(query));
  const auto resume = q.params.find("resume");
  if (resume == q.params.end())
    return;
  std::optional<std::string_view> offset;
  if (const auto it = q.params.find("offset"); it != q.params.end())
    offset = it->second;
  const auto req = recovery_from_query(resume->second, offset);
  FUZZ_CHECK(req.has_value() == (usable(resume->second) && (!offset || offset->empty() || usable(*offset))));
  if (req) {
    FUZZ_CHECK(req->pid == resume->second);
    FUZZ_CHECK(req->offset.has_value() == (offset && !offset->empty()));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_auth(input);
  check_query(input);
  return 0;
}

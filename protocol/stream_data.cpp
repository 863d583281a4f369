#include "protocol/stream_data.hpp"

#include <algorithm>

#include "protocol/json.hpp"

namespace qc::protocol {

field_filter make_filter(const std::vector<std::string>& requested, const std::vector<std::string>& defaults) {
  const auto& names = requested.empty() ? defaults : requested;
  if (std::ranges::find(names, "*") != names.end())
    return field_filter{true, {}};
  field_filter f{false, names};
  std::ranges::sort(f.fields);
  // std::unique, not std::ranges::unique: clang 14 (the fuzz build) cannot compile
  // the subrange that libstdc++ 12's version returns.
  f.fields.erase(std::unique(f.fields.begin(), f.fields.end()), f.fields.end());
  return f;
}

std::vector<std::string> filter_fields(const field_filter& f) {
  return f.all ? std::vector<std::string>{"*"} : f.fields;
}

std::string encode_stream_data(const tick& t, std::int64_t timestamp_ms, std::uint64_t seq, const field_filter& f,
                               bool snapshot) {
  // Written by appends, not with json_object, so `data` needs no string of its own:
  // this runs once per tick and distinct filter, on the hot path.
  std::string out;
  out.reserve(64 + t.symbol.size() + t.fields.size() * 24);
  out += R"({"symbol":)";
  write_escaped_string(out, t.symbol);
  out += R"(,"data":{)";
  bool first = true;
  for (const auto& [name, value] : t.fields) {
    // "symbol" is at the top level only, even if a producer left it in `fields`.
    if (name == "symbol" || (!f.all && !std::ranges::binary_search(f.fields, name)))
      continue;
    if (!first)
      out += ',';
    first = false;
    write_escaped_string(out, name);
    out += ':';
    out += value;
  }
  out += R"(},"timestamp":)";
  append_integer(out, timestamp_ms);
  out += R"(,"seq":)";
  append_unsigned(out, seq);
  if (snapshot)
    out += R"(,"snapshot":true)";
  out += '}';
  return out;
}

} // namespace qc::protocol

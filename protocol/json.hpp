#pragma once
// Safe JSON in and small, exact JSON out.
//
// Inbound JSON is hostile: parse_json bounds nesting before anything recursive sees the
// document, and rejects what a browser would not send (invalid UTF-8, numbers beyond
// double range, trailing bytes). Outbound JSON is built by appends (json_object,
// write_escaped_string) so every encoder's output is byte-exact and key order is ours.

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <rapidjson/document.h>

#include "protocol/limits.hpp"
#include "protocol/result.hpp"

namespace qc::protocol {

/// Parses one JSON text. Errors are invalid_message_format with a human message:
/// invalid JSON, invalid UTF-8 (including overlong forms and encoded surrogates),
/// nesting deeper than lim.max_json_depth (checked while parsing, without recursion,
/// so 100000 '[' cost nothing), numbers out of double range (1e999), trailing bytes.
result<rapidjson::Document> parse_json(std::string_view text, const limits& lim);

/// Compact serialisation, strings spelled as JSON.stringify does (see
/// write_escaped_string); numbers as RapidJSON writes them (1.0 stays 1.0).
std::string to_json(const rapidjson::Value& value);

/// Appends a JSON string literal with quotes. Escapes '"', '\\' and control characters
/// as JSON.stringify does. Output is always valid UTF-8: each invalid byte becomes
/// U+FFFD, and so does an encoded lone surrogate (what a "\udc00" escape decodes to).
void write_escaped_string(std::string& out, std::string_view s);

/// Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool valid_utf8(std::string_view s);

/// Appends the decimal text of an integer.
void append_integer(std::string& out, std::int64_t value);
void append_unsigned(std::string& out, std::uint64_t value);

/// Builds one JSON object by appends, keys in call order:
///   json_object{}.string("room", r).number("members", n).done()  ->  {"room":"..","members":3}
/// raw() takes already-encoded JSON (empty means null).
class json_object {
public:
  json_object& string(std::string_view key, std::string_view value);
  json_object& raw(std::string_view key, std::string_view json);
  json_object& boolean(std::string_view key, bool value);
  json_object& strings(std::string_view key, const std::vector<std::string>& values);
  json_object& null(std::string_view key);

  template <std::integral T>
    requires(!std::same_as<T, bool>)
  json_object& number(std::string_view key, T value) {
    begin(key);
    if constexpr (std::is_signed_v<T>)
      append_integer(out_, static_cast<std::int64_t>(value));
    else
      append_unsigned(out_, static_cast<std::uint64_t>(value));
    return *this;
  }

  /// Closes the object and hands over its text (the builder is spent afterwards).
  std::string done();

private:
  void begin(std::string_view key);
  std::string out_ = "{";
};

/// Appends ["a","b"] with each element escaped.
void write_string_array(std::string& out, const std::vector<std::string>& values);

} // namespace qc::protocol

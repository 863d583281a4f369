#include "protocol/json.hpp"

#include <charconv>
#include <algorithm>
#include <cmath>
#include <optional>

#include <rapidjson/error/en.h>
#include <rapidjson/internal/dtoa.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

namespace qc::protocol {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The power of ten of a number text's first significant digit ("0.05" -> -2, "12e3" -> 4,
// zero -> a very negative value): enough to tell overflow from underflow. The exponent
// saturates, so "1e99999999999999" cannot overflow the arithmetic.
long long decimal_exponent(std::string_view text) {
  constexpr long long exponent_cap = 1'000'000'000;
  std::size_t i = !text.empty() && text.front() == '-' ? 1 : 0;
  const std::size_t int_begin = i;
  while (i < text.size() && is_digit(text[i]))
    ++i;
  const std::size_t int_end = i;
  std::optional<long long> first_significant;
  for (std::size_t k = int_begin; k < int_end && !first_significant; ++k)
    if (text[k] != '0')
      first_significant = static_cast<long long>(int_end - k - 1);
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && is_digit(text[i]); ++i)
      if (!first_significant && text[i] != '0')
        first_significant = -static_cast<long long>(i - int_end);
  }
  long long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    const bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+'))
      ++i;
    for (; i < text.size() && is_digit(text[i]); ++i)
      exponent = std::min(exponent * 10 + (text[i] - '0'), exponent_cap);
    if (negative)
      exponent = -exponent;
  }
  if (!first_significant)
    return -4 * exponent_cap;
  return *first_significant + exponent;
}

// The value of a JSON number's text, scanned by RapidJSON with kParseNumbersAsStringsFlag:
// integers that fit 64 bits stay exact integers (the flags RapidJSON's own number events
// would give them), anything else is the correctly rounded double from std::from_chars.
// Underflow is zero, as in JavaScript; overflow is refused (nullopt). RapidJSON's own
// full-precision conversion is not used: in 1.1.0 it reads out of bounds (#1251).
struct json_number {
  enum class kind { signed_integer, unsigned_integer, floating } type;
  std::int64_t i = 0;
  std::uint64_t u = 0;
  double d = 0.0;
};

std::optional<json_number> number_value(std::string_view text) {
  const char* first = text.data();
  const char* last = first + text.size();
  if (text.find_first_of(".eE") == std::string_view::npos) {
    json_number n{};
    if (text.front() == '-') {
      n.type = json_number::kind::signed_integer;
      if (std::from_chars(first, last, n.i).ec == std::errc{})
        return n;
    } else {
      n.type = json_number::kind::unsigned_integer;
      if (std::from_chars(first, last, n.u).ec == std::errc{})
        return n;
    }
  }
  json_number n{json_number::kind::floating};
  const auto parsed = std::from_chars(first, last, n.d);
  if (parsed.ec == std::errc::result_out_of_range) {
    if (decimal_exponent(text) > 0)
      return std::nullopt;
    n.d = text.front() == '-' ? -0.0 : 0.0; // below the smallest subnormal
    return n;
  }
  if (parsed.ec != std::errc{} || parsed.ptr != last)
    return std::nullopt; // RapidJSON scanned it as a JSON number, so this is a bug: refuse
  return n;
}

// Forwards SAX events into the document and refuses to open a container past the
// limit, so the reader stops before anything deep exists. Together with RapidJSON's
// iterative (non-recursive) reader no input can exhaust the stack.
class depth_guard {
public:
  depth_guard(rapidjson::Document& doc, std::size_t max_depth) : doc_(doc), max_depth_(max_depth) {}

  bool too_deep() const { return too_deep_; }
  bool number_too_big() const { return number_too_big_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const auto number = number_value({s, n});
    if (!number) {
      number_too_big_ = true;
      return false;
    }
    switch (number->type) {
    case json_number::kind::signed_integer:
      return doc_.Int64(number->i);
    case json_number::kind::unsigned_integer:
      return doc_.Uint64(number->u);
    case json_number::kind::floating:
      break;
    }
    return doc_.Double(number->d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType n) { --depth_; return doc_.EndObject(n); }
  bool StartArray() { return enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { --depth_; return doc_.EndArray(n); }

private:
  bool enter() {
    if (++depth_ > max_depth_)
      too_deep_ = true;
    return !too_deep_;
  }

  rapidjson::Document& doc_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool too_deep_ = false;
  bool number_too_big_ = false;
};

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool in(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode table 3-7), or 0.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  auto at = [&](std::size_t k) -> unsigned char {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0;
  };
  const unsigned char b0 = at(0);
  if (b0 < 0x80)
    return 1;
  if (in(b0, 0xC2, 0xDF))
    return in(at(1), 0x80, 0xBF) ? 2 : 0;
  if (in(b0, 0xE0, 0xEF)) {
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF; // ED A0..BF would be a surrogate
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) ? 3 : 0;
  }
  if (in(b0, 0xF0, 0xF4)) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    return in(at(1), lo, hi) && in(at(2), 0x80, 0xBF) && in(at(3), 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// A UTF-16 surrogate encoded as if it were a code point (ED A0..BF 80..BF). RapidJSON
// produces these from a lone "\udc00" escape, which JavaScript accepts.
bool is_encoded_surrogate(std::string_view s, std::size_t i) {
  return i + 2 < s.size() && static_cast<unsigned char>(s[i]) == 0xED &&
         in(static_cast<unsigned char>(s[i + 1]), 0xA0, 0xBF) &&
         in(static_cast<unsigned char>(s[i + 2]), 0x80, 0xBF);
}

void append_u_escape(std::string& out, unsigned code) {
  constexpr char hex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out.push_back(hex[(code >> shift) & 0xF]);
}

void write_value(std::string& out, const rapidjson::Value& v) {
  switch (v.GetType()) {
  case rapidjson::kNullType:
    out += "null";
    break;
  case rapidjson::kFalseType:
    out += "false";
    break;
  case rapidjson::kTrueType:
    out += "true";
    break;
  case rapidjson::kStringType:
    write_escaped_string(out, {v.GetString(), v.GetStringLength()});
    break;
  case rapidjson::kNumberType:
    if (v.IsInt64())
      append_integer(out, v.GetInt64());
    else if (v.IsUint64())
      append_unsigned(out, v.GetUint64());
    else {
      const double d = v.GetDouble();
      if (!std::isfinite(d)) { // NaN or infinity: not JSON; JSON.stringify writes null
        out += "null";
      } else {
        char buf[32];
        const char* end = rapidjson::internal::dtoa(d, buf);
        out.append(buf, static_cast<std::size_t>(end - buf));
      }
    }
    break;
  case rapidjson::kArrayType: {
    out.push_back('[');
    bool first = true;
    for (const auto& item : v.GetArray()) {
      if (!first)
        out.push_back(',');
      first = false;
      write_value(out, item);
    }
    out.push_back(']');
    break;
  }
  case rapidjson::kObjectType: {
    out.push_back('{');
    bool first = true;
    for (const auto& member : v.GetObject()) {
      if (!first)
        out.push_back(',');
      first = false;
      write_escaped_string(out, {member.name.GetString(), member.name.GetStringLength()});
      out.push_back(':');
      write_value(out, member.value);
    }
    out.push_back('}');
    break;
  }
  }
}

} // namespace

result<rapidjson::Document> parse_json(std::string_view text, const limits& lim) {
  constexpr unsigned flags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag |
                             rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag;
  rapidjson::MemoryStream stream(text.data(), text.size());
  rapidjson::Reader reader;
  rapidjson::ParseResult parsed;
  bool too_deep = false;
  bool number_too_big = false;
  auto generator = [&](rapidjson::Document& doc) {
    depth_guard guard(doc, lim.max_json_depth);
    parsed = reader.Parse<flags>(stream, guard);
    too_deep = guard.too_deep();
    number_too_big = guard.number_too_big();
    return !parsed.IsError();
  };
  rapidjson::Document doc;
  doc.Populate(generator);

  if (too_deep)
    return error{error_code::invalid_message_format,
                 "JSON is nested deeper than " + std::to_string(lim.max_json_depth) + " levels"};
  if (number_too_big)
    return error{error_code::invalid_message_format,
                 "invalid JSON at offset " + std::to_string(parsed.Offset()) + ": number too big to be stored in double"};
  if (parsed.IsError())
    return error{error_code::invalid_message_format,
                 std::string("invalid JSON at offset ") + std::to_string(parsed.Offset()) + ": " +
                     rapidjson::GetParseError_En(parsed.Code())};
  // The reader stops after the first value (and would also stop at a NUL byte), so
  // whatever follows must be whitespace only.
  std::size_t pos = stream.Tell();
  while (pos < text.size() && is_json_space(text[pos]))
    ++pos;
  if (pos != text.size())
    return error{error_code::invalid_message_format,
                 "invalid JSON at offset " + std::to_string(pos) + ": unexpected bytes after the value"};
  return doc;
}

std::string to_json(const rapidjson::Value& value) {
  std::string out;
  write_value(out, value);
  return out;
}

void write_escaped_string(std::string& out, std::string_view s) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  std::size_t plain_from = 0; // start of the bytes not yet copied verbatim
  std::size_t i = 0;
  auto flush = [&] { out.append(s.substr(plain_from, i - plain_from)); };
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (const std::size_t len = utf8_sequence_length(s, i)) {
        i += len;
        continue;
      }
      flush();
      out += "\xEF\xBF\xBD"; // U+FFFD, one per invalid byte or per encoded surrogate
      i += is_encoded_surrogate(s, i) ? 3 : 1;
      plain_from = i;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    flush();
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default: append_u_escape(out, c); break;
    }
    ++i;
    plain_from = i;
  }
  flush();
  out.push_back('"');
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0)
      return false;
    i += len;
  }
  return true;
}

void append_integer(std::string& out, std::int64_t value) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void append_unsigned(std::string& out, std::uint64_t value) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void write_string_array(std::string& out, const std::vector<std::string>& values) {
  out.push_back('[');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i != 0)
      out.push_back(',');
    write_escaped_string(out, values[i]);
  }
  out.push_back(']');
}

void json_object::begin(std::string_view key) {
  if (out_.size() > 1)
    out_.push_back(',');
  write_escaped_string(out_, key);
  out_.push_back(':');
}

json_object& json_object::string(std::string_view key, std::string_view value) {
  begin(key);
  write_escaped_string(out_, value);
  return *this;
}

json_object& json_object::raw(std::string_view key, std::string_view json) {
  begin(key);
  out_ += json.empty() ? std::string_view("null") : json;
  return *this;
}

json_object& json_object::boolean(std::string_view key, bool value) {
  begin(key);
  out_ += value ? "true" : "false";
  return *this;
}

json_object& json_object::strings(std::string_view key, const std::vector<std::string>& values) {
  begin(key);
  write_string_array(out_, values);
  return *this;
}

json_object& json_object::null(std::string_view key) {
  begin(key);
  out_ += "null";
  return *this;
}

std::string json_object::done() {
  out_.push_back('}');
  return std::move(out_);
}

} // namespace qc::protocol

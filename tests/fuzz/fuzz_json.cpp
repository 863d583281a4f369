// The JSON layer every entry point parses with (protocol/json.cpp), with a differential
// check of numbers against strtod.
//
// Input: a first byte 0x00 selects number mode: each following byte is mapped to one of
// "0123456789.eE+-" (digits twice as likely), and the text is checked as a number.
// Otherwise the whole input is a JSON text; when it is a lone number it is checked as one
// too.
//
// Properties: a number parses exactly when it is JSON number grammar within double range;
// integers keep their exact value, every other number is the double strtod reads from the
// same text (bit for bit), also inside an array and an object; a document serialises to
// JSON that parses back and serialises identically (and keeps numbers exact); strings
// written with write_escaped_string parse back to themselves when they are valid UTF-8.

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "protocol/json.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace qc::protocol;

// JSON's number grammar (RFC 8259 §6).
bool json_number_grammar(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
      ++i;
    return i > from;
  };
  if (i < t.size() && t[i] == '-')
    ++i;
  if (i < t.size() && t[i] == '0')
    ++i;
  else if (i >= t.size() || t[i] < '1' || t[i] > '9' || !digits())
    return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits())
      return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-'))
      ++i;
    if (!digits())
      return false;
  }
  return i == t.size();
}

// Every digit before the exponent is 0: the number is zero whatever its exponent.
bool zero_mantissa(std::string_view t) {
  const auto mantissa = t.substr(0, t.find_first_of("eE"));
  return mantissa.find_first_of("123456789") == std::string_view::npos;
}

// Digits before the fraction or exponent.
std::size_t integer_digits(std::string_view t) {
  const std::size_t start = !t.empty() && t[0] == '-' ? 1 : 0;
  return t.substr(start).find_first_not_of("0123456789") == std::string_view::npos
           ? t.size() - start
           : t.substr(start).find_first_not_of("0123456789");
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The value a parsed number must have, read from its text by the C library.
void check_number_value(const rapidjson::Value& v, const std::string& text) {
  FUZZ_CHECK(v.IsNumber());
  const bool integral = text.find_first_of(".eE") == std::string::npos;
  if (v.IsInt64() || v.IsUint64()) {
    // Only integer text may come out as an integer, and then exactly.
    FUZZ_CHECK(integral);
    errno = 0;
    if (text[0] == '-') {
      const long long expected = std::strtoll(text.c_str(), nullptr, 10);
      FUZZ_CHECK(errno == 0 && v.IsInt64() && v.GetInt64() == expected);
    } else {
      const unsigned long long expected = std::strtoull(text.c_str(), nullptr, 10);
      FUZZ_CHECK(errno == 0 && v.IsUint64() && v.GetUint64() == expected);
    }
    return;
  }
  FUZZ_CHECK(v.IsDouble());
  const double expected = std::strtod(text.c_str(), nullptr);
  // -0 may be read as the integer 0; every other value must match bit for bit.
  FUZZ_CHECK(same_bits(v.GetDouble(), expected) || (expected == 0 && v.GetDouble() == 0));
  // An integer read as a double must be one that fits no 64-bit integer (or -0).
  if (integral && expected != 0) {
    errno = 0;
    if (text[0] == '-')
      (void)std::strtoll(text.c_str(), nullptr, 10);
    else
      (void)std::strtoull(text.c_str(), nullptr, 10);
    FUZZ_CHECK(errno == ERANGE);
  }
}

void check_number(const std::string& text) {
  const limits lim;
  auto doc = parse_json(text, lim);
  if (!json_number_grammar(text)) {
    FUZZ_CHECK(!doc.ok());
    return;
  }
  const double c_value = std::strtod(text.c_str(), nullptr);
  if (std::isinf(c_value)) { // beyond double range: refused, never infinity
    FUZZ_CHECK(!doc.ok());
    return;
  }
  // Known and accepted (docs/SECURITY.md): RapidJSON's scanner refuses as "too big",
  // before our conversion sees them, a zero whose exponent exceeds 308 ("0e400") and an
  // integer part of 309 or more digits whatever the exponent ("1<400 zeros>e-300").
  // Refused cleanly; only those may fail, and only with that message.
  if (!doc && (zero_mantissa(text) || integer_digits(text) >= 309)) {
    FUZZ_CHECK(doc.error().message.find("too big") != std::string::npos);
    return;
  }
  FUZZ_CHECK(doc.ok());
  check_number_value(*doc, text);

  // The same number inside containers, as every event carries it.
  auto in_array = parse_json("[" + text + "]", lim);
  FUZZ_CHECK(in_array.ok() && in_array->IsArray() && in_array->Size() == 1);
  check_number_value((*in_array)[0], text);
  auto in_object = parse_json("{\"price\":" + text + "}", lim);
  FUZZ_CHECK(in_object.ok() && in_object->IsObject() && in_object->HasMember("price"));
  check_number_value((*in_object)["price"], text);

  // Written back out it reads as the same value.
  const std::string written = to_json(*doc);
  auto again = parse_json(written, lim);
  FUZZ_CHECK(again.ok() && again->IsNumber());
  if (doc->IsInt64())
    FUZZ_CHECK(again->IsInt64() && again->GetInt64() == doc->GetInt64());
  else if (doc->IsUint64())
    FUZZ_CHECK(again->IsUint64() && again->GetUint64() == doc->GetUint64());
  else
    FUZZ_CHECK(again->GetDouble() == doc->GetDouble());
}

void check_document(std::string_view text) {
  const limits lim;
  auto doc = parse_json(text, lim);
  if (!doc) {
    FUZZ_CHECK(doc.error().code == error_code::invalid_message_format);
    FUZZ_CHECK(!doc.error().message.empty());
    return;
  }
  // The text must have been valid UTF-8 (RapidJSON's check plus our own agree).
  FUZZ_CHECK(valid_utf8(text));
  const std::string once = to_json(*doc);
  FUZZ_CHECK(valid_utf8(once));
  auto reparsed = parse_json(once, lim);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(to_json(*reparsed) == once);
}

void check_escaping(std::string_view text) {
  std::string quoted;
  write_escaped_string(quoted, text);
  FUZZ_CHECK(valid_utf8(quoted));
  const limits lim;
  auto doc = parse_json(quoted, lim);
  FUZZ_CHECK(doc.ok() && doc->IsString());
  if (valid_utf8(text))
    FUZZ_CHECK(std::string_view(doc->GetString(), doc->GetStringLength()) == text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 0 && data[0] == 0) {
    static constexpr char alphabet[] = "01234567890123456789.eE+-";
    std::string number;
    for (std::size_t i = 1; i < size; ++i)
      number.push_back(alphabet[data[i] % (sizeof alphabet - 1)]);
    check_number(number);
    return 0;
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (json_number_grammar(text))
    check_number(text);
  check_document(text);
  check_escaping(text);
  return 0;
}

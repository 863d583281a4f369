#include <cmath>
#include <string>

#include <doctest/doctest.h>

#include "protocol/json.hpp"

using namespace qc::protocol;
using namespace std::string_literals;

namespace {

const limits lim;

// The compact re-serialisation of text, or the error message.
std::string roundtrip(std::string_view text) {
  auto doc = parse_json(text, lim);
  return doc ? to_json(*doc) : "ERROR: " + doc.error().message;
}

bool rejected(std::string_view text, const limits& l = lim) {
  auto doc = parse_json(text, l);
  if (doc)
    return false;
  CHECK(doc.error().code == error_code::invalid_message_format);
  CHECK_FALSE(doc.error().message.empty());
  return true;
}

std::string escaped(std::string_view s) {
  std::string out;
  write_escaped_string(out, s);
  return out;
}

} // namespace

TEST_CASE("parse_json accepts JSON and to_json writes it compactly") {
  CHECK(roundtrip(R"( { "a" : [ 1 , 2.5 , true , false , null , "x" ] , "b" : { } } )") ==
        R"({"a":[1,2.5,true,false,null,"x"],"b":{}})");
  CHECK(roundtrip("1688.5") == "1688.5");
  CHECK(roundtrip("1.0") == "1.0");
  CHECK(roundtrip("-3") == "-3");
  CHECK(roundtrip("0.1") == "0.1");
  CHECK(roundtrip("18446744073709551615") == "18446744073709551615");
  CHECK(roundtrip("-9223372036854775808") == "-9223372036854775808");
  CHECK(roundtrip("1e-999") == "0.0"); // underflow is zero, not an error
  CHECK(roundtrip("\"\"") == "\"\"");
  CHECK(roundtrip("[]\r\n\t ") == "[]");
  CHECK(roundtrip(R"("\u00e9\ud83d\ude00")") == "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  CHECK(roundtrip(R"("a\"b\\c\/d\n")") == R"("a\"b\\c/d\n")");
  CHECK(roundtrip(R"({"k":"v","k":"w"})") == R"({"k":"v","k":"w"})");
}

TEST_CASE("a lone low surrogate escape is accepted (JavaScript sends them) but never written out") {
  CHECK(roundtrip(R"("\udc00")") == "\"\xef\xbf\xbd\"");
  CHECK(roundtrip(R"("x\udfffy")") == "\"x\xef\xbf\xbdy\"");
}

TEST_CASE("parse_json rejects invalid and truncated JSON") {
  CHECK(rejected(""));
  CHECK(rejected("   "));
  CHECK(rejected("[1,"));
  CHECK(rejected("{\"a\":"));
  CHECK(rejected("\"abc"));
  CHECK(rejected("{a:1}"));
  CHECK(rejected("[1,]"));
  CHECK(rejected("'x'"));
  CHECK(rejected("NaN"));
  CHECK(rejected("Infinity"));
  CHECK(rejected("01"));
  CHECK(rejected("\"tab\there\""));
  CHECK(rejected(R"("\ud800")"));        // high surrogate without its pair
  CHECK(rejected(R"("\ud800\u0041")"));  // high surrogate with a non-surrogate
  CHECK(rejected("// comment\n1"));
}

TEST_CASE("parse_json rejects trailing bytes, also after a NUL") {
  CHECK(rejected("[1] x"));
  CHECK(rejected("[1][2]"));
  CHECK(rejected("1 2"));
  CHECK(rejected("{}}"));
  CHECK(rejected("[1]\0x"s));
  CHECK(rejected("[1]\0"s));
  CHECK(rejected("\"a\0b\""s));
}

TEST_CASE("parse_json rejects numbers beyond double range") {
  CHECK(rejected("1e999"));
  CHECK(rejected("-1e999"));
  CHECK(rejected("[1,2,1e309]"));
  CHECK(rejected("{\"price\":" + std::string(400, '9') + "}"));
}

// RapidJSON 1.1.0's full-precision decimal conversion read past a table on these and
// stored wrong values (upstream #1251); numbers now go through std::from_chars.
TEST_CASE("parse_json converts long and extreme decimal numbers exactly") {
  auto number = [](std::string_view text) {
    auto doc = parse_json(text, lim);
    REQUIRE(doc);
    REQUIRE(doc->IsNumber());
    return doc->GetDouble();
  };
  CHECK(number("128.74836467836484838364836483643636483648e-336") == 0.0);
  CHECK(number("0." + std::string(400, '0') + "1") == 0.0);
  CHECK(number("0e100") == 0.0);
  CHECK(roundtrip(R"({"price":0e100})") == R"({"price":0.0})");
  CHECK(number("-0.0") == 0.0);
  CHECK(std::signbit(number("-1e-999")));
  CHECK(number("1.7976931348623157e308") == 1.7976931348623157e308);
  CHECK(number("4.9406564584124654e-324") == 4.9406564584124654e-324);
  CHECK(number("2.2250738585072011e-308") == 2.2250738585072011e-308);
  CHECK(number("0.1000000000000000055511151231257827021181583404541015625") == 0.1);
  CHECK(number("1688.123456789012345678901234567890") == 1688.123456789012345678901234567890);
  CHECK(number("9007199254740993") == 9007199254740993.0);
  CHECK(number("18446744073709551616") == 18446744073709551616.0); // one past uint64: a double
  CHECK(number("-9223372036854775809") == -9223372036854775809.0);
  CHECK(rejected("1.7976931348623159e308"));
  CHECK(rejected("1e99999999999999999999"));
  CHECK(roundtrip("-0") == "0");
  CHECK(roundtrip("4294967296") == "4294967296");
}

TEST_CASE("parse_json rejects invalid UTF-8") {
  CHECK(rejected("\"\xff\xfe\""));
  CHECK(rejected("[\"\xff\xfe\"]"));
  CHECK(rejected("\"\xc0\xaf\""));          // overlong '/'
  CHECK(rejected("\"\xc1\xbf\""));          // overlong
  CHECK(rejected("\"\xe0\x80\xaf\""));      // overlong, 3 bytes
  CHECK(rejected("\"\xf0\x80\x80\xaf\""));  // overlong, 4 bytes
  CHECK(rejected("\"\xed\xa0\x80\""));      // an encoded surrogate
  CHECK(rejected("\"\xf4\x90\x80\x80\""));  // above U+10FFFF
  CHECK(rejected("\"\xe2\x82\""));          // truncated sequence
  CHECK(rejected("\"\x80\""));              // lone continuation byte
  CHECK(rejected("{\"\xff\":1}"));          // in a key
  CHECK(roundtrip("\"\xe2\x82\xac\"") == "\"\xe2\x82\xac\"");  // the euro sign is fine
}

TEST_CASE("parse_json bounds nesting depth before building anything deep") {
  limits l;
  l.max_json_depth = 3;
  CHECK_FALSE(rejected("[[[1]]]", l));
  CHECK(rejected("[[[[1]]]]", l));
  CHECK(rejected("{\"a\":{\"b\":{\"c\":{}}}}", l));
  CHECK_FALSE(rejected("[[1],[2],[[3]]]", l)); // depth, not count, is bounded

  CHECK_FALSE(rejected(std::string(32, '[') + std::string(32, ']')));
  CHECK(rejected(std::string(33, '[') + std::string(33, ']')));

  // Deep enough to overflow any recursive parser's stack; also unterminated.
  auto deep = parse_json(std::string(100000, '['), lim);
  REQUIRE_FALSE(deep);
  CHECK(deep.error().message.find("nested deeper than 32") != std::string::npos);
  std::string deep_objects;
  for (int i = 0; i < 100000; ++i)
    deep_objects += "{\"a\":";
  CHECK(rejected(deep_objects));
}

TEST_CASE("write_escaped_string escapes like JSON.stringify") {
  CHECK(escaped("") == R"("")");
  CHECK(escaped("plain") == R"("plain")");
  CHECK(escaped("q\"b\\s/") == R"("q\"b\\s/")");
  CHECK(escaped("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(escaped("\x01\x1f") == R"("\u0001\u001f")");
  CHECK(escaped("\0"s) == R"("\u0000")");
  CHECK(escaped("\x7f") == "\"\x7f\"");
  CHECK(escaped("\xe4\xb8\xad\xf0\x9f\x98\x80") == "\"\xe4\xb8\xad\xf0\x9f\x98\x80\"");
}

TEST_CASE("write_escaped_string never emits invalid UTF-8") {
  CHECK(escaped("a\xff" "b") == "\"a\xef\xbf\xbd" "b\"");
  CHECK(escaped("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(escaped("\xe2\x82") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(escaped("\xed\xb0\x80") == "\"\xef\xbf\xbd\"");
  CHECK(escaped("\xed\xa0\x80z") == "\"\xef\xbf\xbdz\"");
  CHECK(escaped("\xed\xa0") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");
  CHECK(valid_utf8(escaped("\xff\xfe\xed\xa0\x80\xf4\x90\x80\x80\x80")));
}

TEST_CASE("write_escaped_string appends") {
  std::string out = "[";
  write_escaped_string(out, "a");
  out += ",";
  write_escaped_string(out, "b");
  CHECK(out == R"(["a","b")");
}

TEST_CASE("valid_utf8") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("ascii"));
  CHECK(valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
  CHECK(valid_utf8("\xed\x9f\xbf")); // U+D7FF, just below the surrogates
  CHECK_FALSE(valid_utf8("\xff"));
  CHECK_FALSE(valid_utf8("\xc0\x80"));
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));
  CHECK_FALSE(valid_utf8("\xf5\x80\x80\x80"));
  CHECK_FALSE(valid_utf8("\xe2\x82"));
}

TEST_CASE("json_object builds objects in call order") {
  CHECK(json_object{}.done() == "{}");
  CHECK(json_object{}
            .string("s", "a\"b")
            .number("i", -5)
            .number("u", 18446744073709551615ull)
            .boolean("t", true)
            .boolean("f", false)
            .raw("r", "[1,2]")
            .raw("e", "")
            .null("n")
            .strings("l", {"x", "y"})
            .strings("z", {})
            .done() == R"({"s":"a\"b","i":-5,"u":18446744073709551615,"t":true,"f":false,"r":[1,2],"e":null,"n":null,"l":["x","y"],"z":[]})");
  std::string out;
  append_integer(out, -9223372036854775807 - 1);
  out += ' ';
  append_unsigned(out, 0);
  CHECK(out == "-9223372036854775808 0");
}

#include "apps/scenario/matcher.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>

namespace qc::scenario {

namespace {

using rapidjson::Value;

std::string text(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  std::string s = buf.GetString();
  return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

std::string type_name(const Value& v) {
  if (v.IsString()) return "string";
  if (v.IsBool()) return "boolean";
  if (v.IsNull()) return "null";
  if (v.IsArray()) return "array";
  if (v.IsObject()) return "object";
  return v.IsInt64() || v.IsUint64() ? "integer" : "number";
}

bool has_type(const Value& v, const std::string& t) {
  if (t == "number") return v.IsNumber();
  if (t == "integer") return v.IsInt64() || v.IsUint64();
  return type_name(v) == t;
}

// Captures go to a scratch map first, so a failed $contains candidate leaves no trace.
using captures = std::map<std::string, std::string>;

std::optional<std::string> match(const Value& p, const Value& a, const std::string& at, captures& caps);

std::optional<std::string> mismatch(const std::string& at, const std::string& expected, const Value& got) {
  return "at " + (at.empty() ? "/" : at) + ": expected " + expected + ", got " + text(got);
}

// {"$op": arg} patterns; nullopt in `handled` when p is not one.
std::optional<std::string> match_operator(const Value& p, const Value& a, const std::string& at, captures& caps,
                                          bool& handled) {
  handled = false;
  if (!p.IsObject() || p.MemberCount() != 1) return std::nullopt;
  const std::string op = p.MemberBegin()->name.GetString();
  const Value& arg = p.MemberBegin()->value;
  handled = true;
  if (op == "$range") {
    if (!arg.IsArray() || arg.Size() != 2 || !arg[0].IsNumber() || !arg[1].IsNumber())
      return "at " + at + ": bad pattern, $range needs [lo, hi]";
    if (!a.IsNumber() || a.GetDouble() < arg[0].GetDouble() || a.GetDouble() > arg[1].GetDouble())
      return mismatch(at, "a number in " + text(arg), a);
    return std::nullopt;
  }
  if (op == "$type") {
    if (!arg.IsString()) return "at " + at + ": bad pattern, $type needs a type name";
    if (!has_type(a, arg.GetString())) return mismatch(at, std::string("a value of type ") + arg.GetString(), a);
    return std::nullopt;
  }
  if (op == "$size") {
    if (!arg.IsUint64()) return "at " + at + ": bad pattern, $size needs a count";
    const auto n = a.IsArray() ? a.Size() : a.IsObject() ? a.MemberCount() : ~0u;
    if (n != arg.GetUint64()) return mismatch(at, std::to_string(arg.GetUint64()) + " elements", a);
    return std::nullopt;
  }
  if (op == "$contains") {
    if (!arg.IsArray()) return "at " + at + ": bad pattern, $contains needs an array";
    if (!a.IsArray()) return mismatch(at, "an array", a);
    for (const auto& want : arg.GetArray()) {
      bool found = false;
      for (rapidjson::SizeType i = 0; i < a.Size() && !found; ++i) {
        captures trial = caps;
        if (!match(want, a[i], at + "/" + std::to_string(i), trial)) {
          caps = std::move(trial);
          found = true;
        }
      }
      if (!found) return mismatch(at, "an array containing an element matching " + text(want), a);
    }
    return std::nullopt;
  }
  handled = false;  // an ordinary object whose only key starts with '$'
  return std::nullopt;
}

std::optional<std::string> match(const Value& p, const Value& a, const std::string& at, captures& caps) {
  if (p.IsString()) {
    const std::string s = p.GetString();
    if (s == "$any") return std::nullopt;
    if (s.rfind("$capture:", 0) == 0) {
      caps[s.substr(9)] = text(a);
      return std::nullopt;
    }
    if (s == "$absent") return "at " + at + ": \"$absent\" only makes sense as an object member";
  }
  bool handled = false;
  if (auto r = match_operator(p, a, at, caps, handled); handled) return r;

  if (p.IsObject()) {
    if (!a.IsObject()) return mismatch(at, "an object", a);
    for (auto it = p.MemberBegin(); it != p.MemberEnd(); ++it) {
      const std::string key = it->name.GetString();
      const std::string sub = at + "/" + key;
      auto found = a.FindMember(it->name);
      const bool must_be_absent = it->value.IsString() && std::string(it->value.GetString()) == "$absent";
      if (must_be_absent) {
        if (found != a.MemberEnd()) return mismatch(sub, "no such field", found->value);
        continue;
      }
      if (found == a.MemberEnd()) return "at " + sub + ": missing (expected " + text(it->value) + ")";
      if (auto r = match(it->value, found->value, sub, caps)) return r;
    }
    return std::nullopt;
  }
  if (p.IsArray()) {
    if (!a.IsArray()) return mismatch(at, "an array", a);
    if (a.Size() != p.Size()) return mismatch(at, std::to_string(p.Size()) + " elements " + text(p), a);
    for (rapidjson::SizeType i = 0; i < p.Size(); ++i)
      if (auto r = match(p[i], a[i], at + "/" + std::to_string(i), caps)) return r;
    return std::nullopt;
  }
  if (p.IsNumber()) {
    if (!a.IsNumber() || a.GetDouble() != p.GetDouble()) return mismatch(at, text(p), a);
    return std::nullopt;
  }
  if (p != a) return mismatch(at, text(p), a);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> match_json(const std::string& pattern, const std::string& actual, variables& vars) {
  rapidjson::Document p;
  p.Parse(pattern.c_str());
  if (p.HasParseError()) return "the pattern is not valid JSON: " + pattern;
  rapidjson::Document a;
  a.Parse(actual.c_str());
  if (a.HasParseError()) return "the received payload is not JSON: " + (actual.empty() ? "(nothing)" : actual);
  captures caps;
  if (auto r = match(p, a, "", caps)) return r;
  for (auto& [name, value] : caps) vars.set(name, value);
  return std::nullopt;
}

}  // namespace qc::scenario

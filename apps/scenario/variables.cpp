#include "apps/scenario/variables.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>

namespace qc::scenario {

namespace {

using rapidjson::Value;

// "${x}" exactly: returns x.
std::optional<std::string> whole_reference(const std::string& s) {
  if (s.size() > 3 && s.rfind("${", 0) == 0 && s.back() == '}' && s.find('}') == s.size() - 1)
    return s.substr(2, s.size() - 3);
  return std::nullopt;
}

}  // namespace

std::string variables::substitute_text(const std::string& text) const {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto start = text.find("${", pos);
    if (start == std::string::npos) return out + text.substr(pos);
    const auto end = text.find('}', start);
    if (end == std::string::npos) return out + text.substr(pos);
    const std::string name = text.substr(start + 2, end - start - 2);
    auto it = values_.find(name);
    if (it == values_.end()) throw unknown_variable("variable ${" + name + "} was never captured");
    std::string value = it->second;
    // A captured string is spliced without its quotes.
    rapidjson::Document d;
    d.Parse(value.c_str());
    if (!d.HasParseError() && d.IsString()) value = d.GetString();
    out += text.substr(pos, start - pos) + value;
    pos = end + 1;
  }
}

std::string variables::substitute_json(const std::string& json_text) const {
  if (json_text.find("${") == std::string::npos) return json_text;
  rapidjson::Document doc;
  doc.Parse(json_text.c_str());
  if (doc.HasParseError()) return json_text;
  auto& alloc = doc.GetAllocator();
  // Depth-first over the document, rewriting strings in place.
  auto walk = [&](auto& self, Value& v) -> void {
    if (v.IsObject()) {
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) self(self, it->value);
    } else if (v.IsArray()) {
      for (auto& e : v.GetArray()) self(self, e);
    } else if (v.IsString()) {
      const std::string s = v.GetString();
      if (s.find("${") == std::string::npos) return;
      if (auto name = whole_reference(s)) {
        auto it = values_.find(*name);
        if (it == values_.end()) throw unknown_variable("variable ${" + *name + "} was never captured");
        rapidjson::Document value(&alloc);
        value.Parse(it->second.c_str());
        v.CopyFrom(value, alloc);
        return;
      }
      v.SetString(substitute_text(s).c_str(), alloc);
    }
  };
  walk(walk, doc);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  return buf.GetString();
}

}  // namespace qc::scenario

#include "apps/scenario/variables.hpp"

#include "apps/scenario/token_variables.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
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

std::string variables::lookup(const std::string& name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  std::optional<token_variable> token;
  try {
    token = parse_token_variable(name);
  } catch (const bad_token_variable& e) {
    throw unknown_variable(e.what());
  }
  if (!token) throw unknown_variable("variable ${" + name + "} was never captured");
  if (!jwt_secret_)
    throw unknown_variable("${" + name + "} needs a JWT broker: add \"auth\": {\"mode\": \"jwt\"} to the scenario "
                           "(and run it with a broker the runner starts, not --url)");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  try {
    return "\"" + mint_token_variable(*token, *jwt_secret_, now) + "\"";  // base64url and dots: no escaping
  } catch (const bad_token_variable& e) {
    throw unknown_variable(e.what());
  }
}

std::string variables::substitute_text(const std::string& text) const {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const auto start = text.find("${", pos);
    if (start == std::string::npos) return out + text.substr(pos);
    const auto end = text.find('}', start);
    if (end == std::string::npos) return out + text.substr(pos);
    const std::string name = text.substr(start + 2, end - start - 2);
    std::string value = lookup(name);
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
        const std::string json = lookup(*name);
        rapidjson::Document value(&alloc);
        value.Parse(json.c_str());
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

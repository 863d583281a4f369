#include "tests/support/json_doc.hpp"

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace qc::test {

struct json_doc::impl {
  rapidjson::Document doc;
  bool ok = false;

  const rapidjson::Value* at(std::string_view pointer) const {
    if (!ok) return nullptr;
    rapidjson::Pointer p(pointer.data(), pointer.size());
    if (!p.IsValid()) return nullptr;
    return p.Get(doc);
  }
};

json_doc::json_doc(std::string_view text) : impl_(std::make_unique<impl>()), source_(text) {
  impl_->doc.Parse(source_.data(), source_.size());
  impl_->ok = !impl_->doc.HasParseError();
}

json_doc::~json_doc() = default;
json_doc::json_doc(json_doc&&) noexcept = default;
json_doc& json_doc::operator=(json_doc&&) noexcept = default;

bool json_doc::ok() const { return impl_->ok; }
bool json_doc::has(std::string_view p) const { return impl_->at(p) != nullptr; }

namespace {
std::string serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  v.Accept(w);
  return {sb.GetString(), sb.GetSize()};
}
}  // namespace

std::string json_doc::str(std::string_view p) const {
  const auto* v = impl_->at(p);
  if (!v) return "<missing " + std::string(p) + ">";
  if (!v->IsString()) return "<not a string: " + serialize(*v) + ">";
  return {v->GetString(), v->GetStringLength()};
}

std::string json_doc::text(std::string_view p) const {
  const auto* v = impl_->at(p);
  if (!v) return ok() ? "<missing " + std::string(p) + ">" : "<invalid JSON: " + source_.substr(0, 200) + ">";
  return serialize(*v);
}

std::optional<std::int64_t> json_doc::integer(std::string_view p) const {
  const auto* v = impl_->at(p);
  if (!v || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> json_doc::boolean(std::string_view p) const {
  const auto* v = impl_->at(p);
  if (!v || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

bool json_doc::is_string(std::string_view p) const {
  const auto* v = impl_->at(p);
  return v && v->IsString();
}
bool json_doc::is_integer(std::string_view p) const {
  const auto* v = impl_->at(p);
  return v && v->IsInt64();
}
bool json_doc::is_object(std::string_view p) const {
  const auto* v = impl_->at(p);
  return v && v->IsObject();
}
bool json_doc::is_array(std::string_view p) const {
  const auto* v = impl_->at(p);
  return v && v->IsArray();
}

long json_doc::size(std::string_view p) const {
  const auto* v = impl_->at(p);
  if (v && v->IsArray()) return static_cast<long>(v->Size());
  if (v && v->IsObject()) return static_cast<long>(v->MemberCount());
  return -1;
}

std::vector<std::string> json_doc::keys(std::string_view p) const {
  std::vector<std::string> out;
  const auto* v = impl_->at(p);
  if (v && v->IsObject())
    for (const auto& m : v->GetObject()) out.emplace_back(m.name.GetString(), m.name.GetStringLength());
  return out;
}

std::vector<std::string> json_doc::strings(std::string_view p) const {
  std::vector<std::string> out;
  const auto* v = impl_->at(p);
  if (v && v->IsArray())
    for (const auto& e : v->GetArray())
      if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
  return out;
}

std::string json_quote(std::string_view s) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return {sb.GetString(), sb.GetSize()};
}

}  // namespace qc::test

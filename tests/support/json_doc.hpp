#pragma once
// Read-only access to a JSON text by JSON Pointer (RFC 6901), for checking payloads in
// tests: json_doc j(payload); CHECK(j.str("/room") == "r1"); CHECK(j.integer("/members") == 2);
// Accessors never throw: a missing or mistyped value gives an empty optional or a
// visible "<missing ...>" text, so a failed CHECK shows what was there.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qc::test {

class json_doc {
public:
  explicit json_doc(std::string_view text);
  ~json_doc();
  json_doc(json_doc&&) noexcept;
  json_doc& operator=(json_doc&&) noexcept;

  bool ok() const;                 // the text parsed
  const std::string& source() const { return source_; }

  bool has(std::string_view pointer) const;
  // The string at pointer, or "<missing /p>" / "<not a string: ...>".
  std::string str(std::string_view pointer) const;
  // The value at pointer serialized back to compact JSON ("<missing /p>" if absent).
  std::string text(std::string_view pointer = "") const;
  std::optional<std::int64_t> integer(std::string_view pointer) const;
  std::optional<bool> boolean(std::string_view pointer) const;
  bool is_string(std::string_view pointer) const;
  bool is_integer(std::string_view pointer) const;
  bool is_object(std::string_view pointer) const;
  bool is_array(std::string_view pointer) const;
  // Elements of an array or members of an object; -1 if neither.
  long size(std::string_view pointer) const;
  // An object's member names, or an array's string elements.
  std::vector<std::string> keys(std::string_view pointer) const;
  std::vector<std::string> strings(std::string_view pointer) const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
  std::string source_;
};

// s as a JSON string literal, quotes included.
std::string json_quote(std::string_view s);

}  // namespace qc::test

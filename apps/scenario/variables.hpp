#pragma once
// Values a scenario captured ("$capture:sid_a" in a pattern) and uses later ("${sid_a}"),
// because sids and ids are random. Values are kept as JSON text.
#include <map>
#include <stdexcept>
#include <string>

namespace qc::scenario {

struct unknown_variable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class variables {
public:
  void set(const std::string& name, std::string json_value) { values_[name] = std::move(json_value); }

  // Replaces ${name} inside every string of a JSON text. A string that is exactly
  // "${name}" becomes the captured value itself (so a captured number stays a number);
  // elsewhere the value is spliced into the string (a captured string without quotes).
  // Throws unknown_variable.
  std::string substitute_json(const std::string& json_text) const;
  // The same for plain text (a user id, a query string).
  std::string substitute_text(const std::string& text) const;

private:
  std::map<std::string, std::string> values_;
};

}  // namespace qc::scenario

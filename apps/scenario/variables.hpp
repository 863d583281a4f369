#pragma once
// Values a scenario captured ("$capture:sid_a" in a pattern) and uses later ("${sid_a}"),
// because sids and ids are random. Values are kept as JSON text.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace qc::scenario {

struct unknown_variable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class variables {
public:
  void set(const std::string& name, std::string json_value) { values_[name] = std::move(json_value); }
  // The secret of a broker the runner started with JWT auth: ${token:...} variables
  // (apps/scenario/token_variables.hpp) are minted with it when used.
  void set_jwt_secret(std::string secret) { jwt_secret_ = std::move(secret); }

  // Replaces ${name} inside every string of a JSON text. A string that is exactly
  // "${name}" becomes the captured value itself (so a captured number stays a number);
  // elsewhere the value is spliced into the string (a captured string without quotes).
  // Throws unknown_variable.
  std::string substitute_json(const std::string& json_text) const;
  // The same for plain text (a user id, a query string).
  std::string substitute_text(const std::string& text) const;

private:
  // The JSON value of ${name}: a captured value or a freshly minted token. Throws
  // unknown_variable.
  std::string lookup(const std::string& name) const;

  std::map<std::string, std::string> values_;
  std::optional<std::string> jwt_secret_;
};

}  // namespace qc::scenario

#pragma once
// A value or the reason there is none. Test helpers return this so a failed wait
// can say what happened instead ("closed 1009", "timeout; buffered: pong").
#include <optional>
#include <string>
#include <utility>

namespace qc::test {

template <class T>
class outcome {
public:
  static outcome success(T value) { return outcome{std::move(value), {}}; }
  static outcome failure(std::string why) { return outcome{std::nullopt, std::move(why)}; }

  explicit operator bool() const { return value_.has_value(); }
  const T& operator*() const { return *value_; }
  const T* operator->() const { return &*value_; }
  const T& value() const { return value_.value(); }
  // Empty on success.
  const std::string& error() const { return error_; }

private:
  outcome(std::optional<T> v, std::string e) : value_(std::move(v)), error_(std::move(e)) {}
  std::optional<T> value_;
  std::string error_;
};

}  // namespace qc::test

#pragma once
// A value or the reason there is none. Protocol code reports bad input as values, never
// as exceptions: bad input is expected traffic, and each error carries the code the
// client will see.

#include <string>
#include <utility>
#include <variant>

#include "protocol/error_codes.hpp"

namespace qc::protocol {

struct error {
  error_code code;
  std::string message; // short human text saying what is wrong
};

template <class T>
class result {
public:
  // Implicit on purpose: `return value;` and `return error{...};` both read naturally.
  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  result(protocol::error err) : state_(std::in_place_index<1>, std::move(err)) {}

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // Precondition ok(); otherwise std::bad_variant_access.
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Precondition !ok(); otherwise std::bad_variant_access.
  const protocol::error& error() const { return std::get<1>(state_); }

private:
  std::variant<T, protocol::error> state_;
};

} // namespace qc::protocol

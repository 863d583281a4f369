#pragma once
// The error codes of the wire contract (PROTOCOL.md §3, SEED-NOTES): the names MyStocks
// clients already switch on, so they are spelled exactly as it spelled them.

#include <optional>
#include <string_view>

namespace qc::protocol {

enum class error_code {
  auth_required,
  auth_failed,
  auth_token_expired,
  invalid_message_format,
  invalid_action,
  invalid_symbol,
  invalid_parameters,
  permission_denied,
  rate_limit_exceeded,
  room_not_found,
  subscription_failed,
  already_subscribed,
  internal_error,
  service_unavailable,
  timeout,
  unsubscription_failed,
  stream_not_found,
  subscriber_not_found,
};

/// Upper snake case as on the wire, e.g. "INVALID_PARAMETERS".
std::string_view to_string(error_code code);

/// The inverse of to_string, for clients and tests that read error objects back.
std::optional<error_code> parse_error_code(std::string_view text);

} // namespace qc::protocol

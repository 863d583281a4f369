#include "protocol/error_codes.hpp"

#include <array>
#include <utility>

namespace qc::protocol {

namespace {

// One table for both directions, in enum order.
constexpr std::array<std::pair<error_code, std::string_view>, 18> names{{
  {error_code::auth_required, "AUTH_REQUIRED"},
  {error_code::auth_failed, "AUTH_FAILED"},
  {error_code::auth_token_expired, "AUTH_TOKEN_EXPIRED"},
  {error_code::invalid_message_format, "INVALID_MESSAGE_FORMAT"},
  {error_code::invalid_action, "INVALID_ACTION"},
  {error_code::invalid_symbol, "INVALID_SYMBOL"},
  {error_code::invalid_parameters, "INVALID_PARAMETERS"},
  {error_code::permission_denied, "PERMISSION_DENIED"},
  {error_code::rate_limit_exceeded, "RATE_LIMIT_EXCEEDED"},
  {error_code::room_not_found, "ROOM_NOT_FOUND"},
  {error_code::subscription_failed, "SUBSCRIPTION_FAILED"},
  {error_code::already_subscribed, "ALREADY_SUBSCRIBED"},
  {error_code::internal_error, "INTERNAL_ERROR"},
  {error_code::service_unavailable, "SERVICE_UNAVAILABLE"},
  {error_code::timeout, "TIMEOUT"},
  {error_code::unsubscription_failed, "UNSUBSCRIPTION_FAILED"},
  {error_code::stream_not_found, "STREAM_NOT_FOUND"},
  {error_code::subscriber_not_found, "SUBSCRIBER_NOT_FOUND"},
}};

} // namespace

std::string_view to_string(error_code code) {
  for (const auto& [c, name] : names)
    if (c == code)
      return name;
  return "INTERNAL_ERROR";
}

std::optional<error_code> parse_error_code(std::string_view text) {
  for (const auto& [c, name] : names)
    if (name == text)
      return c;
  return std::nullopt;
}

} // namespace qc::protocol

// The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1).
#include "protocol/jwt_verifier.hpp"

namespace qc::protocol {

std::string_view bearer_token(std::string_view header) {
  constexpr std::string_view ows = " \t";
  const auto first = header.find_first_not_of(ows);
  if (first == std::string_view::npos) return {};
  header = header.substr(first, header.find_last_not_of(ows) - first + 1);
  constexpr std::string_view scheme = "bearer";
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return {};
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    char c = header[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != scheme[i]) return {};
  }
  auto token = header.substr(scheme.size());
  token.remove_prefix(token.find_first_not_of(' '));
  // One token: nothing after it (a second word, a comma-separated list) is accepted.
  if (token.empty() || token.find_first_of(" \t,") != std::string_view::npos) return {};
  return token;
}

} // namespace qc::protocol

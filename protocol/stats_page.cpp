#include "protocol/stats_page.hpp"

#include <algorithm>
#include <charconv>
#include <string>

namespace qc::protocol {

namespace {

error bad(std::string message) {
  return error{error_code::invalid_parameters, std::move(message)};
}

// 2^64-1 has 20 digits; longer text is refused before conversion, and from_chars
// refuses 20 digits that do not fit.
constexpr std::size_t max_digits = 20;

std::optional<std::uint64_t> digits_value(std::string_view text) {
  if (text.empty() || text.size() > max_digits)
    return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9')
      return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

} // namespace

result<stats_page_request> parse_stats_query(std::string_view target) {
  stats_page_request out;
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return out;
  std::string_view rest = target.substr(q + 1);
  // A fragment is not sent by clients, but a hostile one may: it ends the query.
  if (auto hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::optional<std::uint64_t>* slot = key == "limit" ? &out.limit
                                       : key == "offset" ? &out.offset
                                                         : nullptr;
    if (!slot)
      continue;
    const std::string name(key);
    if (slot->has_value())
      return bad(name + " is given more than once");
    if (eq == std::string_view::npos)
      return bad(name + " needs a value");
    *slot = digits_value(pair.substr(eq + 1));
    if (!slot->has_value())
      return bad(name + " must be a non-negative integer below 2^64");
  }
  return out;
}

result<stats_page> resolve_stats_page(const stats_page_request& req, std::uint64_t default_limit,
                                      std::uint64_t max_limit) {
  stats_page page;
  page.limit = req.limit.value_or(std::min(default_limit, max_limit));
  if (page.limit > max_limit)
    return bad("limit must be an integer from 0 to " + std::to_string(max_limit));
  page.offset = req.offset.value_or(0);
  return page;
}

} // namespace qc::protocol

#pragma once
// The Casbin model file (conf/rbac_model.conf) in Casbin's INI format: sections
// [request_definition] ... [matchers], `key = value` lines, `#` and `;` comment lines,
// a trailing `\` continuing a value. quotecast evaluates exactly one model (the one in
// rbac_policy.hpp's header), so reading the file means checking that it is that model,
// whitespace aside; anything else is refused with the line and what differs.

#include <optional>
#include <string_view>

#include "protocol/result.hpp"

namespace qc::rbac {

/// Empty when `text` is the supported model; else "model line N: ..." saying what
/// differs (a missing key names the end of the file).
std::optional<protocol::error> check_model_text(std::string_view text);

} // namespace qc::rbac

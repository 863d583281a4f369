#include "protocol/auth_wire.hpp"

#include "protocol/json.hpp"

namespace qc::protocol {

presented_token token_from_connect_auth(const rapidjson::Value* auth, std::size_t max_bytes) {
  if (!auth || !auth->IsObject())
    return {};
  auto it = auth->FindMember("token");
  // null and "" both mean "no token here" (a client library not logged in yet sends
  // either), as ?token= with nothing after it does; any other non-string is malformed.
  if (it == auth->MemberEnd() || it->value.IsNull())
    return {};
  if (!it->value.IsString())
    return {presented_token::state::malformed, {}};
  return token_from_text({it->value.GetString(), it->value.GetStringLength()}, max_bytes);
}

presented_token token_from_text(std::string_view text, std::size_t max_bytes) {
  if (text.empty())
    return {};
  if (text.size() > max_bytes)
    return {presented_token::state::too_long, {}};
  return {presented_token::state::given, std::string(text)};
}

presented_token choose_token(presented_token connect_auth, presented_token bearer,
                             presented_token query) {
  if (connect_auth.how != presented_token::state::none)
    return connect_auth;
  if (bearer.how != presented_token::state::none)
    return bearer;
  return query;
}

std::vector<std::string> global_roles(const std::vector<std::string>& token_roles) {
  std::vector<std::string> out;
  out.reserve(token_roles.size());
  for (const auto& role : token_roles)
    if (!role.starts_with("room_"))
      out.push_back(role);
  return out;
}

std::string encode_auth_refreshed(std::int64_t exp, const std::vector<std::string>& roles) {
  return json_object{}.number("exp", exp).strings("roles", roles).done();
}

} // namespace qc::protocol

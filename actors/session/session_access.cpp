// Authorization of a session's events and requests (PROTOCOL.md §2): one question to the
// broker's current authorizer per check; the authorizer caches decisions.

#include "actors/session/session_core.hpp"

namespace qc::session_detail {

bool session_core::permits(std::string_view object, std::string_view action) const {
  auto authz = p_.access->authorizer(); // the rules of now: a SIGHUP reload counts at once
  subjects_.clear();
  subjects_.insert(subjects_.end(), who_.roles.begin(), who_.roles.end());
  // A user id that is also a role name of the policy (a header-mode user called "admin")
  // must not be taken for that role: it is then no subject at all.
  auto user = authz->names_role(who_.user_id) ? std::string_view{} : std::string_view{who_.user_id};
  if (!user.empty())
    subjects_.emplace_back(user);
  if (object.starts_with("room:")) {
    // The room role here: the one the room gave us, or, in a room we are not in
    // (joining it, listing it), what the policy's g2 lines give us there.
    auto it = room_roles_.find(std::string(object.substr(5)));
    if (it != room_roles_.end())
      subjects_.push_back(it->second);
    else if (auto role = authz->static_room_role(user, who_.roles, object);
             !role.empty())
      subjects_.push_back(std::move(role));
  }
  return authz->allows(subjects_, object, action);
}

void session_core::deny(std::string_view reply_event, const std::string& what,
                        const ack_token& ack) {
  send_error(reply_event, error_code::permission_denied,
             what + " is not permitted for " + who_.user_id, ack);
}

void session_core::deny(const protocol::request_in& req, const std::string& what,
                        const ack_token& ack) {
  respond_error(req.request_id, req.trace_id, error_code::permission_denied,
                what + " is not permitted for " + who_.user_id, ack);
}

} // namespace qc::session_detail

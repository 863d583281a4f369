// Authorization of a session's events and requests (PROTOCOL.md §2): one question to the
// broker's current authorizer per check; the authorizer caches decisions.

#include "actors/session/session_core.hpp"

namespace qc::session_detail {

bool session_core::permits(std::string_view object, std::string_view action) const {
  std::vector<std::string> subjects;
  subjects.reserve(who_.roles.size() + 2);
  subjects.insert(subjects.end(), who_.roles.begin(), who_.roles.end());
  subjects.push_back(who_.user_id);
  if (object.starts_with("room:")) {
    auto it = room_roles_.find(std::string(object.substr(5)));
    if (it != room_roles_.end())
      subjects.push_back(it->second);
  }
  return p_.access->authorizer()->allows(subjects, object, action);
}

} // namespace qc::session_detail

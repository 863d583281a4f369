#pragma once
// Authorization (PROTOCOL.md §2, docs/architecture/rbac.md): a Casbin-compatible RBAC
// model and policy, read from the real file formats (conf/rbac_model.conf,
// conf/rbac_policy.csv), evaluated by a matcher written here for that one model:
//
//   [request_definition]  r = sub, obj, act
//   [policy_definition]   p = sub, obj, act
//   [role_definition]     g = _, _          (role inheritance: g, trader, viewer)
//                         g2 = _, _, _      (room-scoped roles: g2, alice, room_owner, room:desk_a)
//   [policy_effect]       e = some(where (p.eft == allow))
//   [matchers]            m = (g(r.sub, p.sub) || g2(r.sub, p.sub, r.obj))
//                             && keyMatch(r.obj, p.obj) && r.act == p.act
//
// Objects: room:<name>, stream:<symbol>, user:<id>, system:stats, system:rooms.
// Subjects asked about: the caller's global roles, its user id, and its room role in the
// room asked about ("room_owner", "room_admin", "room_moderator", "room_member",
// "room_guest"). Callers drop token roles that start with "room_" (no token can carry a
// room role into every room).

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/result.hpp"

namespace qc::rbac {

class policy;

/// The shipped conf/rbac_model.conf and conf/rbac_policy.csv, compiled in: the policy
/// used when auth.rbac-model-file / auth.rbac-policy-file are not set.
std::string_view default_model_text();
std::string_view default_policy_text();

/// An immutable, loaded policy plus a bounded decision cache keyed by (subjects, object,
/// action). Thread-safe: shared by every session and the HTTP handlers through
/// std::shared_ptr<const authorizer>; a reload builds a new authorizer (and so a new,
/// empty cache) and swaps the pointer.
class authorizer {
public:
  /// Parses model and policy text; errors name the file part and line.
  static protocol::result<std::shared_ptr<const authorizer>>
  parse(std::string_view model_text, std::string_view policy_text,
        std::size_t cache_entries = 4096);

  /// Reads the files (empty path: the compiled-in default) and parses them. Files over
  /// 1 MiB are refused.
  static protocol::result<std::shared_ptr<const authorizer>>
  load(const std::string& model_path, const std::string& policy_path,
       std::size_t cache_entries = 4096);

  /// May any of `subjects` do `action` on `object`?
  bool allows(std::span<const std::string> subjects, std::string_view object,
              std::string_view action) const;

  /// The strongest room role ("room_owner" ... "room_guest") that g2 lines give `user_id`
  /// or one of `roles` in `room_object` ("room:<name>"); empty when none.
  std::string static_room_role(std::string_view user_id, std::span<const std::string> roles,
                               std::string_view room_object) const;

  std::size_t rule_count() const noexcept;

  /// Is `name` a role of the policy (a p subject, either side of a g line, a g2 room
  /// role)? A user id that is one would be taken for that role in allows(): identity
  /// code refuses such user ids, and HTTP leaves them out of the subjects.
  bool names_role(std::string_view name) const;

  /// Decisions now remembered (tests; never above the cache_entries given to parse).
  std::size_t cached_decisions() const;

  ~authorizer();
  authorizer(const authorizer&) = delete;
  authorizer& operator=(const authorizer&) = delete;

  struct impl;
  explicit authorizer(std::unique_ptr<impl> i);

private:
  std::unique_ptr<impl> impl_;
};

/// Room roles from strongest to weakest, and their rank (owner 4 ... guest 0; -1 for a
/// name that is not a room role). Kicking or re-roling needs a higher rank than the
/// target's; granting needs a rank at least the granted one's.
int room_role_rank(std::string_view room_role);

} // namespace qc::rbac

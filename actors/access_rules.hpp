#pragma once
// Building the broker's access rules from its settings: the JWT verifier from the key
// file (modes jwt and optional) and the RBAC authorizer from the model and policy files
// (or the compiled-in defaults). At start a failure stops the broker; on SIGHUP it keeps
// the rules it has.

#include <memory>

#include "actors/settings.hpp"
#include "protocol/jwt_verifier.hpp"
#include "protocol/rbac_policy.hpp"
#include "protocol/result.hpp"

namespace qc {

struct access_rules {
  std::shared_ptr<const rbac::authorizer> authorizer; // never null
  std::shared_ptr<const protocol::jwt_verifier> verifier; // null unless jwt/optional
};

/// The rules `auth` names; the error says which file and what is wrong with it.
protocol::result<access_rules> load_access_rules(const auth_settings& auth);

} // namespace qc

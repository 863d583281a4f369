#pragma once
// The broker's current access rules: the JWT verifier (auth.mode jwt/optional) and the
// RBAC authorizer. Owned by the broker and shared read-mostly by every session and the
// HTTP handlers; SIGHUP builds new ones and swaps them in, so connections stay and the
// decision cache starts empty with the new policy. A reader keeps the rules it loaded for
// as long as it holds the pointer. A mutex, not std::atomic<std::shared_ptr>: libstdc++
// 12's lock-bit implementation of the latter is invisible to ThreadSanitizer (it reported
// reload against a concurrent load), and an uncontended lock per check costs ~20 ns.

#include <memory>
#include <mutex>

#include "protocol/jwt_verifier.hpp"
#include "protocol/rbac_policy.hpp"

namespace qc {

class access_control {
public:
  access_control(std::shared_ptr<const rbac::authorizer> authz,
                 std::shared_ptr<const protocol::jwt_verifier> verifier)
    : authz_(std::move(authz)), verifier_(std::move(verifier)) {
  }

  /// Never null.
  std::shared_ptr<const rbac::authorizer> authorizer() const {
    std::lock_guard lock(mutex_);
    return authz_;
  }

  /// Null unless auth.mode is jwt or optional.
  std::shared_ptr<const protocol::jwt_verifier> verifier() const {
    std::lock_guard lock(mutex_);
    return verifier_;
  }

  void replace(std::shared_ptr<const rbac::authorizer> authz,
               std::shared_ptr<const protocol::jwt_verifier> verifier) {
    // The old rules are released outside the lock: the last holder frees them.
    std::lock_guard lock(mutex_);
    authz_.swap(authz);
    verifier_.swap(verifier);
  }

private:
  mutable std::mutex mutex_;
  std::shared_ptr<const rbac::authorizer> authz_;
  std::shared_ptr<const protocol::jwt_verifier> verifier_;
};

} // namespace qc

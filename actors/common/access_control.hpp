#pragma once
// The broker's current access rules: the JWT verifier (auth.mode jwt/optional) and the
// RBAC authorizer. Owned by the broker and shared read-mostly by every session and the
// HTTP handlers; SIGHUP builds new ones and swaps them in, so connections stay and the
// decision cache starts empty with the new policy. Atomic shared_ptr cells: a reader
// keeps the rules it loaded for as long as it holds the pointer.

#include <atomic>
#include <memory>

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
    return authz_.load(std::memory_order_acquire);
  }

  /// Null unless auth.mode is jwt or optional.
  std::shared_ptr<const protocol::jwt_verifier> verifier() const {
    return verifier_.load(std::memory_order_acquire);
  }

  void replace(std::shared_ptr<const rbac::authorizer> authz,
               std::shared_ptr<const protocol::jwt_verifier> verifier) {
    authz_.store(std::move(authz), std::memory_order_release);
    verifier_.store(std::move(verifier), std::memory_order_release);
  }

private:
  std::atomic<std::shared_ptr<const rbac::authorizer>> authz_;
  std::atomic<std::shared_ptr<const protocol::jwt_verifier>> verifier_;
};

} // namespace qc

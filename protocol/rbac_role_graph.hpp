#pragma once
// Role links as Casbin's role manager sees them: `member` has `role`, transitively, in
// the domains (room patterns) the links hold in. Built once per policy; refuses cycles
// and chains longer than Casbin's default hierarchy limit, naming the policy line.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/rbac_policy_csv.hpp"
#include "protocol/result.hpp"

namespace qc::rbac {

inline constexpr std::size_t max_inheritance_depth = 10; // links in one chain

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

class role_graph {
public:
  /// `kind` ("g" or "g2") only words the errors.
  static protocol::result<role_graph> build(const std::vector<role_link>& links,
                                            std::string_view kind);

  /// Calls `out` with every role `member` has, directly or through others, using only
  /// links whose domain keyMatches `domain` (links without a domain always hold). Each
  /// role once; `member` itself is not reported.
  void for_each_role(std::string_view member, std::string_view domain,
                     const std::function<void(std::string_view)>& out) const;

  /// The roles of for_each_role as a list (for tests and precomputing).
  std::vector<std::string> roles_of(std::string_view member, std::string_view domain) const;

  bool empty() const noexcept { return edges_.empty(); }

private:
  struct edge {
    std::string role;
    std::string domain;
  };
  std::unordered_map<std::string, std::vector<edge>, string_hash, std::equal_to<>> edges_;
};

} // namespace qc::rbac

#include "protocol/rbac_role_graph.hpp"

#include <algorithm>
#include <unordered_set>

#include "protocol/rbac_key_match.hpp"

namespace qc::rbac {
namespace {

using name_set = std::unordered_set<std::string_view>;

// Depth-first over the links, ignoring domains (a cycle through different rooms is
// refused too: it is never what an operator meant). Returns the longest chain, in links,
// that starts at `node`, or fails with the offending line.
struct chain_check {
  const std::unordered_map<std::string_view, std::vector<const role_link*>>& out;
  std::string_view kind;
  std::unordered_map<std::string_view, std::size_t> depth; // finished nodes
  std::vector<const role_link*> path;                      // links being walked

  std::string path_text(std::string_view last) const {
    std::string s;
    for (auto* l : path)
      s += l->member + " -> ";
    return s + std::string(last);
  }

  protocol::result<std::size_t> visit(std::string_view node) {
    if (auto it = depth.find(node); it != depth.end())
      return it->second;
    auto on_path = [&](std::string_view n) {
      return std::any_of(path.begin(), path.end(), [&](auto* l) { return l->member == n; });
    };
    std::size_t longest = 0;
    if (auto it = out.find(node); it != out.end()) {
      for (auto* link : it->second) {
        path.push_back(link);
        if (path.size() > max_inheritance_depth) // stop here: no deep recursion on a long chain
          return protocol::error{protocol::error_code::invalid_parameters,
                                 "policy line " + std::to_string(link->line) + ": " + std::string(kind)
                                   + " roles nest deeper than "
                                   + std::to_string(max_inheritance_depth) + " levels: "
                                   + path_text(link->role)};
        if (on_path(link->role))
          return protocol::error{protocol::error_code::invalid_parameters,
                                 "policy line " + std::to_string(link->line) + ": " + std::string(kind)
                                   + " roles form a cycle: " + path_text(link->role)};
        auto below = visit(link->role);
        if (!below)
          return below;
        if (*below + 1 > max_inheritance_depth)
          return protocol::error{protocol::error_code::invalid_parameters,
                                 "policy line " + std::to_string(link->line) + ": " + std::string(kind)
                                   + " roles nest deeper than "
                                   + std::to_string(max_inheritance_depth) + " levels below '"
                                   + link->member + "'"};
        longest = std::max(longest, *below + 1);
        path.pop_back();
      }
    }
    depth.emplace(node, longest);
    return longest;
  }
};

} // namespace

protocol::result<role_graph> role_graph::build(const std::vector<role_link>& links,
                                               std::string_view kind) {
  std::unordered_map<std::string_view, std::vector<const role_link*>> out;
  for (auto& l : links)
    out[l.member].push_back(&l);
  chain_check check{out, kind, {}, {}};
  for (auto& l : links)
    if (auto r = check.visit(l.member); !r)
      return r.error();
  role_graph g;
  for (auto& l : links) {
    auto& list = g.edges_[l.member];
    bool duplicate = std::any_of(list.begin(), list.end(), [&](const edge& e) {
      return e.role == l.role && e.domain == l.domain;
    });
    if (!duplicate)
      list.push_back({l.role, l.domain});
  }
  return g;
}

void role_graph::for_each_role(std::string_view member, std::string_view domain,
                               const std::function<void(std::string_view)>& out) const {
  // Breadth-first; acyclic and at most max_inheritance_depth deep (checked in build), and
  // `seen` keeps a diamond from being walked twice.
  name_set seen{member};
  std::vector<std::string_view> frontier{member};
  while (!frontier.empty()) {
    std::vector<std::string_view> next;
    for (auto name : frontier) {
      auto it = edges_.find(name);
      if (it == edges_.end())
        continue;
      for (auto& e : it->second) {
        if (!e.domain.empty() && !key_match(domain, e.domain))
          continue;
        if (seen.insert(e.role).second) {
          out(e.role);
          next.push_back(e.role);
        }
      }
    }
    frontier = std::move(next);
  }
}

std::vector<std::string> role_graph::roles_of(std::string_view member,
                                              std::string_view domain) const {
  std::vector<std::string> roles;
  for_each_role(member, domain, [&](std::string_view r) { roles.emplace_back(r); });
  return roles;
}

} // namespace qc::rbac

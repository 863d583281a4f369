#include "actors/durability/parked_sessions.hpp"

#include <unordered_map>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace qc {

namespace {

struct registry_state {
  std::shared_ptr<const settings> cfg;
  std::shared_ptr<const byte_budget> parked_budget; // what parked sessions keep, charged by them
  std::unordered_map<std::string, caf::actor> parked; // pid -> session
  recovery_stats stats;
};

} // namespace

parked_sessions_actor::behavior_type
parked_sessions_behavior(parked_sessions_actor::pointer, std::shared_ptr<const settings> cfg,
                         std::shared_ptr<const byte_budget> parked_budget) {
  auto st = std::make_shared<registry_state>();
  st->cfg = std::move(cfg);
  st->parked_budget = std::move(parked_budget);
  return {
    [st](park_atom, const std::string& pid, const caf::actor& session) {
      if (st->parked.size() >= st->cfg->recovery.max_parked) {
        ++st->stats.refused_parks;
        return false;
      }
      st->parked.insert_or_assign(pid, session);
      ++st->stats.parked_total;
      return true;
    },
    [st](unpark_atom, const std::string& pid) {
      if (st->parked.erase(pid) > 0)
        ++st->stats.expired;
    },
    [st](resume_atom, const std::string& pid) {
      std::vector<caf::actor> found;
      if (auto it = st->parked.find(pid); it != st->parked.end()) {
        found.push_back(std::move(it->second));
        st->parked.erase(it);
      }
      return found;
    },
    [st](recovered_atom, bool gap, std::uint64_t replayed) {
      ++(gap ? st->stats.recovery_gaps : st->stats.recovered);
      st->stats.replayed_packets += replayed;
    },
    [st](get_stats_atom) {
      auto s = st->stats;
      s.parked_sessions = st->parked.size();
      s.parked_bytes = st->parked_budget ? st->parked_budget->used() : 0;
      return s;
    },
  };
}

} // namespace qc

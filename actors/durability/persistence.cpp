#include "actors/durability/persistence.hpp"

#include <limits>
#include <optional>
#include <unordered_map>

#include <caf/all.hpp>

#include "actors/common/clock.hpp"
#include "actors/common/log.hpp"
#include "actors/messages.hpp"
#include "storage/database.hpp"
#include "storage/offline_queue.hpp"
#include "storage/subscription_store.hpp"

namespace qc {

namespace {

// Expired offline messages are hidden at once (peek filters them) and deleted hourly.
constexpr auto purge_interval = std::chrono::hours(1);
// A batch commits at the latest after this many writes, however busy the mailbox is.
constexpr std::size_t max_batch_writes = 2000;

/// The database and what the actor knows beside it.
class persistence_core {
public:
  persistence_core(persistence_actor::pointer self, std::shared_ptr<const settings> cfg,
                   std::shared_ptr<storage::database> db)
    : self_(self),
      cfg_(std::move(cfg)),
      db_(std::move(db)),
      subs_(*db_),
      queue_(*db_,
             storage::offline_bounds{cfg_->storage.offline_max_per_user,
                                     cfg_->storage.offline_max_bytes_per_user,
                                     cfg_->storage.offline_max_sender_bytes},
             std::chrono::duration_cast<std::chrono::milliseconds>(cfg_->storage.offline_ttl)
               .count()) {
    resync_count();
  }

  ~persistence_core() {
    commit(); // whatever is still gathered when the actor goes
  }

  // -- writes: gathered into one transaction, answered after it commits ----------------

  /// Runs `write` in the open batch and answers `rp` with what it returned once
  /// committed, or with an error if the write or the commit fails. Returns `rp`, for
  /// the handler to return: the answer comes later, through it.
  template <class Write>
  caf::response_promise write(caf::response_promise rp, Write&& write) {
    caf::message reply;
    try {
      open_batch();
      reply = caf::make_message(write());
    } catch (const std::exception& e) {
      ++stats_.write_errors;
      log_line("persistence", std::string("write failed: ") + e.what());
      rp.deliver(caf::make_error(caf::sec::runtime_error, e.what()));
      return rp;
    }
    waiting_.emplace_back(rp, std::move(reply));
    if (++batch_writes_ >= max_batch_writes)
      commit();
    return rp;
  }

  /// Ends the open batch: commits and answers everyone waiting on it.
  void commit() {
    commit_queued_ = false;
    if (!tx_)
      return;
    std::string failure;
    try {
      tx_->commit();
      ++stats_.commits;
    } catch (const std::exception& e) {
      ++stats_.write_errors;
      failure = e.what();
      log_line("persistence", "commit failed: " + failure);
    }
    tx_.reset(); // rolls back if the commit failed
    batch_writes_ = 0;
    if (!failure.empty())
      resync_count();
    for (auto& [rp, reply] : waiting_) {
      if (failure.empty())
        rp.deliver(std::move(reply));
      else
        rp.deliver(caf::make_error(caf::sec::runtime_error, failure));
    }
    waiting_.clear();
  }

  // -- saved subscriptions -------------------------------------------------------------

  storage::subscription_store& subs() { return subs_; }

  saved_state load(const std::string& user) {
    auto saved = subs_.load(user);
    saved_state out;
    out.rooms = std::move(saved.rooms);
    out.streams.reserve(saved.streams.size());
    for (auto& s : saved.streams)
      out.streams.emplace_back(std::move(s.symbol), std::move(s.fields));
    return out;
  }

  // -- offline queue ---------------------------------------------------------------

  void attach(const std::string& user) { ++sessions_[user]; }

  void detach(const std::string& user) {
    auto it = sessions_.find(user);
    if (it != sessions_.end() && --it->second == 0)
      sessions_.erase(it);
  }

  bool has_session(const std::string& user) const { return sessions_.contains(user); }

  offline_batch peek(const std::string& user, std::size_t limit) {
    return peek_page(user, 0, limit, std::numeric_limits<std::size_t>::max());
  }

  offline_batch peek_page(const std::string& user, std::int64_t after_id, std::size_t limit,
                          std::size_t max_bytes) {
    offline_batch out;
    for (auto& m : queue_.peek_page(user, after_id, limit, max_bytes, now_ms()))
      out.push_back(offline_item{m.id, std::move(m.event), std::move(m.payload), m.created_ms});
    return out;
  }

  /// Called inside write(): one message for one user. False when the store as a whole
  /// is full (storage.offline-max-total, offline-max-total-bytes): input must not grow
  /// the disk without bound, and a sender may name any number of users.
  bool enqueue(const std::string& user, const wire_frame& frame) {
    const auto size = storage::offline_queue::message_bytes(frame.event, frame.payload);
    if (stored_ >= cfg_->storage.offline_max_total
        || queue_.total_bytes() + size > cfg_->storage.offline_max_total_bytes) {
      ++stats_.refused_offline;
      return false;
    }
    auto stored = queue_.enqueue_from(user, frame.sender, frame.event, frame.payload, now_ms(), frame.id);
    if (!stored)
      return true; // queued already, by the other path
    auto dropped = stored->dropped;
    stats_.dropped_offline += dropped;
    stored_ = stored_ + 1 - dropped;
    ++stats_.queued_offline;
    return true;
  }

  void remove_delivered(const std::string& user, const std::vector<std::int64_t>& ids) {
    try {
      open_batch();
      auto removed = queue_.remove(user, ids);
      stats_.delivered_offline += removed;
      stored_ -= std::min<std::uint64_t>(stored_, removed);
      ++batch_writes_;
    } catch (const std::exception& e) {
      // The messages stay queued and are delivered again: a duplicate, never a loss.
      ++stats_.write_errors;
      log_line("persistence", std::string("removing delivered messages failed: ") + e.what());
    }
  }

  void purge() {
    try {
      open_batch();
      auto purged = queue_.purge_expired(now_ms());
      stats_.expired_offline += purged;
      stored_ -= std::min<std::uint64_t>(stored_, purged);
    } catch (const std::exception& e) {
      ++stats_.write_errors;
      log_line("persistence", std::string("purging expired messages failed: ") + e.what());
    }
  }

  persistence_stats stats() {
    auto s = stats_;
    s.saved_rooms = subs_.saved_rooms();
    s.saved_streams = subs_.saved_streams();
    s.total_offline_messages = queue_.total();
    s.total_offline_bytes = queue_.total_bytes();
    s.users_with_offline_messages = queue_.users_with_messages();
    return s;
  }

private:
  void resync_count() {
    try {
      stored_ = queue_.total();
    } catch (const std::exception& e) {
      log_line("persistence", std::string("counting offline messages failed: ") + e.what());
    }
  }

  void open_batch() {
    if (!tx_)
      tx_.emplace(db_->handle(), SQLite::TransactionBehavior::IMMEDIATE); // as database::begin()
    if (!commit_queued_) {
      commit_queued_ = true;
      // Behind whatever the mailbox holds now: a burst shares one commit.
      if (cfg_->storage.flush_interval.count() > 0)
        self_->delayed_send(self_, cfg_->storage.flush_interval, commit_atom::value);
      else
        self_->send(self_, commit_atom::value);
    }
  }

  persistence_actor::pointer self_;
  std::shared_ptr<const settings> cfg_;
  std::shared_ptr<storage::database> db_;
  storage::subscription_store subs_;
  storage::offline_queue queue_;
  std::optional<SQLite::Transaction> tx_;
  std::vector<std::pair<caf::response_promise, caf::message>> waiting_;
  std::size_t batch_writes_ = 0;
  bool commit_queued_ = false;
  std::unordered_map<std::string, std::uint32_t> sessions_; // user -> sessions (live or parked)
  std::uint64_t stored_ = 0; // offline messages in the store, kept in step with it
  persistence_stats stats_;
};

persistence_actor::behavior_type persistence_behavior(persistence_actor::pointer self,
                                                      std::shared_ptr<const settings> cfg,
                                                      std::shared_ptr<storage::database> db) {
  auto core = std::make_shared<persistence_core>(self, std::move(cfg), std::move(db));
  self->delayed_send(self, purge_interval, purge_atom::value);
  self->set_default_handler(caf::print_and_drop);
  return {
    [self, core](save_room_atom, const std::string& user,
                 const std::string& room) -> caf::result<bool> {
      return core->write(self->make_response_promise(), [&] {
        core->subs().save_room(user, room);
        return true;
      });
    },
    [self, core](forget_room_atom, const std::string& user,
                 const std::string& room) -> caf::result<bool> {
      return core->write(self->make_response_promise(), [&] {
        core->subs().forget_room(user, room);
        return true;
      });
    },
    [self, core](save_stream_atom, const std::string& user, const std::string& symbol,
                 const std::vector<std::string>& fields) -> caf::result<bool> {
      return core->write(self->make_response_promise(), [&] {
        core->subs().save_stream(user, symbol, fields);
        return true;
      });
    },
    [self, core](forget_stream_atom, const std::string& user,
                 const std::string& symbol) -> caf::result<bool> {
      return core->write(self->make_response_promise(), [&] {
        core->subs().forget_stream(user, symbol);
        return true;
      });
    },
    [core](load_saved_atom, const std::string& user) { return core->load(user); },
    [core](attach_atom, const std::string& user, std::uint32_t limit, std::uint64_t max_bytes) {
      core->attach(user);
      return core->peek_page(user, 0, limit, max_bytes);
    },
    [core](detach_atom, const std::string& user) { core->detach(user); },
    [core](offline_peek_atom, const std::string& user, std::uint32_t limit) {
      return core->peek(user, limit);
    },
    [core](offline_page_atom, const std::string& user, std::int64_t after_id, std::uint32_t limit,
           std::uint64_t max_bytes) { return core->peek_page(user, after_id, limit, max_bytes); },
    [core](offline_done_atom, const std::string& user, const std::vector<std::int64_t>& ids) {
      core->remove_delivered(user, ids);
    },
    [self, core](enqueue_atom, const std::string& user,
                 const shared_frame& frame) -> caf::result<std::uint32_t> {
      return core->write(self->make_response_promise(), [&] {
        return std::uint32_t{core->enqueue(user, *frame) ? 1u : 0u};
      });
    },
    [self, core](room_offline_atom, const std::string& room, const shared_frame& frame,
                 const std::string& target_user) -> caf::result<std::uint32_t> {
      return core->write(self->make_response_promise(), [&] {
        std::uint32_t queued = 0;
        for (auto& user : core->subs().users_in_room(room))
          if ((target_user.empty() || user == target_user) && !core->has_session(user)
              && core->enqueue(user, *frame))
            ++queued;
        return queued;
      });
    },
    [core](commit_atom) { core->commit(); },
    [self, core](purge_atom) {
      core->purge();
      self->delayed_send(self, purge_interval, purge_atom::value);
    },
    [core](get_stats_atom) { return core->stats(); },
    [self, core](shutdown_atom) {
      core->commit();
      self->quit();
    },
  };
}

} // namespace

persistence_actor spawn_persistence(caf::actor_system& system,
                                    std::shared_ptr<const settings> cfg) {
  auto db = std::make_shared<storage::database>(
    cfg->database_path(),
    cfg->storage.synchronous_full ? storage::sync_mode::full : storage::sync_mode::normal);
  return system.spawn<caf::detached>(persistence_behavior, std::move(cfg), std::move(db));
}

} // namespace qc

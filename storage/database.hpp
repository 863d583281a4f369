#pragma once
// The one SQLite file that holds everything durable (DESIGN.md "Persistence"): opened
// in WAL mode and brought up to the schema this build knows by forward migrations.
//
// The schema version lives in the `schema_version` table, one row per applied
// migration, so a file records when each step ran. A file written by a newer build is
// refused rather than guessed at.
//
// Store methods never open transactions: the persistence actor batches many operations
// into one transaction (begin() or in_transaction()) and commits once.

#include <filesystem>
#include <type_traits>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

namespace qc::storage {

/// How hard a commit waits for the disk.
enum class sync_mode {
  /// synchronous=NORMAL: in WAL mode a committed transaction survives a crash of the
  /// process (kill -9), and the file is never corrupted; a power loss or OS crash may
  /// lose the last commits.
  normal,
  /// synchronous=FULL: every commit is fsynced, so it also survives power loss.
  full,
};

class database {
public:
  /// Opens (creating the file and its parent directory if missing) and migrates.
  /// Throws std::runtime_error if the file's schema is newer than this build knows,
  /// SQLite::Exception if SQLite fails, std::filesystem::filesystem_error if the
  /// directory cannot be created.
  explicit database(const std::filesystem::path& path, sync_mode sync = sync_mode::normal,
                    int busy_timeout_ms = 5000);

  database(const database&) = delete;
  database& operator=(const database&) = delete;

  /// The schema version of the newest migration this build has.
  static int latest_schema_version() noexcept;

  /// The file's schema version after opening; latest_schema_version() once open.
  int schema_version() const noexcept { return version_; }

  const std::filesystem::path& path() const noexcept { return path_; }

  SQLite::Database& handle() noexcept { return db_; }

  /// A transaction that rolls back unless commit() is called before it is destroyed.
  /// IMMEDIATE: it takes the write lock up front (waiting up to the busy timeout), so a
  /// batch that reads before it writes cannot fail halfway with SQLITE_BUSY.
  SQLite::Transaction begin() { return SQLite::Transaction(db_, SQLite::TransactionBehavior::IMMEDIATE); }

  /// Runs f() in one transaction (as begin()): commits if f returns, rolls back if it throws.
  template <class F>
  decltype(auto) in_transaction(F&& f) {
    SQLite::Transaction tx = begin();
    if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
      f();
      tx.commit();
    } else {
      decltype(auto) result = f();
      tx.commit();
      return result;
    }
  }

private:
  std::filesystem::path path_;
  SQLite::Database db_;
  int version_ = 0;
};

} // namespace qc::storage

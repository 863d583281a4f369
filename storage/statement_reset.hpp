#pragma once
// Shared by the stores: prepared statements are reset after every use.

#include <SQLiteCpp/Statement.h>

namespace qc::storage {

/// Resets a prepared statement after one use, also on an exception: a SELECT left
/// mid-step keeps its read snapshot open, which stops WAL checkpoints.
class reset_after {
public:
  explicit reset_after(SQLite::Statement& s) : s_(s) {}
  ~reset_after() { s_.tryReset(); }
  reset_after(const reset_after&) = delete;
  reset_after& operator=(const reset_after&) = delete;

private:
  SQLite::Statement& s_;
};

/// Binds `args` to the statement's parameters in order, runs it once and resets it;
/// returns the number of rows it changed.
template <class... Args>
int exec_once(SQLite::Statement& s, const Args&... args) {
  const reset_after r(s);
  int index = 0;
  (s.bind(++index, args), ...);
  return s.exec();
}

} // namespace qc::storage

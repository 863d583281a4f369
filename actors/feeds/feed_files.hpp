#pragma once
// The files behind the feeds, parsed without actors: the simulated feed's symbol list
// (conf/symbols.txt) and the replay feed's CSV (conf/sample_ticks.csv). Every function
// here is pure or reads only the stream it is given, so the unit tests drive it
// with strings.

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/client_events.hpp"

namespace qc {

/// A value, or why a line of a feed file is unusable.
template <class T>
struct parsed {
  std::optional<T> value;
  std::string error; // set when !value

  bool ok() const { return value.has_value(); }
};

// -- symbols.txt ---------------------------------------------------------------------

/// One simulated instrument: "600519 1688.50" (symbol, starting price).
struct symbol_start {
  std::string symbol;
  double price = 0;
};

struct symbol_list {
  std::vector<symbol_start> symbols;
  std::vector<std::string> errors; // "line 7: ...", one per skipped line
};

/// Lines are "SYMBOL PRICE"; '#' starts a comment; blank lines are skipped. A line
/// with a bad symbol, a price that is not a positive number, extra words or a symbol
/// already listed is skipped and reported in `errors`.
symbol_list parse_symbols(std::istream& in);

/// parse_symbols on a file; throws std::runtime_error when it cannot be opened.
symbol_list load_symbols(const std::string& path);

// -- CSV ticks -----------------------------------------------------------------------

/// Splits one CSV line (RFC 4180 quoting: "a,b" is one cell, "" inside quotes is a
/// quote). Unquoted cells are trimmed of spaces and tabs; a trailing '\r' is ignored.
/// A quoted cell cannot span lines: an unterminated quote is an error.
parsed<std::vector<std::string>> split_csv_line(std::string_view line);

struct csv_header {
  std::vector<std::string> columns; // in file order, "symbol" included
};

/// The header row: unique, non-empty column names, one of them "symbol". A UTF-8 byte
/// order mark before the first name is ignored.
parsed<csv_header> parse_csv_header(std::string_view line, const protocol::limits& lim = {});

/// One data row as a tick. Every column but "symbol" becomes a field, in column
/// order: a cell that is a JSON number stays a number, any other text becomes a JSON
/// string, an empty cell is left out. "timestamp" (integer ms) and "id" are also
/// parsed into the tick, and the whole tick obeys the same rules as a published one
/// (valid symbol, valid UTF-8, the tick size limits in `lim`, ...).
parsed<protocol::tick> parse_csv_row(std::string_view line, const csv_header& header,
                                     const protocol::limits& lim = {});

/// True when `text` is a JSON number (-12, 0.5, 1e-3; not +1, .5, 1., 0x10, NaN).
bool is_json_number(std::string_view text);

/// Reads a tick CSV one line at a time (never the whole file), for replays of any
/// size. Lines longer than max_line_bytes are bad rows, skipped without buffering them.
class csv_tick_reader {
public:
  static constexpr std::size_t max_line_bytes = 64 * 1024;

  /// One data row: a good tick, or why the line was skipped.
  struct entry {
    std::size_t line = 0; // 1-based line number in the file (the header is line 1)
    std::optional<protocol::tick> tick;
    std::string error; // when !tick
  };

  /// Reads the header from `in`; throws std::runtime_error when it is missing or bad.
  /// `name` appears in those messages.
  csv_tick_reader(std::unique_ptr<std::istream> in, std::string name, protocol::limits lim = {});

  /// Opens `path`; throws std::runtime_error when it cannot be opened or its header
  /// is bad.
  static csv_tick_reader open(const std::string& path, const protocol::limits& lim = {});

  /// The next data row (blank lines are skipped), or nullopt at the end of the input.
  std::optional<entry> next();

  /// Back to the first data row (for looping replays).
  void rewind();

  const csv_header& header() const { return header_; }

private:
  enum class line_status { ok, too_long, end };
  line_status read_line(std::string& out);
  void read_header();

  std::unique_ptr<std::istream> in_;
  std::string name_;
  protocol::limits lim_;
  csv_header header_;
  std::size_t line_ = 0;
  std::string buffer_;
};

} // namespace qc

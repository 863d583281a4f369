// Replay files (actors/feeds/feed_files.cpp): the tick CSV read by csv_tick_reader, as the
// replay feed reads it, and the simulated feed's symbols file.
//
// Input: the file's bytes. Properties: a bad header is refused with an error, never a
// crash; every row is a tick that satisfies event_checks.hpp (it obeys the publish
// rules) or a skipped line with a reason; line numbers increase; a rewound reader reads
// the same rows again; the symbols file yields unique valid symbols with positive prices.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/feeds/feed_files.hpp"
#include "protocol/names.hpp"
#include "tests/fuzz/event_checks.hpp"

namespace {

// Every row's outcome, as text, so two passes can be compared.
std::vector<std::string> read_rows(qc::csv_tick_reader& reader) {
  const qc::protocol::limits lim;
  std::vector<std::string> rows;
  std::size_t last_line = 1; // the header
  while (auto entry = reader.next()) {
    FUZZ_CHECK(entry->line > last_line);
    last_line = entry->line;
    if (entry->tick) {
      qc::fuzz::check_tick(*entry->tick, lim);
      std::string row = std::to_string(entry->line) + ":" + entry->tick->symbol;
      for (const auto& [name, value] : entry->tick->fields)
        row += "," + name + "=" + value;
      rows.push_back(std::move(row));
    } else {
      FUZZ_CHECK(!entry->error.empty());
      rows.push_back(std::to_string(entry->line) + "!" + entry->error);
    }
  }
  return rows;
}

void check_csv(const std::string& file) {
  std::optional<qc::csv_tick_reader> reader;
  try {
    reader.emplace(std::make_unique<std::istringstream>(file), "fuzz.csv");
  } catch (const std::runtime_error& e) {
    // A bad header stops the broker at startup with this message.
    FUZZ_CHECK(std::string(e.what()).find("fuzz.csv") != std::string::npos);
    return;
  }
  const auto& columns = reader->header().columns;
  FUZZ_CHECK(std::find(columns.begin(), columns.end(), "symbol") != columns.end());
  const auto first = read_rows(*reader);
  reader->rewind();
  FUZZ_CHECK(read_rows(*reader) == first);
}

void check_symbols(const std::string& file) {
  std::istringstream in(file);
  const auto list = qc::parse_symbols(in);
  std::set<std::string> seen;
  for (const auto& s : list.symbols) {
    FUZZ_CHECK(qc::protocol::valid_symbol(s.symbol));
    FUZZ_CHECK(std::isfinite(s.price) && s.price > 0);
    FUZZ_CHECK(seen.insert(s.symbol).second);
  }
  for (const auto& e : list.errors)
    FUZZ_CHECK(e.starts_with("line "));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string file(reinterpret_cast<const char*>(data), size);
  check_csv(file);
  check_symbols(file);
  return 0;
}

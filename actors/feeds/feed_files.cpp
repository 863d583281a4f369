#include "actors/feeds/feed_files.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "actors/feeds/feed_settings.hpp"
#include "protocol/json.hpp"
#include "protocol/limits.hpp"
#include "protocol/names.hpp"

namespace qc {

namespace {

constexpr std::string_view blanks = " \t\r";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(blanks);
  if (first == std::string_view::npos)
    return {};
  return s.substr(first, s.find_last_not_of(blanks) - first + 1);
}

template <class T>
parsed<T> fail(std::string message) {
  return parsed<T>{std::nullopt, std::move(message)};
}

template <class T>
parsed<T> good(T value) {
  return parsed<T>{std::move(value), {}};
}

// A positive, finite price written as a plain decimal ("1688.50", "97000").
std::optional<double> parse_price(std::string_view text) {
  if (!is_json_number(text))
    return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(value) || value <= 0)
    return std::nullopt;
  return value;
}

parsed<symbol_start> parse_symbol_line(std::string_view line) {
  std::vector<std::string_view> words;
  for (std::size_t pos = 0;;) {
    pos = line.find_first_not_of(blanks, pos);
    if (pos == std::string_view::npos)
      break;
    const auto end = std::min(line.find_first_of(blanks, pos), line.size());
    words.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  if (words.size() != 2)
    return fail<symbol_start>("expected \"SYMBOL PRICE\", found " + std::to_string(words.size())
                              + " words");
  if (!protocol::valid_symbol(words[0]))
    return fail<symbol_start>("'" + std::string(words[0])
                              + "' is not a symbol (1-32 of A-Z a-z 0-9 _ . -)");
  auto price = parse_price(words[1]);
  if (!price)
    return fail<symbol_start>("'" + std::string(words[1]) + "' is not a positive price");
  return good(symbol_start{std::string(words[0]), *price});
}

} // namespace

// -- symbols.txt ---------------------------------------------------------------------

symbol_list parse_symbols(std::istream& in) {
  symbol_list out;
  std::set<std::string, std::less<>> seen;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    std::string_view text = line;
    text = trim(text.substr(0, std::min(text.find('#'), text.size())));
    if (text.empty())
      continue;
    auto entry = parse_symbol_line(text);
    if (entry.ok() && seen.contains(entry.value->symbol))
      entry = fail<symbol_start>("'" + entry.value->symbol + "' is listed twice");
    if (!entry.ok()) {
      out.errors.push_back("line " + std::to_string(number) + ": " + entry.error);
      continue;
    }
    seen.insert(entry.value->symbol);
    out.symbols.push_back(std::move(*entry.value));
  }
  return out;
}

symbol_list load_symbols(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot open symbols file '" + path + "'");
  return parse_symbols(in);
}

// -- CSV ---------------------------------------------------------------------------

bool is_json_number(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&] {
    const auto from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
      ++i;
    return i > from;
  };
  if (i < t.size() && t[i] == '-')
    ++i;
  if (i < t.size() && t[i] == '0')
    ++i; // no leading zeros: "0", "0.5", never "01"
  else if (!digits())
    return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits())
      return false;
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-'))
      ++i;
    if (!digits())
      return false;
  }
  return i == t.size();
}

parsed<std::vector<std::string>> split_csv_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  std::vector<std::string> cells;
  std::size_t i = 0;
  while (true) {
    // Leading blanks before a quote are allowed: `a, "b,c"`.
    const auto start = i;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
      ++i;
    if (i < line.size() && line[i] == '"') {
      std::string cell;
      for (++i;; ++i) {
        if (i >= line.size())
          return fail<std::vector<std::string>>("unterminated quote in cell "
                                                + std::to_string(cells.size() + 1));
        if (line[i] != '"') {
          cell += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
        ++i;
      if (i < line.size() && line[i] != ',')
        return fail<std::vector<std::string>>("text after the closing quote of cell "
                                              + std::to_string(cells.size() + 1));
      cells.push_back(std::move(cell));
    } else {
      const auto end = std::min(line.find(',', start), line.size());
      const auto raw = line.substr(start, end - start);
      if (raw.find('"') != std::string_view::npos)
        return fail<std::vector<std::string>>("stray quote in cell "
                                              + std::to_string(cells.size() + 1));
      cells.emplace_back(trim(raw));
      i = end;
    }
    if (i >= line.size())
      return good(std::move(cells));
    ++i; // the comma
  }
}

parsed<csv_header> parse_csv_header(std::string_view line, const protocol::limits& lim) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  if (line.starts_with(bom))
    line.remove_prefix(bom.size());
  auto cells = split_csv_line(line);
  if (!cells.ok())
    return fail<csv_header>("header: " + cells.error);
  std::set<std::string, std::less<>> seen;
  for (const auto& name : *cells.value) {
    if (name.empty())
      return fail<csv_header>("header: a column has no name");
    if (!seen.insert(name).second)
      return fail<csv_header>("header: column '" + name + "' appears twice");
  }
  if (!seen.contains("symbol"))
    return fail<csv_header>("header: no 'symbol' column");
  if (cells.value->size() > lim.max_tick_fields)
    return fail<csv_header>("header: more than " + std::to_string(lim.max_tick_fields)
                            + " columns");
  return good(csv_header{std::move(*cells.value)});
}

parsed<protocol::tick> parse_csv_row(std::string_view line, const csv_header& header,
                                     const protocol::limits& lim) {
  if (!protocol::valid_utf8(line))
    return fail<protocol::tick>("not valid UTF-8");
  auto cells = split_csv_line(line);
  if (!cells.ok())
    return fail<protocol::tick>(cells.error);
  if (cells.value->size() != header.columns.size())
    return fail<protocol::tick>(std::to_string(cells.value->size()) + " cells, but the header has "
                                + std::to_string(header.columns.size()) + " columns");
  // Build the tick as the JSON a publisher would send and parse it with the publish
  // rules, so a replayed tick is exactly as valid as a published one.
  protocol::json_object object;
  for (std::size_t c = 0; c < cells.value->size(); ++c) {
    const auto& name = header.columns[c];
    const auto& cell = (*cells.value)[c];
    if (cell.empty())
      continue;
    if (name != "symbol" && is_json_number(cell))
      object.raw(name, cell);
    else
      object.string(name, cell);
  }
  auto doc = protocol::parse_json(object.done(), lim);
  if (!doc)
    return fail<protocol::tick>(doc.error().message);
  auto ticks = protocol::parse_ticks(*doc, lim);
  if (!ticks)
    return fail<protocol::tick>(ticks.error().message);
  return good(std::move(ticks->ticks.front()));
}

// -- the incremental reader ----------------------------------------------------------

csv_tick_reader::csv_tick_reader(std::unique_ptr<std::istream> in, std::string name,
                                 protocol::limits lim)
  : in_(std::move(in)), name_(std::move(name)), lim_(lim), buffer_(max_line_bytes + 1, '\0') {
  read_header();
}

csv_tick_reader csv_tick_reader::open(const std::string& path, const protocol::limits& lim) {
  auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*in)
    throw std::runtime_error("cannot open replay file '" + path + "'");
  return csv_tick_reader(std::move(in), path, lim);
}

csv_tick_reader::line_status csv_tick_reader::read_line(std::string& out) {
  // getline into a fixed buffer: a huge line never grows memory, it is skipped.
  in_->getline(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  const auto count = static_cast<std::size_t>(in_->gcount());
  if (in_->bad() || (count == 0 && in_->eof()))
    return line_status::end;
  ++line_;
  if (in_->fail()) { // filled the buffer without reaching the end of the line
    in_->clear();
    in_->ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    return line_status::too_long;
  }
  // gcount counts the '\n' that getline consumed but did not store.
  out.assign(buffer_.data(), in_->eof() ? count : count - 1);
  return line_status::ok;
}

void csv_tick_reader::read_header() {
  std::string line;
  const auto status = read_line(line);
  if (status == line_status::end)
    throw std::runtime_error("replay file '" + name_ + "' is empty: it needs a header row");
  if (status == line_status::too_long)
    throw std::runtime_error("replay file '" + name_ + "': the header row is too long");
  auto header = parse_csv_header(line, lim_);
  if (!header.ok())
    throw std::runtime_error("replay file '" + name_ + "': " + header.error);
  header_ = std::move(*header.value);
}

std::optional<csv_tick_reader::entry> csv_tick_reader::next() {
  std::string line;
  while (true) {
    const auto status = read_line(line);
    if (status == line_status::end)
      return std::nullopt;
    if (status == line_status::too_long)
      return entry{line_, std::nullopt,
                   "longer than " + std::to_string(max_line_bytes) + " bytes"};
    if (trim(line).empty())
      continue;
    auto row = parse_csv_row(line, header_, lim_);
    if (!row.ok()) {
      // The publish rules label their messages "tick: ..."; here the line says it.
      constexpr std::string_view label = "tick: ";
      std::string_view why = row.error;
      if (why.starts_with(label))
        why.remove_prefix(label.size());
      return entry{line_, std::nullopt, std::string(why)};
    }
    return entry{line_, std::move(row.value), {}};
  }
}

void csv_tick_reader::rewind() {
  in_->clear();
  in_->seekg(0);
  line_ = 0;
  std::string header;
  read_line(header);
}

// -- settings ----------------------------------------------------------------------

void validate(const feed_settings& cfg) {
  if (cfg.rate == 0 || cfg.rate > 1'000'000)
    throw std::invalid_argument("feed.rate must be 1 to 1000000 ticks per second, not "
                                + std::to_string(cfg.rate));
  if (!(cfg.replay_speed >= 0) || !std::isfinite(cfg.replay_speed))
    throw std::invalid_argument("feed.replay-speed must be a number >= 0 (0: as fast as "
                                "possible), not "
                                + std::to_string(cfg.replay_speed));
  if (cfg.simulated) {
    symbol_list list;
    try {
      list = load_symbols(cfg.symbols_file);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(std::string("feed.symbols-file: ") + e.what());
    }
    if (list.symbols.empty())
      throw std::invalid_argument("feed.symbols-file: no symbols in '" + cfg.symbols_file + "'"
                                  + (list.errors.empty() ? "" : " (" + list.errors.front() + ")"));
  }
  if (!cfg.replay_file.empty()) {
    try {
      csv_tick_reader::open(cfg.replay_file);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(std::string("feed.replay-file: ") + e.what());
    }
  }
}

} // namespace qc

// The feed files without actors: symbols.txt, CSV lines and the incremental CSV
// reader, the simulated walk, and the feed settings' validation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "actors/feeds/feed_files.hpp"
#include "actors/feeds/feed_settings.hpp"
#include "actors/feeds/feed_simulated.hpp"

using namespace qc;

namespace {

std::string field(const protocol::tick& t, const std::string& name) {
  for (const auto& [n, v] : t.fields)
    if (n == name)
      return v;
  return "<absent>";
}

csv_header header_of(std::string_view line) {
  auto h = parse_csv_header(line);
  REQUIRE_MESSAGE(h.ok(), h.error);
  return *h.value;
}

csv_tick_reader reader_of(std::string text) {
  return csv_tick_reader(std::make_unique<std::istringstream>(std::move(text)), "test.csv");
}

} // namespace

TEST_CASE("symbols.txt: symbols and prices, comments and blank lines skipped") {
  std::istringstream in("# header comment\n"
                        "\n"
                        "600519 1688.50   # Moutai\n"
                        "  000001\t11.20\r\n"
                        "BTC-USDT 97000\n");
  auto list = parse_symbols(in);
  CHECK(list.errors.empty());
  REQUIRE(list.symbols.size() == 3);
  CHECK(list.symbols[0].symbol == "600519");
  CHECK(list.symbols[0].price == doctest::Approx(1688.50));
  CHECK(list.symbols[1].symbol == "000001");
  CHECK(list.symbols[1].price == doctest::Approx(11.20));
  CHECK(list.symbols[2].symbol == "BTC-USDT");
  CHECK(list.symbols[2].price == doctest::Approx(97000));
}

TEST_CASE("symbols.txt: bad lines are skipped and reported with their line number") {
  std::istringstream in("600519 1688.50\n"
                        "600519 1700\n"   // 2: listed twice
                        "000001\n"        // 3: no price
                        "000002 0\n"      // 4: not positive
                        "000003 -5\n"     // 5: negative
                        "000004 abc\n"    // 6: not a number
                        "000005 1 2\n"    // 7: extra word
                        "bad/sym 10\n"    // 8: bad symbol
                        "000006 1e999\n"  // 9: not finite
                        "000007 3.5\n");
  auto list = parse_symbols(in);
  REQUIRE(list.symbols.size() == 2);
  CHECK(list.symbols[1].symbol == "000007");
  REQUIRE(list.errors.size() == 8);
  for (std::size_t i = 0; i < list.errors.size(); ++i)
    CHECK(list.errors[i].starts_with("line " + std::to_string(i + 2) + ": "));
  CHECK(list.errors[0].find("twice") != std::string::npos);
}

TEST_CASE("symbols.txt: a missing file is an error") {
  CHECK_THROWS_AS(load_symbols("/nonexistent/symbols.txt"), std::runtime_error);
}

TEST_CASE("the shipped conf files parse cleanly") {
  auto list = load_symbols(QC_SOURCE_DIR "/conf/symbols.txt");
  CHECK(list.errors.empty());
  CHECK(list.symbols.size() >= 20);
  auto reader = csv_tick_reader::open(QC_SOURCE_DIR "/conf/sample_ticks.csv");
  std::size_t good = 0;
  std::set<std::string> symbols;
  std::int64_t first = -1, last = -1;
  while (auto e = reader.next()) {
    REQUIRE_MESSAGE(e->tick, e->error);
    ++good;
    symbols.insert(e->tick->symbol);
    REQUIRE(e->tick->timestamp_ms);
    if (first < 0)
      first = *e->tick->timestamp_ms;
    CHECK(*e->tick->timestamp_ms >= last);
    last = *e->tick->timestamp_ms;
  }
  CHECK(good >= 200);
  CHECK(symbols.size() >= 3);
  CHECK(last - first >= 60'000); // minutes of market time
}

TEST_CASE("JSON numbers are told from other text") {
  for (auto yes : {"0", "-0", "12", "-12", "1688.50", "0.5", "1e3", "1E-3", "2.5e+10"})
    CHECK_MESSAGE(is_json_number(yes), yes);
  for (auto no : {"", "-", "+1", ".5", "1.", "01", "0x10", "NaN", "inf", "1e", "1,5", " 1", "12a", "--1"})
    CHECK_MESSAGE(!is_json_number(no), no);
}

TEST_CASE("CSV lines split with quotes, escaped quotes and trimming") {
  auto cells = split_csv_line(R"(a, "b,c" ,"say ""hi""",,  d  ,)"
                              "\r");
  REQUIRE_MESSAGE(cells.ok(), cells.error);
  CHECK(*cells.value == std::vector<std::string>{"a", "b,c", "say \"hi\"", "", "d", ""});
  CHECK(split_csv_line("").value == std::vector<std::string>{""});
  CHECK(split_csv_line(R"("")").value == std::vector<std::string>{""});
  CHECK_FALSE(split_csv_line(R"(a,"b)").ok());
  CHECK_FALSE(split_csv_line(R"(a,"b"c)").ok());
  CHECK_FALSE(split_csv_line(R"(a,b"c)").ok());
}

TEST_CASE("CSV header: needs a symbol column and unique, named columns") {
  CHECK(header_of("symbol,price").columns == std::vector<std::string>{"symbol", "price"});
  CHECK(header_of("\xEF\xBB\xBFsymbol,price").columns.front() == "symbol");
  CHECK(parse_csv_header("price,volume").error.find("symbol") != std::string::npos);
  CHECK(parse_csv_header("symbol,price,price").error.find("twice") != std::string::npos);
  CHECK_FALSE(parse_csv_header("symbol,,price").ok());
  CHECK_FALSE(parse_csv_header(R"(symbol,"price)").ok());
}

TEST_CASE("CSV rows: numbers stay numbers, other text becomes strings, in column order") {
  const auto h = header_of("timestamp,symbol,price,volume,exchange,note,code,flag");
  auto row = parse_csv_row(R"(1764120600219,600519,1688.5,1200,SSE,"up, then ""down""",007,true)", h);
  REQUIRE_MESSAGE(row.ok(), row.error);
  const auto& t = *row.value;
  CHECK(t.symbol == "600519");
  REQUIRE(t.timestamp_ms);
  CHECK(*t.timestamp_ms == 1764120600219);
  REQUIRE(t.fields.size() == 7);
  CHECK(t.fields[0] == std::pair<std::string, std::string>{"timestamp", "1764120600219"});
  CHECK(t.fields[1] == std::pair<std::string, std::string>{"price", "1688.5"});
  CHECK(field(t, "volume") == "1200");
  CHECK(field(t, "exchange") == R"("SSE")");
  CHECK(field(t, "note") == R"("up, then \"down\"")");
  CHECK(field(t, "code") == R"("007")"); // leading zero: not a JSON number
  CHECK(field(t, "flag") == R"("true")");
}

TEST_CASE("CSV rows: empty cells are left out; ids are parsed") {
  const auto h = header_of("symbol,id,price,volume");
  auto row = parse_csv_row("BTC-USDT,t-1,,3", h);
  REQUIRE_MESSAGE(row.ok(), row.error);
  CHECK(row.value->id == std::optional<std::string>("t-1"));
  CHECK(field(*row.value, "price") == "<absent>");
  CHECK(row.value->fields.size() == 2);
  CHECK_FALSE(row.value->timestamp_ms);
  CHECK(parse_csv_row("BTC-USDT,42,1,1", h).value->id == std::optional<std::string>("42"));
}

TEST_CASE("CSV rows: bad rows are errors, not ticks") {
  const auto h = header_of("symbol,timestamp,price");
  CHECK(parse_csv_row(",1764120600219,1", h).error.find("symbol") != std::string::npos);
  CHECK(parse_csv_row("bad symbol!,1,1", h).error.find("symbol") != std::string::npos);
  CHECK(parse_csv_row("600519,1", h).error.find("cells") != std::string::npos);
  CHECK(parse_csv_row("600519,1,2,3", h).error.find("cells") != std::string::npos);
  CHECK(parse_csv_row("600519,yesterday,1", h).error.find("timestamp") != std::string::npos);
  CHECK(parse_csv_row("600519,-5,1", h).error.find("timestamp") != std::string::npos);
  CHECK_FALSE(parse_csv_row("600519,1,\xff", h).ok()); // invalid UTF-8
  CHECK_FALSE(parse_csv_row("600519,1,1e999", h).ok()); // beyond double range
  CHECK_FALSE(parse_csv_row(R"(600519,1,"open)", h).ok());
  CHECK(parse_csv_row("600519,1764120600219,1", h).ok());
}

TEST_CASE("CSV rows obey the configured tick limits, as published ticks do") {
  qc::protocol::limits lim;
  lim.max_tick_value_bytes = 8;
  lim.max_tick_bytes = 30;
  lim.max_tick_fields = 3;
  const auto h = header_of("symbol,price,note");
  CHECK(parse_csv_row("AB,1.5,short", h, lim).ok());
  CHECK(parse_csv_row("AB,1.5,much too long", h, lim).error.find("longer than 8 bytes") != std::string::npos);
  const auto wide = header_of("symbol,price,aaaaaaaaaa");
  CHECK(parse_csv_row("AB,1.5,123456", wide, lim).error.find("larger than 30 bytes") != std::string::npos);
  CHECK(parse_csv_header("symbol,a,b,c", lim).error.find("more than 3") != std::string::npos);
  // The reader applies them to every row: bad rows are reported, good ones go on.
  auto in = std::make_unique<std::istringstream>("symbol,price,note\nAB,1,ok\nAB,2,far too long\nAB,3,ok\n");
  csv_tick_reader reader(std::move(in), "limits.csv", lim);
  auto first = reader.next();
  REQUIRE(first);
  CHECK(first->tick);
  auto second = reader.next();
  REQUIRE(second);
  CHECK_FALSE(second->tick);
  CHECK(second->line == 3);
  CHECK(second->error.find("longer than 8 bytes") != std::string::npos);
  auto third = reader.next();
  REQUIRE(third);
  CHECK(third->tick);
}

TEST_CASE("the CSV reader: good rows, bad rows with their line numbers, blank lines") {
  auto reader = reader_of("symbol,price\n"
                          "A,1\n"
                          "\n"
                          ",2\n"
                          "B,3\r\n"
                          "C,4");
  auto e = reader.next();
  REQUIRE(e);
  CHECK(e->line == 2);
  REQUIRE(e->tick);
  CHECK(e->tick->symbol == "A");
  e = reader.next();
  REQUIRE(e);
  CHECK(e->line == 4);
  CHECK_FALSE(e->tick);
  CHECK(e->error.find("symbol") != std::string::npos);
  e = reader.next();
  REQUIRE((e && e->tick));
  CHECK(e->line == 5);
  CHECK(field(*e->tick, "price") == "3");
  e = reader.next();
  REQUIRE((e && e->tick)); // the last line needs no newline
  CHECK(e->tick->symbol == "C");
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.next());

  reader.rewind();
  e = reader.next();
  REQUIRE((e && e->tick));
  CHECK(e->line == 2);
  CHECK(e->tick->symbol == "A");
}

TEST_CASE("the CSV reader skips an overlong line without buffering it") {
  const std::string huge(csv_tick_reader::max_line_bytes + 10, 'x');
  auto reader = reader_of("symbol,price\nA,1\n" + huge + "\nB,2\n");
  CHECK(reader.next()->tick->symbol == "A");
  auto e = reader.next();
  REQUIRE(e);
  CHECK(e->line == 3);
  CHECK(e->error.find("longer") != std::string::npos);
  e = reader.next();
  REQUIRE((e && e->tick));
  CHECK(e->line == 4);
  CHECK(e->tick->symbol == "B");
}

TEST_CASE("the CSV reader: a missing file, an empty file or a bad header is an error") {
  CHECK_THROWS_AS(csv_tick_reader::open("/nonexistent/ticks.csv"), std::runtime_error);
  CHECK_THROWS_AS(reader_of(""), std::runtime_error);
  CHECK_THROWS_AS(reader_of("price,volume\n1,2\n"), std::runtime_error);
}

TEST_CASE("the simulated walk: valid ticks, reproducible with a seed") {
  const std::vector<symbol_start> symbols{{"600519", 1688.50}, {"000001", 11.20}, {"PENNY", 0.01}};
  tick_simulator a(symbols, 42), b(symbols, 42), c(symbols, 43);
  bool differs = false;
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto ta = a.next(1000 + i), tb = b.next(2000 + i), tc = c.next(1000 + i);
    seen.insert(ta.symbol);
    CHECK(ta.symbol == tb.symbol);
    CHECK(field(ta, "price") == field(tb, "price"));
    CHECK(field(ta, "volume") == field(tb, "volume"));
    differs = differs || ta.symbol != tc.symbol || field(ta, "price") != field(tc, "price");

    REQUIRE(ta.fields.size() == 6);
    CHECK(ta.timestamp_ms == std::optional<std::int64_t>(1000 + i));
    CHECK(field(ta, "timestamp") == std::to_string(1000 + i));
    const auto price = field(ta, "price");
    CHECK(is_json_number(price));
    REQUIRE(price.find('.') != std::string::npos);
    CHECK(price.size() - price.find('.') == 3); // two decimals
    CHECK(std::stod(price) > 0);
    CHECK(std::stod(field(ta, "bid")) > 0);
    CHECK(std::stod(field(ta, "bid")) <= std::stod(price));
    CHECK(std::stod(field(ta, "ask")) >= std::stod(price));
    CHECK(std::stoll(field(ta, "volume")) > 0);
    CHECK(is_json_number(field(ta, "change_pct")));
  }
  CHECK(differs);
  CHECK(seen.size() == 3);
}

TEST_CASE("the simulated walk takes small steps") {
  tick_simulator sim({{"600519", 1000.00}}, 7);
  double prev = 1000;
  for (int i = 0; i < 1000; ++i) {
    const double p = std::stod(field(sim.next(0), "price"));
    CHECK(std::abs(p / prev - 1) < 0.01);
    prev = p;
  }
  CHECK(std::abs(prev / 1000 - 1) < 0.5);
}

TEST_CASE("feed settings: clear errors for values that make no sense") {
  auto message = [](const feed_settings& cfg) {
    try {
      validate(cfg);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("<accepted>");
  };
  feed_settings cfg; // the defaults: both feeds off
  CHECK(message(cfg) == "<accepted>");
  cfg.rate = 0;
  CHECK(message(cfg).find("feed.rate") != std::string::npos);
  cfg.rate = 1'000'001;
  CHECK(message(cfg).find("feed.rate") != std::string::npos);
  cfg.rate = 1'000'000;
  CHECK(message(cfg) == "<accepted>");
  cfg.replay_speed = -1;
  CHECK(message(cfg).find("feed.replay-speed") != std::string::npos);
  cfg.replay_speed = std::numeric_limits<double>::quiet_NaN();
  CHECK(message(cfg).find("feed.replay-speed") != std::string::npos);
  cfg.replay_speed = 0;
  CHECK(message(cfg) == "<accepted>");

  cfg.simulated = true;
  cfg.symbols_file = "/nonexistent/symbols.txt";
  CHECK(message(cfg).find("feed.symbols-file") != std::string::npos);
  cfg.symbols_file = QC_SOURCE_DIR "/conf/symbols.txt";
  CHECK(message(cfg) == "<accepted>");
  cfg.replay_file = "/nonexistent/ticks.csv";
  CHECK(message(cfg).find("feed.replay-file") != std::string::npos);
  cfg.replay_file = QC_SOURCE_DIR "/conf/sample_ticks.csv";
  CHECK(message(cfg) == "<accepted>");
}

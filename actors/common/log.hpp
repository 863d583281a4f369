#pragma once
// Operational log lines on stderr (CAF's own logging is compiled out of Debian's build).

#include <iostream>
#include <string>
#include <string_view>

namespace qc {

/// One line, e.g. "quotecast: persistence: commit failed: disk I/O error".
inline void log_line(std::string_view component, std::string_view message) {
  std::string line = "quotecast: ";
  line.append(component).append(": ").append(message).append("\n");
  std::cerr << line; // one write, so lines from several threads do not interleave
}

} // namespace qc

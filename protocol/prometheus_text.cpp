#include "protocol/prometheus_text.hpp"

namespace qc::protocol {

std::string encode_prometheus(std::span<const metric_sample> samples) {
  std::string out;
  for (auto& s : samples) {
    out += "# HELP ";
    out += s.name;
    out += ' ';
    // The format escapes backslash and newline in help text.
    for (char c : s.help) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += "\n# TYPE ";
    out += s.name;
    out += s.counter ? " counter\n" : " gauge\n";
    out += s.name;
    out += ' ';
    out += std::to_string(s.value);
    out += '\n';
  }
  return out;
}

} // namespace qc::protocol

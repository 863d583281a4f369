#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace qc::test {

temp_dir::temp_dir(std::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/" + std::string(prefix) + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  // mkdtemp creates the directory atomically with a unique name.
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = buf.data();
}

temp_dir::~temp_dir() {
  std::error_code ec;  // never throw from a destructor; a leftover temp dir is harmless
  std::filesystem::remove_all(path_, ec);
}

}  // namespace qc::test

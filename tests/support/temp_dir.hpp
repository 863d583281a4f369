#pragma once
// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the
// object goes away. Each broker under test gets its own --data-dir.
#include <filesystem>
#include <string_view>

namespace qc::test {

class temp_dir {
public:
  explicit temp_dir(std::string_view prefix = "qc-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

}  // namespace qc::test

// dais::TempDir: a fresh, uniquely named directory under the system's temporary
// folder ($TMPDIR, else /tmp), removed with everything in it when the object is
// destroyed. Scratch space for the test suites and the benchmarks; it lives in
// common/ because dais-bench is built even when the tests are not.
// Errors: the constructor throws std::system_error when the directory cannot be
// made, write() throws std::runtime_error when the file cannot be written; the
// destructor never throws (whatever cannot be removed is left behind).
// Ownership: neither copyable nor movable, so exactly one object removes the
// directory. Distinct objects may be used from distinct threads (mkdtemp picks
// each name atomically). Header-only; POSIX.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace dais {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dais-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::system_error(errno, std::generic_category(), "cannot create a directory like " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  // Writes `text` to the file `name` in this directory, replacing what was there; returns its path.
  std::filesystem::path write(std::string_view name, std::string_view text) const {
    const auto file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out.flush()) throw std::runtime_error("cannot write " + file.string());
    return file;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace dais

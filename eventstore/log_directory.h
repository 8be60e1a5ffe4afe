// What a data directory holds before the store opens it, so that a directory
// holding anything other than a DAIS log is refused and left untouched, and a
// guard that keeps one directory from being opened twice in one process (LMDB
// drops a process's locks when any of its handles on the file closes).
// Thread-safe. Errors throw StoreError naming the directory and what is in it.
#pragma once

#include <filesystem>
#include <string>

namespace dais::eventstore {

enum class DirectoryContent {
  absent,    // nothing at that path
  empty,     // an empty directory, or one holding only LMDB's lock.mdb
  lmdb_env,  // a directory with data.mdb (even an empty one): an LMDB environment, DAIS or not
};

struct DirectoryInspection {
  DirectoryContent content = DirectoryContent::absent;
  bool lock_file_existed = false;  // so a refused open can remove a lock file it created
};

// Throws StoreError when the path is not a directory, or is a non-empty
// directory without data.mdb (listing a few of the names it found).
DirectoryInspection inspect_directory(const std::filesystem::path& dir);

// Removes `dir`/lock.mdb if the inspection found none (best effort).
void remove_created_lock_file(const std::filesystem::path& dir, const DirectoryInspection& inspection);

// Holds the claim that this process has `dir` open; throws StoreError when
// another Store of this process already holds it.
class DirectoryClaim {
 public:
  explicit DirectoryClaim(const std::filesystem::path& dir);
  ~DirectoryClaim();
  DirectoryClaim(const DirectoryClaim&) = delete;
  DirectoryClaim& operator=(const DirectoryClaim&) = delete;

 private:
  std::string key_;
};

}  // namespace dais::eventstore

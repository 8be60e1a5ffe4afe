#include "eventstore/log_directory.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <system_error>
#include <vector>

#include "eventstore/store.h"

namespace dais::eventstore {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDataFile = "data.mdb";
constexpr const char* kLockFile = "lock.mdb";
constexpr std::size_t kNamesShown = 5;

std::mutex& claims_mutex() {
  static std::mutex m;
  return m;
}
std::set<std::string>& claims() {
  static std::set<std::string> open_dirs;
  return open_dirs;
}

}  // namespace

DirectoryInspection inspect_directory(const fs::path& dir) {
  DirectoryInspection result;
  std::error_code ec;
  const auto status = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    throw StoreError(dir.string() + ": cannot inspect: " + ec.message());
  }
  if (!fs::exists(status)) return result;
  if (!fs::is_directory(status)) {
    throw StoreError(dir.string() + ": not a directory, so not a DAIS log directory");
  }
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.push_back(entry.path().filename().string());
  if (ec) throw StoreError(dir.string() + ": cannot list the directory: " + ec.message());
  std::sort(names.begin(), names.end());

  const auto has = [&](const char* name) { return std::binary_search(names.begin(), names.end(), name); };
  result.lock_file_existed = has(kLockFile);
  if (has(kDataFile)) {
    // Even an empty data.mdb counts as a log: it may be one truncated to nothing, and a new run
    // must not start over it (the store refuses it by name).
    result.content = DirectoryContent::lmdb_env;
    return result;
  }
  const bool only_lock_file = names.size() == 1 && result.lock_file_existed;
  if (names.empty() || only_lock_file) {
    result.content = DirectoryContent::empty;
    return result;
  }
  std::string found;
  for (std::size_t i = 0; i < names.size() && i < kNamesShown; ++i) {
    found += (i ? ", " : "") + names[i];
  }
  if (names.size() > kNamesShown) found += ", ... (" + std::to_string(names.size()) + " entries)";
  throw StoreError(dir.string() + ": not a DAIS log directory: it is not empty and has no data.mdb (found: " +
                   found + "); refusing to touch it");
}

void remove_created_lock_file(const fs::path& dir, const DirectoryInspection& inspection) {
  if (inspection.lock_file_existed) return;
  std::error_code ignored;
  fs::remove(dir / kLockFile, ignored);
}

DirectoryClaim::DirectoryClaim(const fs::path& dir) {
  std::error_code ec;
  fs::path path = fs::weakly_canonical(fs::absolute(dir), ec);
  if (ec) path = fs::absolute(dir).lexically_normal();
  if (!path.has_filename() && path.has_parent_path()) path = path.parent_path();  // "dir/" is "dir"
  key_ = path.string();
  std::lock_guard lock(claims_mutex());
  if (!claims().insert(key_).second) {
    throw StoreError(dir.string() + ": already open in this process; share the open Store instead");
  }
}

DirectoryClaim::~DirectoryClaim() {
  std::lock_guard lock(claims_mutex());
  claims().erase(key_);
}

}  // namespace dais::eventstore

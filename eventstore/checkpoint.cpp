#include "eventstore/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base64.h"

namespace dais::eventstore {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string checkpoint_text(const Checkpoint& c) {
  return c.origin + "\n" + std::to_string(c.size) + "\n" +
         base64_encode(std::string_view(reinterpret_cast<const char*>(c.root.data()), c.root.size())) + "\n";
}

std::optional<Checkpoint> parse_checkpoint(std::string_view text, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<Checkpoint> {
    if (why != nullptr) *why = reason;
    return std::nullopt;
  };
  std::string_view lines[3];
  for (auto& line : lines) {
    const auto eol = text.find('\n');
    if (eol == std::string_view::npos) return fail("a checkpoint needs an origin, a size and a root line");
    line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
  }
  Checkpoint c;
  if (lines[0].empty()) return fail("the origin line is empty");
  c.origin = std::string(lines[0]);
  const auto size = lines[1];
  if (size.empty() || size.size() > 19 || (size.size() > 1 && size[0] == '0')) {
    return fail("the size line is not a decimal number");
  }
  for (char ch : size) {
    if (ch < '0' || ch > '9') return fail("the size line is not a decimal number");
    c.size = c.size * 10 + static_cast<unsigned>(ch - '0');
  }
  const auto root = base64_decode(lines[2]);
  if (!root || root->size() != 32) return fail("the root line is not base64 of a 32-byte hash");
  std::memcpy(c.root.data(), root->data(), 32);
  return c;
}

note::SigningKey load_or_create_key(const std::filesystem::path& path, std::string_view name) {
  const std::string where = "signing key file " + path.string();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    // Written whole to a private file, then linked into place: link() is atomic and fails when
    // another daisd (a sweep starts several at once) got there first, whose key is then used.
    const auto key = note::SigningKey::generate(name);
    if (path.has_parent_path()) {
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
    }
    const std::string temp = path.string() + ".new." + std::to_string(::getpid());
    int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) throw note::NoteError("cannot create " + where + ": " + errno_text());
    const std::string text = key.text() + "\n";
    const bool ok = ::write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(out) == 0;
    const std::string problem = ok ? "" : errno_text();
    ::close(out);
    if (!ok) {
      ::unlink(temp.c_str());
      throw note::NoteError("cannot write " + where + ": " + problem);
    }
    const int linked = ::link(temp.c_str(), path.c_str());
    const int link_errno = errno;
    ::unlink(temp.c_str());
    if (linked == 0) return key;
    if (link_errno != EEXIST) throw note::NoteError("cannot create " + where + ": " + std::strerror(link_errno));
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) throw note::NoteError("cannot read " + where + ": " + errno_text());
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw note::NoteError(where + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    throw note::NoteError(where + " is readable or writable by others (mode " +
                          std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                          std::to_string(st.st_mode & 7) + "); chmod 600 it");
  }
  std::string text(4096, '\0');
  const ssize_t n = ::read(fd, text.data(), text.size());
  ::close(fd);
  if (n < 0) throw note::NoteError("cannot read " + where + ": " + errno_text());
  text.resize(static_cast<std::size_t>(n));
  try {
    auto key = note::SigningKey::parse(text);
    if (key.verifier().name != name) {
      throw note::NoteError("it holds a key named '" + key.verifier().name + "' but the log's origin is '" +
                            std::string(name) + "' (set log.origin to match, or name another key file)");
    }
    return key;
  } catch (const note::NoteError& e) {
    throw note::NoteError(where + ": " + e.what());
  }
}

}  // namespace dais::eventstore

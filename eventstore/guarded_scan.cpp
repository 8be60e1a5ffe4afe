#include "eventstore/guarded_scan.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <system_error>

namespace dais::eventstore {

namespace {

// The shared counter: mapped before fork, so both processes see the same page.
class SharedCounter {
 public:
  SharedCounter() {
    memory_ = ::mmap(nullptr, sizeof(std::atomic<std::uint64_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                     -1, 0);
    if (memory_ == MAP_FAILED) throw std::system_error(errno, std::generic_category(), "mmap of a shared counter");
    counter_ = new (memory_) std::atomic<std::uint64_t>(0);
  }
  ~SharedCounter() { ::munmap(memory_, sizeof(std::atomic<std::uint64_t>)); }
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;
  std::atomic<std::uint64_t>& get() { return *counter_; }

 private:
  void* memory_ = nullptr;
  std::atomic<std::uint64_t>* counter_ = nullptr;
};

}  // namespace

ChildFate run_in_child(const std::function<int(std::atomic<std::uint64_t>& counter)>& body) {
  SharedCounter counter;
  std::fflush(nullptr);  // nothing buffered before the fork is written twice
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    int code = 2;
    try {
      code = body(counter.get());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "an unknown error\n");
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  ChildFate fate;
  fate.progress = counter.get().load();
  if (WIFSIGNALED(status)) {
    fate.signal = WTERMSIG(status);
    fate.exit_code = 128 + fate.signal;
  } else {
    fate.exit_code = WEXITSTATUS(status);
  }
  return fate;
}

bool ChildFate::crashed() const { return signal != 0 && signal != SIGPIPE; }

std::string describe_crash_signal(int signal) {
  switch (signal) {
    case SIGBUS: return "SIGBUS: a page lies past the end of the file";
    case SIGSEGV: return "SIGSEGV: a damaged page points outside the map";
    case SIGABRT: return "SIGABRT: LMDB's consistency assertion failed on a damaged page";
    default: {
      const char* name = ::strsignal(signal);
      return "signal " + std::to_string(signal) + (name ? std::string(" (") + name + ")" : std::string());
    }
  }
}

int run_guarded(std::string_view program, const std::string& dir, int damaged_exit_code,
                const std::function<int()>& body) {
  const ChildFate fate = run_in_child([&](std::atomic<std::uint64_t>&) { return body(); });
  if (!fate.crashed()) return fate.exit_code;
  std::fprintf(stderr, "%.*s: %s/data.mdb is damaged: reading it crashed LMDB (%s); nothing was written (see dais-verify %s)\n",
               static_cast<int>(program.size()), program.data(), dir.c_str(), describe_crash_signal(fate.signal).c_str(),
               dir.c_str());
  return damaged_exit_code;
}

}  // namespace dais::eventstore

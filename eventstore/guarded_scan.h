// Runs a read of a log in a forked child process, so that LMDB's own crash on a
// damaged page (an assertion abort such as "Assertion 'IS_LEAF(mp)' failed", a
// SIGSEGV on a wild pointer, a SIGBUS on a page past the end of the file) ends
// the child and the caller can report it, instead of taking the caller down.
// The child shares one progress counter with the parent (anonymous shared
// memory), so a crash can be reported with how far the scan had got.
// Thread safety: fork() copies only the calling thread, so call this before the
// process starts other threads (the tools and daisd do so at startup).
// Errors: throws std::system_error when the child cannot be started.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dais::eventstore {

struct ChildFate {
  int exit_code = 0;     // the body's return value when it ended normally, 128 + signal otherwise
  int signal = 0;        // the signal that ended the child, 0 when it exited
  std::uint64_t progress = 0;  // the last value the body stored in its counter
  // Ended by a signal other than SIGPIPE. SIGPIPE means whoever read the child's output stopped
  // reading (`dais-export LOG | head`): not damage, so the caller ends as a pipeline member does,
  // silently with exit_code 141.
  bool crashed() const;
};

// Runs body(counter) in a child and waits for it. The child flushes stdio and
// leaves with _exit(body's result); an exception escaping body ends it with 2.
ChildFate run_in_child(const std::function<int(std::atomic<std::uint64_t>& counter)>& body);

// "SIGBUS (a page lies past the end of the file)" and the like, for messages.
std::string describe_crash_signal(int signal);

// A tool's whole work on the log in `dir` (body: open, read, print) run in a
// child: when LMDB crashes on a damaged page, prints "<program>: DIR/data.mdb
// is damaged: reading it crashed LMDB (<signal>); ... see dais-verify DIR" and
// returns damaged_exit_code instead of dying without a word. Otherwise returns
// the body's result; its output is the process's own stdout and stderr.
int run_guarded(std::string_view program, const std::string& dir, int damaged_exit_code,
                const std::function<int()>& body);

}  // namespace dais::eventstore

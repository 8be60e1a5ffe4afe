// Starting child programs for a sweep: posix_spawn with stdin from /dev/null and stdout/stderr
// written to files (truncated). Not thread-safe with respect to other code that waits for
// arbitrary children. Throws std::runtime_error when a program cannot be started.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace dais::experiment {

pid_t spawn_process(const std::vector<std::string>& argv, const std::string& stdout_path,
                    const std::string& stderr_path);

// Starts the program and waits for it; returns its exit code (128 + signal when killed by one).
int run_process(const std::vector<std::string>& argv, const std::string& stdout_path, const std::string& stderr_path);

// Decodes a waitpid status the same way: the exit code, or 128 + the signal number.
int exit_code_of(int wait_status);

// The last `max_lines` lines of a text file (empty when it cannot be read), for error reports.
std::string tail_of_file(const std::string& path, std::size_t max_lines);

}  // namespace dais::experiment

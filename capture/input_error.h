// The one error the capture layer throws: recorded traffic that cannot be read (a file that is
// not a capture, a CSV without the columns its format needs, an unreadable path). The message
// names the file and what is wrong with it, ready to show a user. Damage inside a readable
// input (a truncated packet, a malformed row) is counted and skipped, never thrown.
#pragma once

#include <stdexcept>
#include <string>

namespace dais::capture {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace dais::capture

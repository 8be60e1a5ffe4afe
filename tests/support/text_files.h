// Reading what programs and tests wrote: a whole file as text, and the
// complete lines of a text. A line still being written (no '\n' yet) is left
// out, so a test polling a growing file never sees half a line.
// A file that cannot be opened reads as empty (a test polling for output
// treats "not there yet" and "empty" alike). Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace dais::test {

std::string read_text(const std::filesystem::path& file);
std::vector<std::string> lines_of(std::string_view text);
std::vector<std::string> read_lines(const std::filesystem::path& file);

}  // namespace dais::test

#include "tests/support/text_files.h"

#include <fstream>
#include <sstream>

namespace dais::test {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string_view::npos; start = end + 1) {
    lines.emplace_back(text.substr(start, end - start));
  }
  return lines;
}

std::vector<std::string> read_lines(const std::filesystem::path& file) { return lines_of(read_text(file)); }

}  // namespace dais::test

#include "common/json_depth.h"

namespace dais {

std::size_t json_nesting_depth(std::string_view text, std::size_t cap) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string; \uXXXX holds no quote or bracket
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > deepest) {
          deepest = depth;
          if (deepest > cap) return deepest;
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // an unbalanced close is the parser's error to report
        break;
      default:
        break;
    }
  }
  return deepest;
}

}  // namespace dais

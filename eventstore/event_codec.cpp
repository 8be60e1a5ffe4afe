#include "eventstore/event_codec.h"

#include <charconv>

#include "eventstore/log_format.h"
#include "eventstore/sha256_hasher.h"

namespace dais::eventstore {

namespace {

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void append_number(std::uint64_t n, std::string& out) {
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

}  // namespace

std::optional<std::string> draft_problem(const EventDraft& draft) {
  const std::string& type = draft.type;
  if (type.empty()) return "event type is empty";
  if (type.size() > format::kMaxTypeSize) {
    return "event type is " + std::to_string(type.size()) + " characters, more than " +
           std::to_string(format::kMaxTypeSize);
  }
  if (!is_alpha(type[0])) return "event type '" + type + "' must start with a letter";
  for (char c : type) {
    if (!is_alpha(c) && !is_digit(c) && c != '_') {
      return "event type '" + type + "' may hold only letters, digits and '_'";
    }
  }
  const std::string& data = draft.data_json;
  if (data.size() < 2 || data.front() != '{' || data.back() != '}') {
    return "data_json of a '" + type + "' event must be one JSON object (start with '{' and end with '}')";
  }
  return std::nullopt;
}

void append_hex(const Hash& hash, std::string& out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const std::size_t at = out.size();
  out.resize(at + 2 * hash.size());
  char* p = out.data() + at;
  for (std::uint8_t b : hash) {
    *p++ = kDigits[b >> 4];
    *p++ = kDigits[b & 0x0f];
  }
}

Hash encode_event(std::uint64_t seq, const EventDraft& draft, const Hash& prev, std::string& value) {
  value.clear();
  value.reserve(format::kHashSize + 128 + draft.type.size() + draft.data_json.size());
  value.resize(format::kHashSize);  // the hash goes here once the bytes exist
  value += R"({"seq":)";
  append_number(seq, value);
  value += R"(,"type":")";
  value += draft.type;
  value += R"(","step":)";
  append_number(draft.step, value);
  value += R"(,"prev":")";
  append_hex(prev, value);
  value += R"(","data":)";
  value += draft.data_json;
  value += '}';

  const Hash hash = Sha256Hasher::for_this_thread().hash(std::string_view(value).substr(format::kHashSize));
  std::copy(hash.begin(), hash.end(), value.begin());
  return hash;
}

}  // namespace dais::eventstore

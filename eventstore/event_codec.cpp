#include "eventstore/event_codec.h"

#include <charconv>
#include <cstring>
#include <tuple>

#include <nlohmann/json.hpp>

#include "eventstore/log_format.h"
#include "eventstore/merkle.h"

namespace dais::eventstore {

namespace {

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

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

namespace {

constexpr std::string_view kSeqOpen = R"({"seq":)";
constexpr std::string_view kTypeOpen = R"(,"type":")";
constexpr std::string_view kStepOpen = R"(","step":)";
constexpr std::string_view kPrevOpen = R"(,"prev":")";
constexpr std::string_view kDataOpen = R"(","data":)";

std::size_t decimal_digits(std::uint64_t n) {
  std::size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

char* put(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

}  // namespace

std::size_t encoded_value_size(std::uint64_t seq, const EventDraft& draft) {
  return format::kHashSize + kSeqOpen.size() + decimal_digits(seq) + kTypeOpen.size() + draft.type.size() +
         kStepOpen.size() + decimal_digits(draft.step) + kPrevOpen.size() + 2 * std::tuple_size_v<Hash> +
         kDataOpen.size() + draft.data_json.size() + 1;
}

namespace {

// Writes the event bytes after the hash slot of `value`; returns them.
std::string_view write_event(std::uint64_t seq, const EventDraft& draft, const Hash& prev, char* value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char* const event = value + format::kHashSize;
  char* p = put(event, kSeqOpen);
  p = std::to_chars(p, p + 20, seq).ptr;
  p = put(p, kTypeOpen);
  p = put(p, draft.type);
  p = put(p, kStepOpen);
  p = std::to_chars(p, p + 20, draft.step).ptr;
  p = put(p, kPrevOpen);
  for (std::uint8_t b : prev) {
    *p++ = kDigits[b >> 4];
    *p++ = kDigits[b & 0x0f];
  }
  p = put(p, kDataOpen);
  p = put(p, draft.data_json);
  *p++ = '}';
  return std::string_view(event, static_cast<std::size_t>(p - event));
}

}  // namespace

Hash encode_event_into(std::uint64_t seq, const EventDraft& draft, const Hash& prev, char* value) {
  const Hash hash = sha256(write_event(seq, draft, prev, value));
  std::memcpy(value, hash.data(), hash.size());
  return hash;
}

Hash encode_event_into(std::uint64_t seq, const EventDraft& draft, const Hash& prev, char* value, Hash& leaf) {
  Hash hash;
  merkle::entry_and_leaf_hash(write_event(seq, draft, prev, value), hash, leaf);
  std::memcpy(value, hash.data(), hash.size());
  return hash;
}

std::string decode_type(std::string_view bytes) {
  if (bytes.starts_with(kSeqOpen)) {
    std::size_t i = kSeqOpen.size();
    while (i < bytes.size() && is_digit(bytes[i])) ++i;
    if (bytes.substr(i).starts_with(kTypeOpen)) {
      const std::size_t start = i + kTypeOpen.size();
      const std::size_t end = bytes.find('"', start);
      const std::string_view name = bytes.substr(start, end == std::string_view::npos ? 0 : end - start);
      if (end != std::string_view::npos && name.find('\\') == std::string_view::npos) return std::string(name);
    }
  }
  // Not the layout this store writes (another writer, or damage): parse it properly.
  const auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_object()) {
    const auto it = j.find("type");
    if (it != j.end() && it->is_string()) return it->get<std::string>();
  }
  return {};
}

Hash encode_event(std::uint64_t seq, const EventDraft& draft, const Hash& prev, std::string& value) {
  value.resize(encoded_value_size(seq, draft));
  return encode_event_into(seq, draft, prev, value.data());
}

}  // namespace dais::eventstore

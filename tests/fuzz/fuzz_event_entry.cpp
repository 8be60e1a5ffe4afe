// libFuzzer target: the stored-entry check and the event codec, as verify and
// every reader meet them on a damaged or hostile log. The input is an entry's
// stored value (32-byte hash, then event bytes), checked under the key its
// first 8 bytes give and under the seq the event names. It is also split into
// a draft (type, data); when the codec accepts that draft, the value it builds
// must be as long as announced and, when it checks out, give back the prev and
// type it was built with. No input may crash or trip a sanitizer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "eventstore/entry_check.h"
#include "eventstore/event_codec.h"

using namespace dais::eventstore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint64_t key = 0;
  if (size >= 8) std::memcpy(&key, data, 8);
  const std::string_view value(reinterpret_cast<const char*>(data), size);

  Hash prev{};
  std::string reason;
  (void)check_entry(key, value, prev, &reason);
  const std::string_view event = size > 32 ? value.substr(32) : std::string_view();
  (void)decode_type(event);
  std::uint64_t seq = 0;
  // Under the key the event names, so that sound entries get past the seq check.
  if (parse_event_fields(event, seq, prev, &reason)) (void)check_entry(seq, value, prev, nullptr);

  // The input as a draft: its text as type and data. What the codec accepts must check out.
  const std::size_t split = size == 0 ? 0 : data[0] % (size + 1);
  EventDraft draft;
  draft.type = std::string(value.substr(0, split));
  draft.data_json = std::string(value.substr(split));
  draft.step = key;
  if (draft_problem(draft)) return 0;
  std::string stored;
  const Hash hash = encode_event(seq, draft, prev, stored);
  if (stored.size() != encoded_value_size(seq, draft)) std::abort();
  (void)hash;
  Hash read_prev{};
  // data_json is the caller's to keep a JSON object; only one that is passes.
  if (check_entry(seq, stored, read_prev, &reason) == Problem::none) {
    if (read_prev != prev) std::abort();
    if (decode_type(std::string_view(stored).substr(32)) != draft.type) std::abort();
  }
  return 0;
}

// libFuzzer target: dais-tail's stream message parser, which reads whatever
// the server (or anything claiming to be one) sends. A malformed message must
// end in std::invalid_argument; anything else that escapes, a crash or a
// sanitizer report is a finding. An event entry's bytes must lie inside the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "tools/tail/server_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto message = dais::tail::parse_server_message(text);
    if (const auto* entry = std::get_if<dais::tail::EventEntry>(&message)) {
      if (entry->bytes.data() < text.data() || entry->bytes.data() + entry->bytes.size() > text.data() + text.size())
        std::abort();
    }
  } catch (const std::invalid_argument&) {
  }
  return 0;
}

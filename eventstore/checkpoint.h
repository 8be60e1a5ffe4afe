// C2SP tlog-checkpoint text: "<origin>\n<tree size>\n<base64 root hash>\n",
// signed as a C2SP signed note (signed_note.h) and served beside the chain,
// never in it (docs/MERKLE.md). Also the signing key file daisd keeps.
// Thread safety: pure functions. Errors: parse_checkpoint returns nullopt and
// says why; load_or_create_key throws note::NoteError with the path and cause.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "eventstore/merkle.h"
#include "eventstore/signed_note.h"

namespace dais::eventstore {

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  merkle::Hash root{};
};

std::string checkpoint_text(const Checkpoint& checkpoint);
// Parses the note text of a checkpoint (extension lines after the root are
// allowed and ignored); nullopt with `why` set for anything else.
std::optional<Checkpoint> parse_checkpoint(std::string_view text, std::string* why);

// The key in `path` (Go's PRIVATE+KEY text), created with mode 0600 and a new
// random Ed25519 key named `name` when the file does not exist. Refuses a key
// file readable by group or others, one that does not parse, or one whose key
// name is not `name`.
note::SigningKey load_or_create_key(const std::filesystem::path& path, std::string_view name);

}  // namespace dais::eventstore

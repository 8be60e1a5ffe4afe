// C2SP signed notes with Ed25519 (the format of Go's golang.org/x/mod/sumdb/note):
// keys, their text forms, signing a note and opening one with a verifier key.
//   signer key:   PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 ‖ 32-byte seed)>
//   verifier key: <name>+<8 hex key id>+<base64(0x01 ‖ 32-byte public key)>
//   key id:       first 4 bytes (big-endian) of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)
//   signed note:  text (ending in "\n") ‖ "\n" ‖ one line per signature
//                 "— <name> <base64(key id ‖ 64-byte signature)>\n"
// Thread safety: values; OpenSSL calls are thread-safe. Errors: NoteError with
// a message that says what is wrong with the key or note (never a crash).
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dais::eventstore::note {

class NoteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using KeyBytes = std::array<std::uint8_t, 32>;

// "" when `name` may name a key (non-empty, printable ASCII, no space, no '+'); else why not.
std::string name_problem(std::string_view name);
std::uint32_t key_id(std::string_view name, const KeyBytes& public_key);

struct VerifierKey {
  std::string name;
  std::uint32_t id = 0;
  KeyBytes public_key{};
  std::string text() const;
  // Throws NoteError naming what is wrong.
  static VerifierKey parse(std::string_view text);
};

class SigningKey {
 public:
  static SigningKey generate(std::string_view name);
  // Go's PRIVATE+KEY text; throws NoteError naming what is wrong.
  static SigningKey parse(std::string_view text);
  std::string text() const;
  const VerifierKey& verifier() const { return verifier_; }
  // The signed note for `text` (which must end in "\n").
  std::string sign(std::string_view text) const;

 private:
  SigningKey(std::string_view name, const KeyBytes& seed);
  KeyBytes seed_{};
  VerifierKey verifier_;
};

// The text of `note` when it carries a valid signature by `key` (other
// signatures are ignored, as sumdb/note does); throws NoteError saying why not
// (malformed note, no signature by that key, signature does not verify).
std::string open(std::string_view note, const VerifierKey& key);

}  // namespace dais::eventstore::note

#include "eventstore/signed_note.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "common/base64.h"
#include "common/sha256.h"

namespace dais::eventstore::note {

namespace {

constexpr unsigned char kAlgEd25519 = 0x01;
constexpr std::string_view kDash = "\xe2\x80\x94 ";  // U+2014 EM DASH and a space

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

bool parse_hex8(std::string_view s, std::uint32_t& out) {
  if (s.size() != 8) return false;
  out = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    out = out << 4 | static_cast<std::uint32_t>(d);
  }
  return true;
}

// Splits at the first max_parts - 1 '+' (base64 may itself hold a '+').
std::vector<std::string_view> split_plus(std::string_view s, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto plus = parts.size() + 1 == max_parts ? std::string_view::npos : s.find('+', start);
    parts.push_back(s.substr(start, plus == std::string_view::npos ? std::string_view::npos : plus - start));
    if (plus == std::string_view::npos) return parts;
    start = plus + 1;
  }
}

// Decodes base64(0x01 ‖ 32 bytes) of a key; throws naming `what`.
KeyBytes decode_key_bytes(std::string_view text, const char* what) {
  const auto raw = base64_decode(text);
  if (!raw || raw->size() != 33) throw NoteError(std::string(what) + " is not base64 of 33 bytes");
  if (static_cast<unsigned char>((*raw)[0]) != kAlgEd25519) {
    throw NoteError(std::string(what) + " is not an Ed25519 key (algorithm byte " +
                    std::to_string(static_cast<unsigned char>((*raw)[0])) + ", expected 1)");
  }
  KeyBytes k;
  std::memcpy(k.data(), raw->data() + 1, 32);
  return k;
}

std::string encode_key_bytes(const KeyBytes& k) {
  std::string raw(1, static_cast<char>(kAlgEd25519));
  raw.append(reinterpret_cast<const char*>(k.data()), k.size());
  return base64_encode(raw);
}

void openssl_check(bool ok, const char* what) {
  if (!ok) throw NoteError(std::string("OpenSSL: ") + what + " failed");
}

}  // namespace

std::string name_problem(std::string_view name) {
  if (name.empty()) return "is empty";
  for (unsigned char c : name) {
    if (c <= 0x20 || c >= 0x7f) return "has a space, control or non-ASCII character";
    if (c == '+') return "has a '+'";
  }
  return {};
}

std::uint32_t key_id(std::string_view name, const KeyBytes& public_key) {
  std::string input(name);
  input += '\n';
  input += static_cast<char>(kAlgEd25519);
  input.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  const Digest d = sha256(input);
  return std::uint32_t{d[0]} << 24 | std::uint32_t{d[1]} << 16 | std::uint32_t{d[2]} << 8 | d[3];
}

std::string VerifierKey::text() const { return name + "+" + hex8(id) + "+" + encode_key_bytes(public_key); }

VerifierKey VerifierKey::parse(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto parts = split_plus(text, 3);
  if (parts.size() != 3) throw NoteError("a verifier key is NAME+KEYID+BASE64 (three parts joined by '+')");
  VerifierKey key;
  key.name = std::string(parts[0]);
  if (auto why = name_problem(key.name); !why.empty()) throw NoteError("the verifier key's name " + why);
  if (!parse_hex8(parts[1], key.id)) throw NoteError("the verifier key's id is not 8 lower-case hex digits");
  key.public_key = decode_key_bytes(parts[2], "the verifier key");
  if (key_id(key.name, key.public_key) != key.id) {
    throw NoteError("the verifier key's id " + std::string(parts[1]) + " does not match its name and key (" +
                    hex8(key_id(key.name, key.public_key)) + ")");
  }
  return key;
}

SigningKey::SigningKey(std::string_view name, const KeyBytes& seed) : seed_(seed) {
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  openssl_check(pkey != nullptr, "loading an Ed25519 key");
  std::size_t len = verifier_.public_key.size();
  openssl_check(EVP_PKEY_get_raw_public_key(pkey.get(), verifier_.public_key.data(), &len) == 1 && len == 32,
                "deriving an Ed25519 public key");
  verifier_.name = std::string(name);
  verifier_.id = key_id(name, verifier_.public_key);
}

SigningKey SigningKey::generate(std::string_view name) {
  if (auto why = name_problem(name); !why.empty()) throw NoteError("the key name '" + std::string(name) + "' " + why);
  KeyBytes seed;
  openssl_check(RAND_bytes(seed.data(), static_cast<int>(seed.size())) == 1, "drawing a random key");
  return SigningKey(name, seed);
}

SigningKey SigningKey::parse(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto parts = split_plus(text, 5);
  if (parts.size() != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY") {
    throw NoteError("a signing key is PRIVATE+KEY+NAME+KEYID+BASE64");
  }
  const std::string name(parts[2]);
  if (auto why = name_problem(name); !why.empty()) throw NoteError("the signing key's name " + why);
  std::uint32_t id = 0;
  if (!parse_hex8(parts[3], id)) throw NoteError("the signing key's id is not 8 lower-case hex digits");
  SigningKey key(name, decode_key_bytes(parts[4], "the signing key"));
  if (key.verifier_.id != id) throw NoteError("the signing key's id does not match its name and key");
  return key;
}

std::string SigningKey::text() const {
  return "PRIVATE+KEY+" + verifier_.name + "+" + hex8(verifier_.id) + "+" + encode_key_bytes(seed_);
}

std::string SigningKey::sign(std::string_view text) const {
  if (text.empty() || text.back() != '\n') throw NoteError("a note's text must end in a newline");
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  openssl_check(pkey && ctx, "preparing to sign");
  openssl_check(EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1, "starting a signature");
  unsigned char sig[64];
  std::size_t sig_len = sizeof sig;
  openssl_check(EVP_DigestSign(ctx.get(), sig, &sig_len, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size()) == 1 &&
                    sig_len == 64,
                "signing");
  std::string blob(4, '\0');
  for (int i = 0; i < 4; ++i) blob[static_cast<std::size_t>(i)] = static_cast<char>(verifier_.id >> (24 - 8 * i));
  blob.append(reinterpret_cast<const char*>(sig), sig_len);
  std::string out(text);
  out += '\n';
  out += kDash;
  out += verifier_.name + " " + base64_encode(blob) + "\n";
  return out;
}

std::string open(std::string_view note, const VerifierKey& key) {
  // The text ends at the last blank line ("\n\n"); the signature lines follow it.
  const auto split = note.rfind("\n\n");
  if (split == std::string_view::npos) throw NoteError("malformed note: no blank line before the signatures");
  const std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') throw NoteError("malformed note: the signature block must end in a newline");
  bool saw_key_name = false;
  while (!sigs.empty()) {
    const auto eol = sigs.find('\n');
    std::string_view line = sigs.substr(0, eol);
    sigs.remove_prefix(eol + 1);
    if (line.substr(0, kDash.size()) != kDash) throw NoteError("malformed note: a signature line must start with '— '");
    line.remove_prefix(kDash.size());
    const auto space = line.find(' ');
    if (space == std::string_view::npos) throw NoteError("malformed note: a signature line is '— NAME BASE64'");
    const std::string_view name = line.substr(0, space);
    const auto blob = base64_decode(line.substr(space + 1));
    if (!blob || blob->size() < 5) throw NoteError("malformed note: a signature is not base64 of a key id and bytes");
    if (name != key.name) continue;
    saw_key_name = true;
    std::uint32_t id = 0;
    for (int i = 0; i < 4; ++i) id = id << 8 | static_cast<unsigned char>((*blob)[static_cast<std::size_t>(i)]);
    if (id != key.id) continue;
    Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.public_key.data(), key.public_key.size()));
    MdCtx ctx(EVP_MD_CTX_new());
    openssl_check(pkey && ctx, "preparing to verify");
    openssl_check(EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1,
                  "starting a verification");
    const bool ok = blob->size() == 68 &&
                    EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(blob->data() + 4), 64,
                                     reinterpret_cast<const unsigned char*>(text.data()), text.size()) == 1;
    if (!ok) throw NoteError("the signature by " + key.name + "+" + hex8(key.id) + " does not verify");
    return std::string(text);
  }
  throw NoteError(saw_key_name ? "no signature by " + key.name + " with key id " + hex8(key.id) +
                                     " (signed with another key of that name)"
                               : "no signature by " + key.name);
}

}  // namespace dais::eventstore::note

// Signed notes (Ed25519) and checkpoints: the key and signature example
// published in the documentation of Go's golang.org/x/mod/sumdb/note,
// reproduced byte for byte (Ed25519 is deterministic); tampered notes and keys
// rejected; checkpoint text round trips; the key file's creation and refusals.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>

#include "common/temp_dir.h"
#include "eventstore/checkpoint.h"
#include "eventstore/signed_note.h"
#include "tests/support/text_files.h"

using namespace dais::eventstore;
using dais::TempDir;

namespace {
const std::string kSigner = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const std::string kVerifier = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const std::string kText =
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const std::string kNote = kText +
                          "\n\xe2\x80\x94 PeterNeumann "
                          "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
}  // namespace

TEST_CASE("the sumdb/note documentation example is reproduced byte for byte") {
  const auto key = note::SigningKey::parse(kSigner);
  CHECK(key.text() == kSigner);
  CHECK(key.verifier().text() == kVerifier);
  CHECK(key.sign(kText) == kNote);
  CHECK(note::open(kNote, note::VerifierKey::parse(kVerifier)) == kText);
}

TEST_CASE("tampered notes, wrong keys and malformed keys are rejected with a reason") {
  const auto verifier = note::VerifierKey::parse(kVerifier);
  std::string changed_text = kNote;
  changed_text[3] = 'X';
  CHECK_THROWS_WITH_AS(note::open(changed_text, verifier), doctest::Contains("does not verify"), note::NoteError);
  std::string changed_sig = kNote;
  changed_sig[changed_sig.size() - 10] = changed_sig[changed_sig.size() - 10] == 'A' ? 'B' : 'A';
  CHECK_THROWS_AS(note::open(changed_sig, verifier), note::NoteError);
  const auto other = note::SigningKey::generate("PeterNeumann");
  CHECK_THROWS_WITH_AS(note::open(kNote, other.verifier()), doctest::Contains("another key"), note::NoteError);
  const auto stranger = note::SigningKey::generate("someone.else/log");
  CHECK_THROWS_WITH_AS(note::open(kNote, stranger.verifier()), doctest::Contains("no signature by"), note::NoteError);
  CHECK_THROWS_AS(note::open(kText, verifier), note::NoteError);  // no signatures at all
  CHECK(note::open(stranger.sign(kText), stranger.verifier()) == kText);

  CHECK_THROWS_AS(note::VerifierKey::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
                  note::NoteError);  // id does not match
  CHECK_THROWS_AS(note::VerifierKey::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq"),
                  note::NoteError);
  CHECK_THROWS_AS(note::VerifierKey::parse("PeterNeumann+c74f20a3"), note::NoteError);
  CHECK_THROWS_AS(note::SigningKey::parse(kVerifier), note::NoteError);
  CHECK_THROWS_AS(note::SigningKey::generate("has space"), note::NoteError);
  CHECK_THROWS_AS(note::SigningKey::generate("a+b"), note::NoteError);
  CHECK_THROWS_AS(note::SigningKey::parse(kSigner).sign("no newline"), note::NoteError);
}

TEST_CASE("checkpoint text round trips and malformed checkpoints say what is wrong") {
  Checkpoint c{"example.com/log", 1234, dais::sha256("root")};
  const std::string text = checkpoint_text(c);
  CHECK(text == "example.com/log\n1234\n" + std::string("SBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=") + "\n");
  std::string why;
  auto parsed = parse_checkpoint(text, &why);
  REQUIRE(parsed.has_value());
  CHECK(parsed->origin == c.origin);
  CHECK(parsed->size == 1234);
  CHECK(parsed->root == c.root);
  CHECK(parse_checkpoint(text + "extension line\n", &why).has_value());
  for (const char* bad : {"", "origin\n12\n", "\n12\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n",
                          "o\n012\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n",
                          "o\n-1\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n", "o\n1\nZk0p\n"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_checkpoint(bad, &why).has_value());
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("the signing key file is created with mode 0600, reused, and refused when unsafe or for another name") {
  TempDir tmp;
  const auto path = tmp / "keys" / "dais-signing.key";
  const auto key = load_or_create_key(path, "dais.test/log");
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(dais::test::read_text(path) == key.text() + "\n");
  CHECK(load_or_create_key(path, "dais.test/log").verifier().text() == key.verifier().text());
  CHECK_THROWS_WITH_AS(load_or_create_key(path, "other/log"), doctest::Contains("log.origin"), note::NoteError);
  chmod(path.c_str(), 0644);
  CHECK_THROWS_WITH_AS(load_or_create_key(path, "dais.test/log"), doctest::Contains("chmod 600"), note::NoteError);
  const auto garbage = tmp / "garbage.key";
  std::ofstream(garbage) << "not a key\n";
  chmod(garbage.c_str(), 0600);
  CHECK_THROWS_WITH_AS(load_or_create_key(garbage, "dais.test/log"), doctest::Contains("garbage.key"), note::NoteError);
}

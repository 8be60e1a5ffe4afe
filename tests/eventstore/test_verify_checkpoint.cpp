// dais-verify --checkpoint FILE --key VERIFIER DIR: a signed checkpoint is
// checked offline against a log folder (signature, size, root recomputed from
// the entries, stored tiles), and each way of getting it wrong is rejected with
// its reason and exit 1 (2 for usage errors).
#include <doctest/doctest.h>

#include <fstream>

#include "common/temp_dir.h"
#include "eventstore/checkpoint_check.h"
#include "eventstore/checkpointer.h"
#include "eventstore/store.h"
#include "tests/eventstore/test_support.h"

using namespace dais::eventstore;
using namespace dais::eventstore::testing;
using dais::TempDir;

namespace {

// Signs the current tree of the log in `dir` with `key` into `file`.
void sign_into(const std::filesystem::path& dir, const note::SigningKey& key, const std::filesystem::path& file) {
  auto store = Store::open(dir);
  Checkpointer checkpointer(*store, key);
  std::ofstream(file, std::ios::binary) << checkpointer.refresh()->note;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("a checkpoint of the log checks out; a wrong key, a tampered checkpoint or another log are rejected") {
  TempDir tmp;
  const auto key = note::SigningKey::generate("dais.test/log");
  const std::string vkey = key.verifier().text();
  write_log(tmp / "log", 300, 7);
  sign_into(tmp / "log", key, tmp / "cp");

  auto r = run_verify_tool({(tmp / "log").string(), "--checkpoint", (tmp / "cp").string(), "--key", vkey});
  CAPTURE(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("checkpoint ok: dais.test/log, 300 entries") != std::string::npos);
  CHECK(r.output.find("the stored tiles agree") != std::string::npos);

  // The key may also be given as a file.
  std::ofstream(tmp / "vkey") << vkey << "\n";
  CHECK(run_verify_tool({(tmp / "log").string(), "--checkpoint", (tmp / "cp").string(), "--key",
                         (tmp / "vkey").string()})
            .exit_code == 0);

  const auto other = note::SigningKey::generate("dais.test/log");
  r = run_verify_tool({(tmp / "log").string(), "--checkpoint", (tmp / "cp").string(), "--key", other.verifier().text()});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("FAILED checkpoint: signature") != std::string::npos);

  std::string tampered = read_file(tmp / "cp");
  tampered.replace(tampered.find("\n300\n"), 5, "\n299\n");
  std::ofstream(tmp / "cp-tampered", std::ios::binary) << tampered;
  r = run_verify_tool({(tmp / "log").string(), "--checkpoint", (tmp / "cp-tampered").string(), "--key", vkey});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("does not verify") != std::string::npos);

  // A shorter log (truncated) and a log with other entries (rewritten).
  write_log(tmp / "short", 200, 7);
  r = run_verify_tool({(tmp / "short").string(), "--checkpoint", (tmp / "cp").string(), "--key", vkey});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("covers 300 entries but the log holds only 200") != std::string::npos);
  {
    auto store = Store::open(tmp / "rewritten");
    store->append(drafts(300, 1, 1000));
  }
  r = run_verify_tool({(tmp / "rewritten").string(), "--checkpoint", (tmp / "cp").string(), "--key", vkey});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("have Merkle root") != std::string::npos);

  // A longer log still holds the checkpoint's tree as its prefix.
  {
    auto store = Store::open(tmp / "log");
    store->append(drafts(50, 99));
  }
  CHECK(run_verify_tool({(tmp / "log").string(), "--checkpoint", (tmp / "cp").string(), "--key", vkey}).exit_code == 0);
}

TEST_CASE("damaged stored tiles are reported even when the entries match the checkpoint") {
  TempDir tmp;
  const auto key = note::SigningKey::generate("dais.test/log");
  write_log(tmp / "log", 40);
  sign_into(tmp / "log", key, tmp / "cp");
  {
    RawLog raw(tmp / "log");
    std::string tile = raw.get_tile(0, 0);
    tile[7] ^= 1;
    raw.put_tile(0, 0, tile);
    raw.commit();
  }
  const auto r = run_verify_tool(
      {(tmp / "log").string(), "--checkpoint", (tmp / "cp").string(), "--key", key.verifier().text()});
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("stored Merkle tiles do not") != std::string::npos);
}

TEST_CASE("checkpoint usage errors exit 2") {
  TempDir tmp;
  write_log(tmp / "log", 3);
  const std::string log = (tmp / "log").string();
  const auto key = note::SigningKey::generate("dais.test/log");
  CHECK(run_verify_tool({log, "--checkpoint", (tmp / "cp").string()}).exit_code == 2);
  auto r = run_verify_tool({log, "--checkpoint", (tmp / "absent").string(), "--key", key.verifier().text()});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("cannot read --checkpoint") != std::string::npos);
  r = run_verify_tool({log, "--checkpoint", (tmp / "absent").string(), "--key", "not+a+key"});
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--key") != std::string::npos);
}

TEST_CASE("the root recomputed from entries matches the naive tree for many sizes") {
  TempDir tmp;
  write_log(tmp / "log", 130, 9);
  auto store = Store::open(tmp / "log");
  const auto leaves = leaves_of(*store, 130);
  for (std::uint64_t n = 1; n <= 130; ++n) REQUIRE(root_from_entries(*store, n) == naive_root(leaves, 0, n));
}

// Unit tests of dais-tail's CheckpointChecker (tools/tail/checkpoint_checker.h):
// good checkpoints pass; a bad signature, a root that is not the tree of the
// events received, a size that does not match them, a shrinking log and a
// failing consistency proof are each rejected with the reason.
#include <doctest/doctest.h>

#include "eventstore/checkpoint.h"
#include "eventstore/merkle.h"
#include "tools/tail/checkpoint_checker.h"

using namespace dais;
using namespace dais::eventstore;
using dais::tail::CheckpointChecker;

namespace {

struct Log {
  std::vector<merkle::Hash> leaves;
  std::vector<std::string> entries;
  explicit Log(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      entries.push_back("{\"seq\":" + std::to_string(i) + "}");
      leaves.push_back(merkle::leaf_hash(entries.back()));
    }
  }
  merkle::Hash root(std::uint64_t size) const {
    return merkle::tree_hash(size, [this](unsigned level, std::uint64_t index) { return subtree(level, index); });
  }
  merkle::Hash subtree(unsigned level, std::uint64_t index) const {
    if (level == 0) return leaves.at(index);
    return merkle::node_hash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1));
  }
  std::vector<merkle::Hash> consistency(std::uint64_t from, std::uint64_t to) const {
    return merkle::consistency_proof(from, to, [this](unsigned l, std::uint64_t i) { return subtree(l, i); });
  }
};

std::string signed_checkpoint(const note::SigningKey& key, std::uint64_t size, const merkle::Hash& root) {
  return key.sign(checkpoint_text(Checkpoint{key.verifier().name, size, root}));
}

}  // namespace

TEST_CASE("checkpoints of the events received pass; each kind of lie is rejected") {
  const auto key = note::SigningKey::generate("test.local/log");
  const Log log(20);

  SUBCASE("tracked from seq 0, with a consistency proof between checkpoints") {
    CheckpointChecker checker(key.verifier(), true);
    for (std::size_t i = 0; i < 7; ++i) checker.add_entry(log.entries[i]);
    CHECK_FALSE(checker.check(7, signed_checkpoint(key, 7, log.root(7)), 7).has_value());
    for (std::size_t i = 7; i < 20; ++i) checker.add_entry(log.entries[i]);
    const auto step = checker.check(20, signed_checkpoint(key, 20, log.root(20)), 20);
    REQUIRE(step.has_value());
    const auto* needs = std::get_if<CheckpointChecker::NeedsProof>(&*step);
    REQUIRE(needs != nullptr);
    CHECK(needs->from == 7);
    CHECK(needs->to == 20);
    auto bad_proof = log.consistency(7, 20);
    bad_proof[0][5] ^= 1;
    {
      CheckpointChecker copy = checker;
      const auto problem = copy.finish(bad_proof);
      REQUIRE(problem.has_value());
      CHECK(problem->find("not consistent with the previous one") != std::string::npos);
    }
    CHECK_FALSE(checker.finish(log.consistency(7, 20)).has_value());
    CHECK(checker.accepted() == 2);
    // The same size again with the same root is fine; a smaller one is not.
    CHECK_FALSE(checker.check(20, signed_checkpoint(key, 20, log.root(20)), 20).has_value());
    const auto shrank = checker.check(5, signed_checkpoint(key, 5, log.root(5)), std::nullopt);
    REQUIRE(shrank.has_value());
    CHECK(std::get<CheckpointChecker::Rejected>(*shrank).reason.find("shrank") != std::string::npos);
  }
  SUBCASE("a root that is not the tree of the events received") {
    CheckpointChecker checker(key.verifier(), true);
    for (std::size_t i = 0; i < 7; ++i) checker.add_entry(log.entries[i]);
    const auto step = checker.check(7, signed_checkpoint(key, 7, log.root(6)), 7);
    REQUIRE(step.has_value());
    CHECK(std::get<CheckpointChecker::Rejected>(*step).reason.find("is not the tree hash") != std::string::npos);
  }
  SUBCASE("a tampered note, another key, a size that does not match") {
    CheckpointChecker checker(key.verifier(), false);
    std::string tampered = signed_checkpoint(key, 7, log.root(7));
    tampered.replace(tampered.find("\n7\n"), 3, "\n8\n");
    auto step = checker.check(8, tampered, std::nullopt);
    REQUIRE(step.has_value());
    CHECK(std::get<CheckpointChecker::Rejected>(*step).reason.find("bad signature") != std::string::npos);

    const auto other = note::SigningKey::generate("test.local/log");
    step = checker.check(7, signed_checkpoint(other, 7, log.root(7)), std::nullopt);
    REQUIRE(step.has_value());
    CHECK(std::get<CheckpointChecker::Rejected>(*step).reason.find("bad signature") != std::string::npos);

    step = checker.check(7, signed_checkpoint(key, 7, log.root(7)), 9);
    REQUIRE(step.has_value());
    CHECK(std::get<CheckpointChecker::Rejected>(*step).reason.find("must cover exactly") != std::string::npos);
    step = checker.check(6, signed_checkpoint(key, 7, log.root(7)), std::nullopt);
    REQUIRE(step.has_value());
    CHECK(std::get<CheckpointChecker::Rejected>(*step).reason.find("says size 7") != std::string::npos);
    CHECK(checker.accepted() == 0);
  }
}

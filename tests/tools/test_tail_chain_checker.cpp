#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/sha256.h"
#include "tools/tail/chain_checker.h"

using dais::tail::ChainChecker;
using dais::tail::EventEntry;

namespace {

const std::string kZeros(64, '0');

// A chain of stored events shaped like the log's: seq, type, step, prev, data.
struct Stored {
  std::uint64_t seq;
  std::string bytes;
  std::string hash;
};

std::vector<Stored> make_chain(std::size_t count) {
  std::vector<Stored> chain;
  std::string prev = kZeros;
  for (std::uint64_t seq = 0; seq < count; ++seq) {
    const std::string type = seq == 0 ? "RunStarted" : (seq % 2 ? "VoteCast" : "StepCompleted");
    std::string bytes = R"({"seq":)" + std::to_string(seq) + R"(,"type":")" + type + R"(","step":)" +
                        std::to_string(seq / 3) + R"(,"prev":")" + prev + R"(","data":{"n":)" + std::to_string(seq) + "}}";
    const std::string hash = dais::to_hex(dais::sha256(bytes));
    chain.push_back({seq, std::move(bytes), hash});
    prev = hash;
  }
  return chain;
}

EventEntry entry_of(const Stored& s) { return EventEntry{s.seq, s.hash, s.bytes}; }

}  // namespace

TEST_CASE("full chain: an intact chain passes") {
  const auto chain = make_chain(6);
  ChainChecker checker(ChainChecker::Mode::full_chain);
  for (const auto& s : chain) CHECK_FALSE(checker.check(entry_of(s)).has_value());
  CHECK(checker.checked() == 6);
  CHECK_FALSE(checker.first_prev_unchecked());
}

TEST_CASE("full chain: a changed byte, a wrong hash, a gap, a bad link or a bad seq are each caught") {
  const auto chain = make_chain(4);
  auto run_until_break = [&](std::vector<EventEntry> entries) -> std::string {
    ChainChecker checker(ChainChecker::Mode::full_chain);
    for (const auto& e : entries) {
      if (auto problem = checker.check(e)) return *problem;
    }
    return "";
  };

  std::string tampered = chain[2].bytes;
  tampered.replace(tampered.find(R"("n":2)"), 5, R"("n":3)");
  CHECK(run_until_break({entry_of(chain[0]), entry_of(chain[1]), EventEntry{2, chain[2].hash, tampered}})
            .find("hash mismatch") == 0);

  CHECK(run_until_break({entry_of(chain[0]), EventEntry{1, chain[0].hash, chain[1].bytes}}).find("hash mismatch") == 0);

  CHECK(run_until_break({entry_of(chain[0]), entry_of(chain[1]), entry_of(chain[3])}).find("gap: expected seq 2") == 0);

  // A well-hashed event whose prev points elsewhere.
  const std::string relinked = R"({"seq":1,"type":"VoteCast","step":0,"prev":")" + std::string(64, 'a') + R"(","data":{}})";
  const std::string broken =
      run_until_break({entry_of(chain[0]), EventEntry{1, dais::to_hex(dais::sha256(relinked)), relinked}});
  CHECK(broken.find("broken link") == 0);
  CHECK(broken.find(chain[0].hash) != std::string::npos);

  // The envelope's seq and the event's own seq disagree.
  CHECK(run_until_break({entry_of(chain[0]), EventEntry{2, chain[1].hash, chain[1].bytes}}).find("own seq is 1") !=
        std::string::npos);

  const std::string bad_genesis = R"({"seq":0,"type":"RunStarted","step":0,"prev":")" + std::string(64, '1') + R"(","data":{}})";
  CHECK(run_until_break({EventEntry{0, dais::to_hex(dais::sha256(bad_genesis)), bad_genesis}}).find("64 zeros") !=
        std::string::npos);

  const std::string no_prev = R"({"seq":0,"type":"RunStarted","step":0,"data":{}})";
  CHECK(run_until_break({EventEntry{0, dais::to_hex(dais::sha256(no_prev)), no_prev}}).find("prev") != std::string::npos);

  const std::string not_object = "[1]";
  CHECK(run_until_break({EventEntry{0, dais::to_hex(dais::sha256(not_object)), not_object}}).find("not a JSON object") !=
        std::string::npos);
}

TEST_CASE("full chain: starting mid-chain leaves only the first prev unchecked") {
  const auto chain = make_chain(5);
  ChainChecker checker(ChainChecker::Mode::full_chain);
  CHECK_FALSE(checker.check(entry_of(chain[2])).has_value());
  CHECK(checker.first_prev_unchecked());
  CHECK_FALSE(checker.check(entry_of(chain[3])).has_value());
  CHECK(checker.check(entry_of(chain[3])).has_value());  // a repeat is not the next seq
}

TEST_CASE("hashes only: sparse increasing seqs of the asked types pass; others do not") {
  const auto chain = make_chain(8);
  {
    ChainChecker checker(ChainChecker::Mode::hashes_only, {"VoteCast"});
    CHECK_FALSE(checker.check(entry_of(chain[1])).has_value());
    CHECK_FALSE(checker.check(entry_of(chain[5])).has_value());
    const auto wrong_type = checker.check(entry_of(chain[6]));
    REQUIRE(wrong_type.has_value());
    CHECK(wrong_type->find("StepCompleted") != std::string::npos);
  }
  {
    ChainChecker checker(ChainChecker::Mode::hashes_only, {"VoteCast", "StepCompleted"});
    CHECK_FALSE(checker.check(entry_of(chain[4])).has_value());
    const auto backwards = checker.check(entry_of(chain[3]));
    REQUIRE(backwards.has_value());
    CHECK(backwards->find("not increasing") != std::string::npos);
  }
  {
    ChainChecker checker(ChainChecker::Mode::hashes_only);
    EventEntry forged = entry_of(chain[7]);
    forged.hash = chain[6].hash;
    CHECK(checker.check(forged).value_or("").find("hash mismatch") == 0);
  }
}

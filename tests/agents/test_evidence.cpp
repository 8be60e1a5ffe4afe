// Later evidence about an accepted signature (agents/evidence.h): the judgement an agent's own
// scored blocked flows support, and the revocation rule.
#include <doctest/doctest.h>

#include "agents/evidence.h"

using dais::agents::EvidenceCount;
using dais::agents::judge;
using dais::agents::kMinDisputes;
using dais::agents::should_revoke;
using dais::agents::ValidatorViewParams;
using dais::agents::Verdict;

TEST_CASE("the validator's own standing rule decides a judgement") {
  CHECK(judge(EvidenceCount{0, 0}) == Verdict::none);
  CHECK(judge(EvidenceCount{2, 0}) == Verdict::none);       // too few clean flows to call it benign
  CHECK(judge(EvidenceCount{3, 0}) == Verdict::dispute);    // the source behaves benignly here
  CHECK(judge(EvidenceCount{18, 2}) == Verdict::dispute);   // 10 % flagged: still benign
  CHECK(judge(EvidenceCount{17, 3}) == Verdict::none);      // 15 %: noisy, neither
  CHECK(judge(EvidenceCount{0, 3}) == Verdict::corroborate);  // seen attacking
  CHECK(judge(EvidenceCount{3, 3}) == Verdict::corroborate);  // half flagged
  CHECK(judge(EvidenceCount{4, 3}) == Verdict::none);
  ValidatorViewParams strict;
  strict.benign_min_clean = 10;
  CHECK(judge(EvidenceCount{9, 0}, strict) == Verdict::none);
  CHECK(judge(EvidenceCount{10, 0}, strict) == Verdict::dispute);
}

TEST_CASE("a revocation needs several disputes that outweigh the corroborations") {
  CHECK(kMinDisputes == 2);
  CHECK_FALSE(should_revoke(1, 2.0, 0.0));  // one agent alone, whatever its weight
  CHECK(should_revoke(2, 2.0, 0.0));
  CHECK(should_revoke(2, 2.0, 1.9));
  CHECK_FALSE(should_revoke(2, 2.0, 2.0));  // a tie keeps the entry
  CHECK_FALSE(should_revoke(3, 0.3, 1.0));  // low-reputation disputers do not outweigh one trusted witness
}

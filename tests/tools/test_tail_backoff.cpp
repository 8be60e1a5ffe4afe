#include <doctest/doctest.h>

#include "tools/tail/backoff.h"

using dais::tail::Backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("Backoff: 100 ms doubling to a 5 s cap, reset starts over") {
  Backoff backoff;
  const long expected[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
  for (long e : expected) CHECK(backoff.next() == ms(e));
  backoff.reset();
  CHECK(backoff.next() == ms(100));
  CHECK(backoff.next() == ms(200));
}

TEST_CASE("Backoff: a cap below the first delay never shortens it") {
  Backoff backoff(ms(300), ms(10));
  CHECK(backoff.next() == ms(300));
  CHECK(backoff.next() == ms(300));
}

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <utility>

#include "common/base64.h"
#include "common/random.h"
#include "common/sha256.h"

TEST_CASE("sha256 matches the FIPS 180-2 test vector for 'abc'") {
  CHECK(dais::to_hex(dais::sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  dais::Sha256 incremental;
  incremental.update("a");
  incremental.update("bc");
  CHECK(incremental.finish() == dais::sha256("abc"));
}

TEST_CASE("hex round trip and rejection of malformed hex") {
  const auto d = dais::sha256("x");
  CHECK(dais::digest_from_hex(dais::to_hex(d)) == d);
  CHECK_FALSE(dais::digest_from_hex("abc").has_value());
  CHECK_FALSE(dais::digest_from_hex(std::string(64, 'g')).has_value());
}

TEST_CASE("random streams are pure functions of their keys") {
  dais::Stream a(7, dais::Purpose::traffic, 3, 10);
  dais::Stream b(7, dais::Purpose::traffic, 3, 10);
  dais::Stream c(7, dais::Purpose::traffic, 10, 3);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next_u64();
    CHECK(x == b.next_u64());
    CHECK(x != c.next_u64());
  }
}

TEST_CASE("uniform, below and normal have the expected ranges and moments") {
  dais::Stream s(1, dais::Purpose::test);
  double sum = 0, sum2 = 0;
  const int n = 200000;
  std::set<std::uint64_t> seen;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    const auto k = s.below(10);
    REQUIRE(k < 10);
    seen.insert(k);
    const double z = s.normal();
    sum += z;
    sum2 += z * z;
  }
  CHECK(seen.size() == 10);
  CHECK(sum / n == doctest::Approx(0.0).epsilon(0.01).scale(1.0));
  CHECK(sum2 / n == doctest::Approx(1.0).epsilon(0.02));
}

TEST_CASE("base64 matches RFC 4648's test vectors and refuses non-canonical text") {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(dais::base64_encode(plain) == encoded);
    CHECK(dais::base64_decode(encoded) == std::optional<std::string>(plain));
  }
  for (const char* bad : {"Zg=", "Zh==", "Zm9=", "Z===", "Zg==Zg==", "Zm9v!A==", "Zm 9"}) {
    CAPTURE(bad);
    CHECK_FALSE(dais::base64_decode(bad).has_value());
  }
}

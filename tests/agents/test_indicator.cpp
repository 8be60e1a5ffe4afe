// Prefix indicators: text form, strict parsing, and a blacklist that matches a
// source against its run's prefix (/24 blocks a.b.c.x, not a.b.(c+1).x; /32 is exact).
#include <doctest/doctest.h>

#include <stdexcept>

#include "agents/blacklist.h"
#include "agents/features.h"
#include "agents/indicator.h"
#include "agents/signature.h"

using namespace dais::agents;

namespace {
std::uint32_t ip(const char* text) { return *parse_ipv4(text); }
}  // namespace

TEST_CASE("indicator text: dotted quad for /32, CIDR with host bits cleared otherwise") {
  CHECK(format_indicator(ip("198.51.100.7"), 32) == "198.51.100.7");
  CHECK(format_indicator(ip("198.51.100.7"), 24) == "198.51.100.0/24");
  CHECK(format_indicator(ip("198.51.100.7"), 8) == "198.0.0.0/8");
  CHECK(prefix_mask(0) == 0u);
  CHECK(prefix_mask(32) == 0xFFFFFFFFu);
  CHECK_THROWS_AS(prefix_mask(33), std::invalid_argument);
}

TEST_CASE("parse_indicator_ipv4 accepts an address or a clean prefix and nothing else") {
  const auto one = parse_indicator_ipv4("198.51.100.7");
  REQUIRE(one);
  CHECK(one->prefix_len == 32);
  const auto net = parse_indicator_ipv4("198.51.100.0/24");
  REQUIRE(net);
  CHECK(net->network == ip("198.51.100.0"));
  CHECK(net->prefix_len == 24);
  for (const char* bad : {"198.51.100.7/24", "198.51.100.0/", "198.51.100.0/33", "198.51.100.0/024",
                          "198.51.100.0/2a", "198.51.100/24", "198.51.100.0/24 ", "", "/24"}) {
    CHECK_MESSAGE(!parse_indicator_ipv4(bad), bad);
  }
}

TEST_CASE("a /24 blacklist blocks a.b.c.x but not a.b.(c+1).x; a /32 one only the address itself") {
  Blacklist wide(16, 24);
  CHECK(wide.add(ip("203.0.113.9"), 0, 10, "sig"));
  CHECK(wide.contains(ip("203.0.113.200"), 1));
  CHECK(wide.check_and_hit(ip("203.0.113.1"), 1));
  CHECK_FALSE(wide.check_and_hit(ip("203.0.114.9"), 1));
  CHECK_FALSE(wide.contains(ip("203.0.112.255"), 1));
  REQUIRE(wide.entries().size() == 1);
  CHECK(wide.entries().front().indicator == ip("203.0.113.0"));
  CHECK(wide.entries().front().hits == 1);
  CHECK_FALSE(wide.add(ip("203.0.113.77"), 2, 10, "sig2"));  // the same /24: a refresh, not a new entry
  CHECK(wide.remove(ip("203.0.113.5")));
  CHECK(wide.size() == 0);

  Blacklist exact(16);
  exact.add(ip("203.0.113.9"), 0, 10, "sig");
  CHECK(exact.contains(ip("203.0.113.9"), 1));
  CHECK_FALSE(exact.contains(ip("203.0.113.10"), 1));
}

TEST_CASE("signatures group flagged flows by their source's prefix and name it in their id") {
  std::vector<Flow> flows;
  for (const char* a : {"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.114.1"}) {
    Flow f;
    f.source = ip(a);
    flows.push_back(f);
  }
  const std::vector<double> scores(flows.size(), 0.9);
  const auto per_address = extract_signatures(flows, scores, 0.5, SignatureParams{1, 32});
  CHECK(per_address.size() == 4);
  const auto per_prefix = extract_signatures(flows, scores, 0.5, SignatureParams{3, 24});
  REQUIRE(per_prefix.size() == 1);  // 203.0.114.0/24 has one flow, below min_observations
  CHECK(per_prefix.front().indicator == ip("203.0.113.0"));
  CHECK(per_prefix.front().prefix_len == 24);
  CHECK(per_prefix.front().observations == 3);
  CHECK(per_prefix.front().id == signature_id(ip("203.0.113.0"), per_prefix.front().centroid, 24));
  CHECK(per_prefix.front().id != signature_id(ip("203.0.113.0"), per_prefix.front().centroid, 32));
  const auto widened = widen_signature(per_address.front(), 24);
  CHECK(widened.indicator == ip("203.0.113.0"));
  CHECK(widened.id == per_prefix.front().id);  // same centroid class, same prefix
}

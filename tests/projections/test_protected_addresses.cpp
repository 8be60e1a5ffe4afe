#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "projections/protected_addresses.h"

using dais::projections::is_protected;
using dais::projections::protected_entry_error;
using dais::projections::ProtectedAddresses;

TEST_CASE("exact addresses") {
  const std::vector<std::string> list = {"10.0.0.1", "192.168.1.53", "fd00::53"};
  CHECK(is_protected("10.0.0.1", list));
  CHECK(is_protected("192.168.1.53", list));
  CHECK_FALSE(is_protected("10.0.0.2", list));
  CHECK_FALSE(is_protected("10.0.0.10", list));
  CHECK(is_protected("fd00:0:0::53", list));  // compared as addresses, not text
  CHECK_FALSE(is_protected("fd00::54", list));
  CHECK_FALSE(is_protected("10.0.0.1", {}));
}

TEST_CASE("CIDR prefixes") {
  const std::vector<std::string> list = {"10.0.0.0/24", "172.16.0.0/12", "192.168.4.0/22", "8.8.8.8/32",
                                         "fd00:1::/64"};
  CHECK(is_protected("10.0.0.0", list));
  CHECK(is_protected("10.0.0.255", list));
  CHECK_FALSE(is_protected("10.0.1.0", list));
  CHECK(is_protected("172.31.255.1", list));
  CHECK_FALSE(is_protected("172.32.0.1", list));
  CHECK(is_protected("192.168.7.200", list));
  CHECK_FALSE(is_protected("192.168.8.1", list));
  CHECK_FALSE(is_protected("192.168.3.255", list));
  CHECK(is_protected("8.8.8.8", list));
  CHECK_FALSE(is_protected("8.8.8.9", list));
  CHECK(is_protected("fd00:1::abcd", list));
  CHECK_FALSE(is_protected("fd00:2::1", list));
  // Host bits below the prefix are ignored.
  CHECK(is_protected("10.9.9.1", {"10.9.9.77/24"}));
  // /0 covers its own family only.
  CHECK(is_protected("203.0.113.9", {"0.0.0.0/0"}));
  CHECK_FALSE(is_protected("::1", {"0.0.0.0/0"}));
}

TEST_CASE("indicators that are not addresses match nothing") {
  const std::vector<std::string> list = {"10.0.0.0/8"};
  CHECK_FALSE(is_protected("", list));
  CHECK_FALSE(is_protected("10.0.0", list));
  CHECK_FALSE(is_protected("gateway", list));
}

TEST_CASE("a prefix indicator is protected when it overlaps a protected entry (it would block one)") {
  CHECK(is_protected("10.0.0.1/32", {"10.0.0.0/8"}));
  CHECK(is_protected("192.0.2.0/24", {"192.0.2.53"}));        // covers a protected address
  CHECK(is_protected("10.1.2.0/24", {"10.0.0.0/8"}));         // lies inside a protected prefix
  CHECK(is_protected("10.0.0.0/8", {"10.200.1.0/24"}));       // covers a protected prefix
  CHECK_FALSE(is_protected("192.0.3.0/24", {"192.0.2.53"}));  // the neighbouring /24
  CHECK_FALSE(is_protected("11.0.0.0/8", {"10.0.0.0/8"}));
  CHECK_FALSE(is_protected("10.0.0.0/33", {"10.0.0.0/8"}));   // not a prefix: matches nothing
}

TEST_CASE("malformed entries are refused with a message naming them") {
  const std::vector<std::string> bad = {"10.0.0.0/33", "10.0.0/24", "abc",         "10.0.0.0/",   "10.0.0.0/-1",
                                        "10.0.0.0/ 8", "10.0.0.0/24/1", "256.0.0.1", "",            "fd00::/129",
                                        " 10.0.0.1",   "10.0.0.0/0x8", "10.0.0.0/0008"};
  for (const auto& entry : bad) {
    CAPTURE(entry);
    const auto error = protected_entry_error(entry);
    REQUIRE(error.has_value());
    const std::string quoted = std::string(1, '\'').append(entry).append(1, '\'');
    CHECK(error->find(quoted) != std::string::npos);
    CHECK_THROWS_AS(is_protected("10.0.0.1", {"10.0.0.1", entry}), std::invalid_argument);
    CHECK_THROWS_AS(ProtectedAddresses({entry}), std::invalid_argument);
  }
  for (const char* good : {"10.0.0.0/8", "10.0.0.0/0", "10.0.0.1", "::1", "fd00::/128", "10.0.0.0/32"}) {
    CAPTURE(good);
    CHECK_FALSE(protected_entry_error(good).has_value());
  }
}

TEST_CASE("a parsed set answers like the one-off check") {
  const std::vector<std::string> list = {"10.1.0.0/16", "192.0.2.1"};
  const ProtectedAddresses set(list);
  for (const char* ip : {"10.1.2.3", "10.2.0.1", "192.0.2.1", "192.0.2.2"}) {
    CAPTURE(ip);
    CHECK(set.contains(ip) == is_protected(ip, list));
  }
  CHECK(ProtectedAddresses().empty());
  CHECK_FALSE(ProtectedAddresses().contains("10.1.2.3"));
}

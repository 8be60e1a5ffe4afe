// Protected addresses: indicators no signature may blacklist (gateways, DNS
// servers...). A proposal whose indicator is protected is rejected by rule,
// reason "protected_address", without a vote.
// Entries are exact IPv4/IPv6 addresses ("10.0.0.1", "fd00::53") or CIDR
// prefixes ("10.0.0.0/24", "fd00::/64"). Host bits below the prefix are
// ignored ("10.0.0.7/24" means 10.0.0.0/24), as iptables does. Anything else
// (a bad address, a missing or out-of-range prefix length, a stray space) is
// a malformed entry. Matching compares parsed addresses, so "fd00::0:53" and
// "fd00::53" are the same; an indicator that is not an address matches nothing.
// An indicator may itself be a prefix ("198.51.100.0/24", from prefix
// signatures): it is protected when it overlaps a protected entry, i.e. it
// would block some protected address. Such a signature is rejected whole (not
// narrowed), so an accepted prefix never covers a protected address.
// Pure; thread-safe. Malformed entries throw std::invalid_argument naming the entry.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dais::projections {

// Why `entry` is malformed, or nullopt when it is a valid address or prefix (for config validation).
std::optional<std::string> protected_entry_error(std::string_view entry);

// A parsed allowlist; build once, query per proposal.
class ProtectedAddresses {
 public:
  ProtectedAddresses() = default;
  // Throws std::invalid_argument for the first malformed entry.
  explicit ProtectedAddresses(const std::vector<std::string>& allowlist);
  bool contains(std::string_view indicator) const;
  bool empty() const { return prefixes_.empty(); }

 private:
  struct Prefix {
    bool v6 = false;
    std::array<std::uint8_t, 16> bytes{};
    unsigned length = 0;  // prefix bits
  };
  std::vector<Prefix> prefixes_;
};

// One-off check: parses `allowlist` and tests `indicator`. Throws std::invalid_argument for a malformed entry.
bool is_protected(std::string_view indicator, const std::vector<std::string>& allowlist);

}  // namespace dais::projections

#include "projections/protected_addresses.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <stdexcept>

namespace dais::projections {

namespace {

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
};

// inet_pton: strict dotted quads for IPv4 (no leading "+", no short forms), RFC 4291 text for IPv6.
std::optional<Address> parse_address(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string z(text);  // inet_pton needs a terminated string
  Address a;
  if (inet_pton(AF_INET, z.c_str(), a.bytes.data()) == 1) return a;
  if (inet_pton(AF_INET6, z.c_str(), a.bytes.data()) == 1) {
    a.v6 = true;
    return a;
  }
  return std::nullopt;
}

bool prefix_matches(const std::array<std::uint8_t, 16>& net, const std::array<std::uint8_t, 16>& addr,
                    unsigned length) {
  unsigned i = 0;
  for (; length >= 8; length -= 8, ++i) {
    if (net[i] != addr[i]) return false;
  }
  if (length == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xFF00u >> length);
  return (net[i] & mask) == (addr[i] & mask);
}

// Parses an entry or returns the reason it is malformed.
struct ParsedEntry {
  std::optional<Address> address;
  unsigned length = 0;
  std::string error;
};

ParsedEntry parse_entry(std::string_view entry) {
  ParsedEntry out;
  const auto slash = entry.find('/');
  const auto address_text = entry.substr(0, slash);
  out.address = parse_address(address_text);
  if (!out.address) {
    // Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
    out.error.append("'").append(address_text).append("' is not an IPv4 or IPv6 address");
    return out;
  }
  const unsigned max_length = out.address->v6 ? 128 : 32;
  out.length = max_length;
  if (slash == std::string_view::npos) return out;
  const auto length_text = entry.substr(slash + 1);
  unsigned length = 0;
  const auto* end = length_text.data() + length_text.size();
  const auto [ptr, ec] = std::from_chars(length_text.data(), end, length);
  if (length_text.empty() || length_text.size() > 3 || ec != std::errc{} || ptr != end || length > max_length) {
    out.address.reset();
    out.error.append("prefix length '").append(length_text).append("' is not a number from 0 to ");
    out.error.append(std::to_string(max_length));
    return out;
  }
  out.length = length;
  return out;
}

}  // namespace

std::optional<std::string> protected_entry_error(std::string_view entry) {
  auto parsed = parse_entry(entry);
  if (parsed.address) return std::nullopt;
  return "protected address '" + std::string(entry) + "': " + parsed.error;
}

ProtectedAddresses::ProtectedAddresses(const std::vector<std::string>& allowlist) {
  for (const auto& entry : allowlist) {
    auto parsed = parse_entry(entry);
    if (!parsed.address) throw std::invalid_argument("protected address '" + entry + "': " + parsed.error);
    prefixes_.push_back(Prefix{parsed.address->v6, parsed.address->bytes, parsed.length});
  }
}

bool ProtectedAddresses::contains(std::string_view indicator) const {
  if (prefixes_.empty()) return false;
  const auto parsed = parse_entry(indicator);
  if (!parsed.address) return false;
  // Two prefixes overlap exactly when they agree on the shorter one's bits: a prefix indicator
  // that covers any protected address (or lies inside a protected prefix) is protected.
  for (const auto& p : prefixes_) {
    if (p.v6 == parsed.address->v6 && prefix_matches(p.bytes, parsed.address->bytes, std::min(p.length, parsed.length))) {
      return true;
    }
  }
  return false;
}

bool is_protected(std::string_view indicator, const std::vector<std::string>& allowlist) {
  if (allowlist.empty()) return false;
  return ProtectedAddresses(allowlist).contains(indicator);
}

}  // namespace dais::projections

// What a signature blocks: one IPv4 address (/32) or a prefix (e.g. /24) of
// them. An indicator is kept as its network address (host bits zero) plus the
// prefix length; its text is the dotted quad for /32 ("198.51.100.7") and CIDR
// otherwise ("198.51.100.0/24"), so logs of /32 runs keep their old form.
// A run uses one prefix length (consensus.signature_prefix) for everything it
// blocks, so matching a source is one mask and one lookup.
// Pure functions; thread-safe; no I/O. Lengths outside 0..32 throw std::invalid_argument.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dais::agents {

inline constexpr unsigned kMinSignaturePrefix = 8;   // shortest prefix a signature may cover
inline constexpr unsigned kMaxSignaturePrefix = 32;  // one address

// Netmask of a prefix length: 24 -> 0xFFFFFF00, 0 -> 0.
std::uint32_t prefix_mask(unsigned prefix_len);
// `address` with the host bits below `prefix_len` cleared: the indicator covering it.
std::uint32_t indicator_of(std::uint32_t address, unsigned prefix_len);
// True when `address` lies inside the indicator (network, prefix_len).
bool covers(std::uint32_t network, unsigned prefix_len, std::uint32_t address);

// "a.b.c.d" for /32, "a.b.c.0/len" otherwise (host bits are cleared first).
std::string format_indicator(std::uint32_t address, unsigned prefix_len);

struct ParsedIpv4Indicator {
  std::uint32_t network = 0;  // host bits cleared
  unsigned prefix_len = 32;
};
// Strict: a dotted quad (parse_ipv4) optionally followed by "/len" with len a
// decimal 0..32 without leading zeros, and no host bits set below len;
// nullopt otherwise.
std::optional<ParsedIpv4Indicator> parse_indicator_ipv4(std::string_view text);

}  // namespace dais::agents

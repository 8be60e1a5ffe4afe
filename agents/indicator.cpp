#include "agents/indicator.h"

#include <stdexcept>

#include "agents/features.h"

namespace dais::agents {

std::uint32_t prefix_mask(unsigned prefix_len) {
  if (prefix_len > 32) throw std::invalid_argument("prefix length must be 0..32");
  // A shift by 32 is undefined for a 32-bit value: /0 is the one special case.
  return prefix_len == 0 ? 0u : ~std::uint32_t{0} << (32 - prefix_len);
}

std::uint32_t indicator_of(std::uint32_t address, unsigned prefix_len) { return address & prefix_mask(prefix_len); }

bool covers(std::uint32_t network, unsigned prefix_len, std::uint32_t address) {
  const auto mask = prefix_mask(prefix_len);
  return (address & mask) == (network & mask);
}

std::string format_indicator(std::uint32_t address, unsigned prefix_len) {
  const auto network = indicator_of(address, prefix_len);
  if (prefix_len == 32) return format_ipv4(network);
  return format_ipv4(network) + "/" + std::to_string(prefix_len);
}

std::optional<ParsedIpv4Indicator> parse_indicator_ipv4(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = parse_ipv4(text.substr(0, slash));
  if (!address) return std::nullopt;
  if (slash == std::string_view::npos) return ParsedIpv4Indicator{*address, 32};
  const auto length = text.substr(slash + 1);
  if (length.empty() || length.size() > 2 || (length.size() == 2 && length[0] == '0')) return std::nullopt;
  unsigned value = 0;
  for (const char c : length) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 32 || indicator_of(*address, value) != *address) return std::nullopt;
  return ParsedIpv4Indicator{*address, value};
}

}  // namespace dais::agents

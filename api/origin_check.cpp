#include "api/origin_check.h"

#include <algorithm>

namespace dais::api {
namespace {

// Scheme and host are case-insensitive (RFC 6454); a browser sends them lower-case.
bool same_text(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

bool same_origin(std::string_view origin, std::string_view host) {
  if (host.empty()) return false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() == scheme.size() + host.size() && same_text(origin.substr(0, scheme.size()), scheme) &&
        same_text(origin.substr(scheme.size()), host))
      return true;
  }
  return false;
}

}  // namespace

bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
  if (origin.empty() || same_origin(origin, host)) return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [origin](const std::string& a) { return a == "*" || same_text(a, origin); });
}

}  // namespace dais::api

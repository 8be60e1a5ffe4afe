#include "tools/tail/ws_url.h"

#include <stdexcept>

namespace dais::tail {

namespace {

std::uint16_t parse_port(std::string_view text, std::string_view url) {
  if (text.empty() || text.size() > 5) throw std::invalid_argument("bad port in '" + std::string(url) + "'");
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw std::invalid_argument("bad port in '" + std::string(url) + "'");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) {
    throw std::invalid_argument("port out of range 1..65535 in '" + std::string(url) + "'");
  }
  return static_cast<std::uint16_t>(value);
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == '_';
}

}  // namespace

std::string WsUrl::host_header() const {
  const std::string name = host.find(':') == std::string::npos ? host : "[" + host + "]";
  return port == 80 ? name : name + ":" + std::to_string(port);
}

WsUrl parse_ws_url(std::string_view url) {
  constexpr std::string_view scheme = "ws://";
  std::string quoted(1, '\'');  // built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + string
  quoted.append(url).push_back('\'');
  if (url.starts_with("wss://")) throw std::invalid_argument("wss:// (TLS) is not supported: " + quoted);
  if (!url.starts_with(scheme)) throw std::invalid_argument("expected ws://HOST:PORT, got " + quoted);
  std::string_view rest = url.substr(scheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    throw std::invalid_argument("the URL must not carry a query or fragment (use --from and --types): " + quoted);
  }
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    throw std::invalid_argument("user info is not supported (use --token): " + quoted);
  }

  WsUrl result;
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("unclosed IPv6 bracket in " + quoted);
    result.host = std::string(authority.substr(1, close - 1));
    for (char c : result.host) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') throw std::invalid_argument("bad IPv6 address in " + quoted);
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw std::invalid_argument("unexpected text after ']' in " + quoted);
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = authority.find(':');
    result.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    for (char c : result.host) {
      if (!is_host_char(c)) throw std::invalid_argument("bad character in host name of " + quoted);
    }
  }
  if (result.host.empty()) throw std::invalid_argument("no host in " + quoted);
  if (has_port) result.port = parse_port(port_text, url);
  if (!path.empty() && path != "/") {
    for (char c : path) {
      if (c <= ' ' || c >= 127) throw std::invalid_argument("bad character in path of " + quoted);
    }
    result.path = std::string(path);
  }
  return result;
}

std::string stream_target(const WsUrl& url, std::uint64_t from, const std::set<std::string, std::less<>>& types,
                          bool checkpoints) {
  std::string target = url.path + "?from=" + std::to_string(from);
  if (!types.empty()) {
    target += "&types=";
    bool first = true;
    for (const auto& type : types) {
      if (!first) target += ',';
      target += type;
      first = false;
    }
  }
  if (checkpoints) target += "&checkpoints=1";
  return target;
}

}  // namespace dais::tail

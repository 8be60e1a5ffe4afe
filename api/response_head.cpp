#include "api/response_head.h"

#include <array>
#include <string_view>

#include <boost/beast/http/status.hpp>  // reason phrases only: a small header, no Beast templates

namespace dais::api {

namespace {

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  const std::size_t at = out.size();
  out += value;
  for (std::size_t i = at; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out += "\r\n";
}

}  // namespace

void write_response_head(const HttpResponse& response, const ResponseFraming& framing, std::string& out) {
  out += framing.version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  out.append(reason.data(), reason.size());
  out += "\r\n";

  // Defaults a response header of the same name replaces.
  struct Default {
    std::string_view name;
    std::string_view value;
  };
  std::array<Default, 5> defaults{{{"Server", "dais"},
                                   {"Content-Type", response.content_type},
                                   {"Cache-Control", "no-store"},
                                   {"Access-Control-Allow-Origin", framing.cors_origin},
                                   {"Vary", framing.cors_origin.empty() ? std::string_view() : "Origin"}}};
  for (const Default& d : defaults) {
    if (d.value.empty()) continue;
    bool replaced = false;
    for (const auto& [name, value] : response.headers) replaced = replaced || same_name(name, d.name);
    if (!replaced) append_header(out, d.name, d.value);
  }
  bool connection_set = false;
  for (const auto& [name, value] : response.headers) {
    append_header(out, name, value);
    connection_set = connection_set || same_name(name, "Connection");
  }
  out += "Content-Length: ";
  out += std::to_string(response.body.size());
  out += "\r\n";
  if (!connection_set) {
    // HTTP/1.1 keeps the connection unless told; HTTP/1.0 closes it unless told.
    if (framing.version == 10 && framing.keep_alive) out += "Connection: keep-alive\r\n";
    if (framing.version != 10 && !framing.keep_alive) out += "Connection: close\r\n";
  }
  out += "\r\n";
}

}  // namespace dais::api

// The status line and header block of an HTTP/1.1 response, written directly
// (a few appends) rather than through Beast's serializer: on GET /v1/chain the
// generic serializer cost as much as routing and answering the request.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/router.h"

namespace dais::api {

struct ResponseFraming {
  unsigned version = 11;     // of the request: 10 or 11
  bool keep_alive = true;    // keep the connection open after this response
  std::string_view cors_origin;  // api.cors_origin; empty = no CORS headers
};

// Appends to `out` the head of `response` (status line, Server, Content-Type,
// Cache-Control: no-store, CORS headers when configured, the response's own
// headers (replacing a default of the same name), Content-Length of its body,
// Connection as keep_alive and version require) and the blank line. CR and LF
// inside values are replaced by spaces, so no value can add a header.
void write_response_head(const HttpResponse& response, const ResponseFraming& framing, std::string& out);

}  // namespace dais::api

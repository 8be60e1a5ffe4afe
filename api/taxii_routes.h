// The TAXII 2.1 read-only routes under /taxii2/ (docs/API.md "TAXII 2.1"): discovery, the API root
// "dais", its collections (one per served run), objects, manifest, one object and its versions. The
// resources come from intel/taxii.h; this file maps paths, the Accept header (406 when it does not admit
// application/taxii+json;version=2.1), status codes and the X-TAXII-Date-Added-First/Last headers.
// Every response, errors included, is application/taxii+json;version=2.1; errors are TAXII error
// messages (title, description, http_status). Paginated responses also carry X-DAIS-Next: the cursor of
// their last object (the envelope's `next` exists only while `more` is true, and the manifest and
// versions resources have no `next` property), so a client polling a live run resumes exactly.
// The server's rate limit, header and body limits apply as to every route; like the other reads, the
// routes need no token.
// Beast-free; thread-safe (reads an immutable projections snapshot per request).
#pragma once

#include <string_view>

#include "api/backend.h"
#include "api/query.h"
#include "api/router.h"
#include "api/server.h"

namespace dais::api {

inline constexpr std::string_view kTaxiiApiRoot = "dais";

// True for "/taxii2" and everything under "/taxii2/".
bool is_taxii_path(std::string_view path);
// The metrics label of a TAXII path: its route pattern (a string literal), or "other".
std::string_view taxii_route_label(std::string_view path);

HttpResponse taxii_response(const HttpRequest& request, const Target& target, const Backend& backend,
                            const ServerOptions& options);

}  // namespace dais::api

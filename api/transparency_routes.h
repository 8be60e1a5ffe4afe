// The transparency-log routes (docs/API.md "Transparency log", docs/MERKLE.md):
// GET /checkpoint (the latest signed checkpoint), the tlog-tiles routes
// /tile/8/<L>/<N>[.p/<W>] and /tile/entries/<N>[.p/<W>] (immutable, cacheable),
// and the JSON proofs /v1/proof/inclusion and /v1/proof/consistency.
// Beast-free. Thread safety: pure functions of the backend's thread-safe reads.
// Errors: 400 for malformed input, 404 for what the tree does not hold (yet),
// 503 when no checkpoint has been signed; a BadRequest thrown here is a 400.
#pragma once

#include <optional>
#include <string_view>

#include "api/backend.h"
#include "api/query.h"
#include "api/router.h"

namespace dais::api {

// True when `path` is one of these routes.
bool is_transparency_path(std::string_view path);
// A short, bounded metrics label for such a path ("" when it is not one).
std::string_view transparency_route_label(std::string_view path);
// The response for a GET/HEAD of such a path.
HttpResponse transparency_response(const Backend& backend, const Target& target);

}  // namespace dais::api

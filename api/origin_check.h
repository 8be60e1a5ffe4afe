// Which browser pages may open the WebSocket stream (api.ws_allowed_origins).
// A browser sends Origin with every upgrade, and a WebSocket is not bound by
// the same-origin policy, so without this check any page the user visits
// could read the whole log from a server on the user's machine.
// Allowed: no Origin (not a browser: curl, dais-tail), an Origin equal to the
// server's own (http:// or https:// plus the Host header), an Origin in the
// list, or anything when the list holds "*". Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dais::api {

// origin: the Origin header ("" when absent); host: the Host header.
bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed);

}  // namespace dais::api

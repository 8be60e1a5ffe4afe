// The OpenAPI 3 document of the API (api/openapi.json, embedded at build time).
#pragma once

#include <string_view>

namespace dais::api {
std::string_view openapi_json();
}

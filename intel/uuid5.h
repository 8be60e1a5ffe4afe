// Name-based UUIDs, version 5 (RFC 9562 section 5.5: SHA-1 of namespace bytes ‖ name, OpenSSL underneath),
// so exported STIX objects get the same id every time the same run is exported.
// Pure functions; thread-safe.
// Errors: std::invalid_argument when the namespace is not a UUID in its 36-character text form.
#pragma once

#include <string>
#include <string_view>

namespace dais::intel {

// The namespace of every DAIS export id (docs/API.md "Export ids"). Fixed forever: changing it changes every id.
inline constexpr std::string_view kExportNamespace = "5d1a1e3c-6b0e-4c1f-9a57-2f0d8a1b7c42";

// Lower-case 8-4-4-4-12 text of UUIDv5(namespace, name).
std::string uuid5(std::string_view namespace_uuid, std::string_view name);

}  // namespace dais::intel

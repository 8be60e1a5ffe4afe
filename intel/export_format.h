// The one entry point shared by dais-export and the HTTP export routes, so both give the same bytes:
// a format name and the projections in, the document out (JSON dumped with sorted keys and a final newline).
// Pure; thread-safe over a const Projections.
// Errors: ExportError (threat_list.h) when the projections cannot be exported.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "intel/threat_list.h"

namespace dais::intel {

enum class Format { stix, crowdsec, txt, csv };

// "stix", "crowdsec", "txt", "csv"; nullopt otherwise.
std::optional<Format> parse_format(std::string_view name);
inline constexpr const char* kFormatNames = "stix, crowdsec, txt, csv";
// The HTTP Content-Type of each format.
const char* content_type(Format format);

std::string render(Format format, const projections::Projections& projections, const ExportClock& clock = {});

}  // namespace dais::intel

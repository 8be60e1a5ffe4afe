#include "intel/export_format.h"

#include "intel/blocklists.h"
#include "intel/stix.h"

namespace dais::intel {

std::optional<Format> parse_format(std::string_view name) {
  if (name == "stix") return Format::stix;
  if (name == "crowdsec") return Format::crowdsec;
  if (name == "txt") return Format::txt;
  if (name == "csv") return Format::csv;
  return std::nullopt;
}

const char* content_type(Format format) {
  switch (format) {
    case Format::stix: return "application/stix+json;version=2.1";
    case Format::crowdsec: return "application/json";
    case Format::txt: return "text/plain; charset=utf-8";
    case Format::csv: return "text/csv; charset=utf-8";
  }
  return "application/octet-stream";
}

std::string render(Format format, const projections::Projections& projections, const ExportClock& clock) {
  const auto list = threat_list(projections);
  switch (format) {
    case Format::stix: return stix_bundle(list, clock).dump(2) + "\n";
    case Format::crowdsec: return crowdsec_decisions(list, clock).dump(2) + "\n";
    case Format::txt: return plain_blocklist(list);
    case Format::csv: return csv_blocklist(list, clock);
  }
  throw ExportError("unknown export format");
}

}  // namespace dais::intel

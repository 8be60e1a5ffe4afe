// The table of embedded dashboard files, generated at build time by
// embed_files.cmake from the bundle directory (file name -> bytes), sorted by
// name. Internal to api/dashboard; clients use api/dashboard_assets.h.
#pragma once

#include <cstddef>
#include <string_view>

namespace dais::api::dashboard {

struct EmbeddedFile {
  std::string_view name;   // "index.html", "app.<hash>.js", ...
  std::string_view bytes;
};

extern const EmbeddedFile embedded_files[];
extern const std::size_t embedded_file_count;

}  // namespace dais::api::dashboard

#include "server/run_errors.h"

namespace dais::server {

std::string Divergence::describe() const {
  std::string text = "replay diverges at seq " + std::to_string(seq);
  if (type.empty()) {
    text += ": the log ends there but the re-execution produced " + regenerated_type;
  } else if (regenerated_type.empty()) {
    text += " (" + type + "): the re-execution produced nothing there";
  } else if (type != regenerated_type) {
    text += ": logged " + type + ", regenerated " + regenerated_type;
  } else {
    text += " (" + type + ")";
  }
  if (!fields.empty()) {
    text += "; differing fields:";
    for (const auto& f : fields) text += " " + f;
  }
  return text;
}

}  // namespace dais::server

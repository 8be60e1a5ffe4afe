#include "projections/fold.h"

namespace dais::projections {

void fail(const events::Event& event, const std::string& what) {
  throw ProjectionError("event seq " + std::to_string(event.seq) + " (" + event.type + "): " + what);
}

}  // namespace dais::projections

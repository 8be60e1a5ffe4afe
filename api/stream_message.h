// The wire form of stream and REST event entries, built without re-serialising
// the stored bytes (they are embedded verbatim, so clients can hash them).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "eventstore/checkpointer.h"
#include "eventstore/store.h"

namespace dais::api {

// {"seq":N,"hash":"<64 hex>","event":<stored bytes>}
std::string stream_message(const eventstore::StoredEvent& event);

// {"signed_checkpoint":{"size":N,"note":"<the signed note text>"}}: the tree head signed after
// the events with seq < N (docs/API.md "Stream protocol"; sent to clients that ask for it).
std::string checkpoint_message(const eventstore::SignedCheckpoint& checkpoint);

// A set of event types; empty = everything.
struct TypeFilter {
  std::set<std::string, std::less<>> types;
  bool empty() const { return types.empty(); }
  bool accepts(std::string_view type) const { return types.empty() || types.contains(type); }
};

// Parses "A,B,C" (empty items ignored). Throws std::invalid_argument naming a
// malformed type name.
TypeFilter parse_type_filter(std::string_view csv);

}  // namespace dais::api

#include "api/transparency_routes.h"

#include "common/sha256.h"
#include "eventstore/checkpointer.h"
#include "eventstore/merkle.h"
#include "eventstore/tree_queries.h"

namespace dais::api {

namespace {

namespace merkle = eventstore::merkle;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";

nlohmann::json hex_list(const std::vector<merkle::Hash>& hashes) {
  auto out = nlohmann::json::array();
  for (const auto& h : hashes) out.push_back(to_hex(h));
  return out;
}

HttpResponse range_error(const eventstore::TreeRangeError& e, std::uint64_t tree_size) {
  return error_response(e.beyond_tree() ? 404 : 400, e.what(), {{"tree_size", tree_size}});
}

HttpResponse bytes_response(std::string body) {
  HttpResponse r;
  r.content_type = "application/octet-stream";
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control", std::string(kImmutable));
  return r;
}

HttpResponse hash_tile(const eventstore::Store& store, const merkle::TileId& tile) {
  const std::string stored = store.read_tile(tile.level, tile.index);
  const std::size_t have = stored.size() / 32;
  if (have < tile.width) {
    return error_response(404,
                          have == 0 ? "the tree has no such tile yet"
                                    : "the tile holds " + std::to_string(have) + " hashes, fewer than the " +
                                          std::to_string(tile.width) + " asked for",
                          {{"tile", merkle::tile_path(tile)}, {"tree_size", store.tree_size()}});
  }
  return bytes_response(stored.substr(0, std::size_t{tile.width} * 32));
}

// C2SP tlog-tiles entry bundle: each entry as a big-endian uint16 length and its bytes.
HttpResponse entry_tile(const eventstore::Store& store, const merkle::TileId& tile) {
  const std::uint64_t first = tile.index * merkle::kTileWidth;
  const std::uint64_t count = store.head().count;
  if (count < first + tile.width) {
    return error_response(404, "the log holds " + std::to_string(count) + " entries, too few for this tile",
                          {{"count", count}});
  }
  const auto events = store.read_range(first, tile.width);
  if (events.size() != tile.width) return error_response(404, "the log has no such entries", {{"count", count}});
  std::string body;
  for (const auto& e : events) {
    if (e.bytes.size() > 0xffff) {
      return error_response(409, "entry " + std::to_string(e.seq) +
                                     " is longer than an entry bundle allows (65535 bytes); read it from /v1/events");
    }
    body += static_cast<char>(e.bytes.size() >> 8);
    body += static_cast<char>(e.bytes.size() & 0xff);
    body += e.bytes;
  }
  return bytes_response(std::move(body));
}

}  // namespace

bool is_transparency_path(std::string_view path) {
  return path == "/checkpoint" || path.starts_with("/tile/") || path == "/v1/proof/inclusion" ||
         path == "/v1/proof/consistency";
}

std::string_view transparency_route_label(std::string_view path) {
  if (path == "/checkpoint") return "/checkpoint";
  if (path.starts_with("/tile/entries/")) return "/tile/entries/{N}";
  if (path.starts_with("/tile/")) return "/tile/8/{L}/{N}";
  if (path == "/v1/proof/inclusion") return "/v1/proof/inclusion";
  if (path == "/v1/proof/consistency") return "/v1/proof/consistency";
  return "";
}

HttpResponse transparency_response(const Backend& backend, const Target& target) {
  const std::string& path = target.path;
  const eventstore::Store& store = backend.store();
  if (path == "/checkpoint") {
    const auto latest = backend.checkpoint();
    if (!latest) return error_response(503, "no checkpoint has been signed yet");
    HttpResponse r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = latest->note;
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  if (path.starts_with("/tile/entries/")) {
    auto tile = merkle::parse_tile_path("tile/8/0/" + path.substr(std::string_view("/tile/entries/").size()));
    if (!tile) return error_response(400, "not a tile path: /tile/entries/<N>[.p/<W>] (N in x001/234 groups)");
    return entry_tile(store, *tile);
  }
  if (path.starts_with("/tile/")) {
    const auto tile = merkle::parse_tile_path(std::string_view(path).substr(1));
    if (!tile) return error_response(400, "not a tile path: /tile/8/<L>/<N>[.p/<W>] (N in x001/234 groups)");
    return hash_tile(store, *tile);
  }
  const std::uint64_t tree_size = store.tree_size();
  if (path == "/v1/proof/inclusion") {
    if (!target.params.contains("seq")) throw BadRequest("query parameter 'seq' is required");
    const std::uint64_t seq = uint_param(target, "seq", 0, 0, UINT64_MAX - 1);
    const std::uint64_t size = uint_param(target, "size", tree_size, 1, UINT64_MAX);
    try {
      const auto proof = eventstore::inclusion_proof(store, seq, size);
      const auto entry = store.get(seq);
      if (!entry) return error_response(404, "no event with this seq", {{"seq", seq}});
      return json_response(200, {{"seq", seq},
                                 {"size", size},
                                 {"leaf_hash", to_hex(merkle::leaf_hash(entry->bytes))},
                                 {"root", to_hex(eventstore::tree_root(store, size))},
                                 {"proof", hex_list(proof)}});
    } catch (const eventstore::TreeRangeError& e) {
      return range_error(e, tree_size);
    }
  }
  // /v1/proof/consistency
  if (!target.params.contains("from")) throw BadRequest("query parameter 'from' is required");
  const std::uint64_t from = uint_param(target, "from", 0, 1, UINT64_MAX);
  const std::uint64_t to = uint_param(target, "to", tree_size, 1, UINT64_MAX);
  try {
    const auto proof = eventstore::consistency_proof(store, from, to);
    return json_response(200, {{"from", from},
                               {"to", to},
                               {"from_root", to_hex(eventstore::tree_root(store, from))},
                               {"to_root", to_hex(eventstore::tree_root(store, to))},
                               {"proof", hex_list(proof)}});
  } catch (const eventstore::TreeRangeError& e) {
    return range_error(e, tree_size);
  }
}

}  // namespace dais::api

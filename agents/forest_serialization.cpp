// IsolationForest's serialised form (the layout is in isolation_forest.h):
// writing it, reading it back with every canonical-form check, and its digest.
// Fitting and scoring live in isolation_forest.cpp.
#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agents/isolation_forest.h"

namespace dais::agents {

namespace {

constexpr char kMagic[8] = {'D', 'A', 'I', 'S', 'I', 'F', 'O', 'R'};
constexpr std::size_t kHeaderBytes = 60;
constexpr std::size_t kNodeBytes = 16;

// Little-endian bytes assembled in a register and appended at once (a digest serialises every
// new model, so byte-at-a-time appends showed in the engine's profile).
template <typename Out> void put_u32(Out& out, std::uint32_t v) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(bytes, sizeof bytes);
}
template <typename Out> void put_u64(Out& out, std::uint64_t v) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(bytes, sizeof bytes);
}
template <typename Out> void put_f64(Out& out, double v) { put_u64(out, std::bit_cast<std::uint64_t>(v)); }

// Feeds the serialised bytes to SHA-256 through a small buffer, so a digest never holds the
// whole serialised model (a few hundred KiB per forest) in memory.
class HashingSink {
 public:
  void append(const char* data, std::size_t size) {
    if (used_ + size > sizeof buffer_) flush();
    std::memcpy(buffer_ + used_, data, size);
    used_ += size;
  }
  dais::Digest finish() {
    flush();
    return hash_.finish();
  }

 private:
  void flush() {
    hash_.update(buffer_, used_);
    used_ = 0;
  }
  dais::Sha256 hash_;
  char buffer_[4096];
  std::size_t used_ = 0;
};

// The layout of isolation_forest.h, written to a std::string or a HashingSink.
template <typename Out> void write_forest(const IsolationForest& forest, Out& out) {
  using Node = IsolationForest::Node;
  out.append(kMagic, sizeof kMagic);
  put_u32(out, IsolationForest::kFormatVersion);
  put_u32(out, static_cast<std::uint32_t>(forest.feature_count()));
  put_u32(out, static_cast<std::uint32_t>(forest.tree_count()));
  put_u32(out, static_cast<std::uint32_t>(forest.max_samples()));
  put_u64(out, forest.training_rows());
  put_u64(out, forest.seed());
  put_u32(out, forest.contamination() ? 1 : 0);
  put_f64(out, forest.contamination().value_or(0.0));
  put_f64(out, forest.threshold());
  const auto nodes = forest.nodes();
  for (std::size_t tree = 0; tree < forest.tree_count(); ++tree) {
    const auto base = static_cast<std::uint32_t>(forest.tree_root(tree));
    const auto count = static_cast<std::uint32_t>(forest.node_count(tree));
    put_u32(out, count);
    for (std::uint32_t i = base; i < base + count; ++i) {
      const Node& node = nodes[i];
      if (node.is_leaf()) {
        put_u32(out, IsolationForest::kLeaf);
        put_u32(out, node.leaf_size());
        put_f64(out, 0.0);
      } else {
        put_u32(out, node.feature);
        put_u32(out, node.link - base);
        put_f64(out, node.value);
      }
    }
  }
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(4)); }
  std::uint64_t u64() { return little_endian(8); }
  double f64() { return std::bit_cast<double>(u64()); }
  std::size_t remaining() const { return bytes_.size() - position_; }
  std::string_view take(std::size_t n) {
    need(n);
    const auto piece = bytes_.substr(position_, n);
    position_ += n;
    return piece;
  }

 private:
  void need(std::size_t n) const {
    if (remaining() < n) throw std::invalid_argument("isolation forest: serialised model is truncated");
  }
  std::uint64_t little_endian(std::size_t n) {
    need(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes_[position_ + i])) << (8 * i);
    }
    position_ += n;
    return v;
  }
  std::string_view bytes_;
  std::size_t position_ = 0;
};

[[noreturn]] void malformed(const std::string& why) {
  throw std::invalid_argument("isolation forest: malformed serialised model: " + why);
}

}  // namespace

std::string IsolationForest::serialize() const {
  std::string out;
  out.reserve(kHeaderBytes + tree_begin_.size() * 4 + nodes_.size() * kNodeBytes);
  write_forest(*this, out);
  return out;
}

IsolationForest IsolationForest::deserialize(std::string_view bytes) {
  Reader in(bytes);
  if (in.take(sizeof kMagic) != std::string_view(kMagic, sizeof kMagic)) malformed("bad magic");
  if (in.u32() != kFormatVersion) malformed("unsupported format version");
  IsolationForest forest;
  forest.cols_ = in.u32();
  const std::uint32_t trees = in.u32();
  forest.max_samples_ = in.u32();
  forest.training_rows_ = in.u64();
  forest.seed_ = in.u64();
  const std::uint32_t mode = in.u32();
  const double contamination = in.f64();
  forest.threshold_ = in.f64();
  if (forest.cols_ == 0 || forest.cols_ == kLeaf) malformed("feature count out of range");
  if (trees == 0) malformed("no trees");
  if (forest.max_samples_ == 0 || forest.max_samples_ >= kLeaf / 2) malformed("max_samples out of range");
  if (forest.training_rows_ < forest.max_samples_) malformed("fewer training rows than max_samples");
  if (mode == 0) {
    if (std::bit_cast<std::uint64_t>(contamination) != 0 || forest.threshold_ != 0.5) {
      malformed("fixed threshold mode needs contamination 0 and threshold 0.5");
    }
  } else if (mode == 1) {
    if (!(contamination > 0.0 && contamination <= 0.5)) malformed("contamination out of (0, 0.5]");
    if (!(forest.threshold_ >= 0.0 && forest.threshold_ <= 1.0)) malformed("threshold out of [0, 1]");
    forest.contamination_ = contamination;
  } else {
    malformed("unknown threshold mode");
  }
  // Every tree takes at least 4 + 16 bytes; checking first keeps hostile counts from allocating.
  if (in.remaining() / (4 + kNodeBytes) < trees) malformed("tree count exceeds the data");
  const std::size_t max_nodes = 2 * forest.max_samples_ - 1;
  const std::size_t max_depth = tree_height_limit(forest.max_samples_);
  forest.max_depth_ = max_depth;
  forest.normaliser_ = static_cast<double>(trees) * average_path_length(forest.max_samples_);
  forest.tree_begin_.reserve(trees);

  struct Pending {
    std::uint32_t index, depth;
  };
  std::vector<Pending> stack;
  for (std::uint32_t tree = 0; tree < trees; ++tree) {
    const std::uint32_t count = in.u32();
    if (count == 0 || count > max_nodes) malformed("node count out of range");
    if (in.remaining() / kNodeBytes < count) malformed("node records truncated");
    const auto base = static_cast<std::uint32_t>(forest.nodes_.size());
    if (static_cast<std::uint64_t>(base) + count >= kLeaf) malformed("too many nodes");
    forest.tree_begin_.push_back(base);
    for (std::uint32_t i = 0; i < count; ++i) {
      Node node{};
      node.feature = in.u32();
      node.link = in.u32();
      node.value = in.f64();
      forest.nodes_.push_back(node);
    }
    // A pre-order walk must visit the records exactly in stored order; that proves
    // the links form one tree with no cycles or shared children.
    std::uint32_t expected = 0;
    std::uint64_t leaf_rows = 0;
    stack.assign(1, {0, 0});
    while (!stack.empty()) {
      const Pending at = stack.back();
      stack.pop_back();
      if (at.index != expected) malformed("nodes not in pre-order");
      ++expected;
      Node& node = forest.nodes_[base + at.index];
      if (node.feature == kLeaf) {
        if (node.link == 0 || node.link > forest.max_samples_) malformed("leaf size out of range");
        if (std::bit_cast<std::uint64_t>(node.value) != 0) malformed("leaf value must be 0");
        if (at.depth > max_depth) malformed("leaf deeper than the height limit");
        leaf_rows += node.link;
        node = Node::leaf(base + at.index, at.depth, node.link);
      } else {
        if (node.feature >= forest.cols_) malformed("split feature out of range");
        if (!std::isfinite(node.value)) malformed("split threshold not finite");
        if (at.depth >= max_depth) malformed("split at the height limit");
        if (node.link <= at.index + 1 || node.link >= count) malformed("right child out of range");
        stack.push_back({node.link, at.depth + 1});
        stack.push_back({at.index + 1, at.depth + 1});
        node.link += base;
      }
    }
    if (expected != count) malformed("unreachable nodes");
    if (leaf_rows != forest.max_samples_) malformed("leaf sizes do not add up to max_samples");
  }
  if (in.remaining() != 0) malformed("trailing bytes");
  forest.tabulate_path_lengths();
  return forest;
}

dais::Digest IsolationForest::digest() const {
  HashingSink sink;
  write_forest(*this, sink);
  return sink.finish();
}

}  // namespace dais::agents

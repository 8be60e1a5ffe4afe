#include "server/follower.h"

#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/sha256.h"
#include "eventstore/event_codec.h"

namespace dais::server {

namespace {

using eventstore::Hash;
using eventstore::SignedCheckpoint;
namespace merkle = eventstore::merkle;

constexpr auto kReadWait = std::chrono::milliseconds(200);
constexpr auto kFirstDelay = std::chrono::milliseconds(100);
constexpr auto kMaxDelay = std::chrono::milliseconds(5000);

std::string fork_message(const std::string& detail) {
  return "the leader's log forks from the one this replica holds: " + detail +
         "; this replica stops rather than follow a different log (start a new replica in an empty --data "
         "directory to follow the leader's log as it is now)";
}

// The digits of an unsigned decimal at `text[pos]`; advances pos.
std::optional<std::uint64_t> read_uint(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  std::uint64_t value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 20) {
    value = value * 10 + static_cast<std::uint64_t>(text[pos] - '0');
    ++pos;
  }
  if (pos == start) return std::nullopt;
  return value;
}

}  // namespace

Follower::Follower(eventstore::Store& store, LeaderClient& leader, FollowerOptions options)
    : store_(store), leader_(leader), options_(std::move(options)) {
  // A restarted replica serves the checkpoint its log ends at right away, before the leader answers.
  if (const auto note = store_.get_meta(kReplicaCheckpointMeta)) {
    try {
      auto checkpoint = open_checkpoint(*note);
      if (checkpoint->checkpoint.size == store_.head().count) served_ = std::move(checkpoint);
    } catch (const FollowError&) {
      // Signed by another key (log.leader_key changed): the leader's next checkpoint replaces it.
    }
  }
}

void Follower::run() {
  auto delay = kFirstDelay;
  while (!stop_.load()) {
    std::string problem;
    try {
      follow_once();
      return;  // stopped
    } catch (const LeaderUnavailable& e) {
      problem = e.what();
    } catch (const LeaderRefused& e) {
      // Busy, rate-limited or not signing yet may pass; anything else is not a leader to follow.
      if (e.status() != 503 && e.status() != 429 && e.status() != 408) {
        throw FollowError(std::string(e.what()) + " (is " + leader_.leader().text() + " a daisd?)");
      }
      problem = e.what();
    }
    if (connected_.exchange(false)) delay = kFirstDelay;  // it worked for a while: start over
    if (options_.on_problem) {
      options_.on_problem(problem + "; retrying in " + std::to_string(delay.count()) + " ms");
    }
    sleep_for(delay);
    delay = std::min(delay * 2, kMaxDelay);
  }
}

void Follower::sleep_for(std::chrono::milliseconds delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (!stop_.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Follower::follow_once() {
  pending_.clear();
  const eventstore::Head head = store_.head();
  std::uint64_t tree_size = 0;
  store_.read_tree([&](std::uint64_t size, const merkle::HashReader& read) {
    tree_size = size;
    range_ = merkle::CompactRange::of(size, read);
  });
  if (tree_size != head.count) {
    throw FollowError("the replica's Merkle tree has " + std::to_string(tree_size) + " leaves but its log " +
                      std::to_string(head.count) + " entries (see dais-verify " + store_.directory().string() + ")");
  }
  last_hash_ = head.hash;

  auto leader_checkpoint = open_checkpoint(leader_.get("/checkpoint"));
  check_extends_own_log(*leader_checkpoint);
  trusted_ = leader_checkpoint;
  if (trusted_->checkpoint.size == head.count) std::atomic_store(&served_, trusted_);

  leader_.open_stream(head.count);
  connected_.store(true);
  while (!stop_.load()) {
    const auto message = leader_.read_message(kReadWait);
    if (!message) {
      // A quiet stream: store what the leader's checkpoint already proves.
      if (!pending_.empty() && range_.size() <= trusted_->checkpoint.size) commit_pending();
      continue;
    }
    if (message->starts_with("{\"seq\":")) {
      take_entry(*message);
    } else if (message->starts_with("{\"signed_checkpoint\":")) {
      const auto json = nlohmann::json::parse(*message, nullptr, false);
      if (json.is_discarded() || !json["signed_checkpoint"].is_object() ||
          !json["signed_checkpoint"]["note"].is_string()) {
        throw FollowError("the leader sent a malformed signed_checkpoint message: " + message->substr(0, 200));
      }
      take_checkpoint(open_checkpoint(json["signed_checkpoint"]["note"].get<std::string>()));
    }
    // {"caught_up":N} and {"checkpoint":N} need nothing: entries and signed checkpoints say it all.
  }
  leader_.close_stream();
}

std::shared_ptr<const SignedCheckpoint> Follower::open_checkpoint(const std::string& note) const {
  std::string text;
  try {
    text = eventstore::note::open(note, options_.leader_key);
  } catch (const eventstore::note::NoteError& e) {
    throw FollowError("the leader's checkpoint does not verify with log.leader_key (" + options_.leader_key.text() +
                      "): " + e.what());
  }
  std::string why;
  auto parsed = eventstore::parse_checkpoint(text, &why);
  if (!parsed) throw FollowError("the leader's signed note is not a checkpoint: " + why);
  auto checkpoint = std::make_shared<SignedCheckpoint>();
  checkpoint->checkpoint = std::move(*parsed);
  checkpoint->note = note;
  return checkpoint;
}

void Follower::check_extends_own_log(const SignedCheckpoint& leader) {
  const std::uint64_t own = range_.size();
  const std::uint64_t theirs = leader.checkpoint.size;
  if (theirs < own) {
    throw FollowError(fork_message("the leader signs a log of " + std::to_string(theirs) + " entries, this replica holds " +
                                   std::to_string(own)));
  }
  if (own == 0) return;
  if (theirs == own) {
    if (leader.checkpoint.root != range_.root()) {
      throw FollowError(fork_message("both hold " + std::to_string(own) + " entries but with different Merkle roots"));
    }
    return;
  }
  const std::string target = "/v1/proof/consistency?from=" + std::to_string(own) + "&to=" + std::to_string(theirs);
  std::vector<Hash> proof;
  const auto json = nlohmann::json::parse(leader_.get(target), nullptr, false);
  if (json.is_discarded() || !json["proof"].is_array()) throw FollowError("the leader's reply to " + target + " is not a proof");
  for (const auto& item : json["proof"]) {
    const auto hash = item.is_string() ? digest_from_hex(item.get<std::string>()) : std::nullopt;
    if (!hash) throw FollowError("the leader's reply to " + target + " holds a malformed hash");
    proof.push_back(*hash);
  }
  if (!merkle::verify_consistency(own, theirs, proof, range_.root(), leader.checkpoint.root)) {
    throw FollowError(fork_message("its signed checkpoint of " + std::to_string(theirs) +
                                   " entries does not extend this replica's " + std::to_string(own) +
                                   " entries (the consistency proof fails)"));
  }
}

void Follower::take_entry(const std::string& message) {
  // {"seq":N,"hash":"<64 hex>","event":<stored bytes>} exactly (api/stream_message.h).
  const std::uint64_t expected = range_.size();
  std::size_t pos = 7;
  const auto seq = read_uint(message, pos);
  constexpr std::string_view hash_key = ",\"hash\":\"";
  constexpr std::string_view event_key = "\",\"event\":";
  if (!seq || message.compare(pos, hash_key.size(), hash_key) != 0 ||
      message.compare(pos + hash_key.size() + 64, event_key.size(), event_key) != 0 || !message.ends_with('}')) {
    throw FollowError("the leader sent a malformed stream entry: " + message.substr(0, 200));
  }
  if (*seq != expected) {
    throw LeaderUnavailable("the leader's stream sent seq " + std::to_string(*seq) + " where " +
                            std::to_string(expected) + " was due; reconnecting from the replica's head");
  }
  const auto sent_hash = digest_from_hex(std::string_view(message).substr(pos + hash_key.size(), 64));
  const std::size_t bytes_at = pos + hash_key.size() + 64 + event_key.size();
  const std::string_view bytes = std::string_view(message).substr(bytes_at, message.size() - bytes_at - 1);
  const std::string at = "entry seq " + std::to_string(*seq) + " from the leader";
  const Hash hash = sha256(bytes);
  if (!sent_hash || *sent_hash != hash) throw FollowError(at + ": its bytes do not hash to the hash sent with them");

  // The draft that makes this store write exactly these bytes: type, step and data read back.
  const auto json = nlohmann::json::parse(bytes, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json["type"].is_string() || !json["step"].is_number_unsigned() ||
      !json["prev"].is_string()) {
    throw FollowError(at + ": not a stored event (type, step, prev)");
  }
  if (json["prev"].get<std::string>() != to_hex(last_hash_)) {
    throw FollowError(expected == store_.head().count && pending_.empty()
                          ? fork_message(at + " links to " + json["prev"].get<std::string>() +
                                         ", not to this replica's head " + to_hex(last_hash_))
                          : at + ": its prev is not the hash of the entry before it");
  }
  eventstore::EventDraft draft;
  draft.type = json["type"].get<std::string>();
  draft.step = json["step"].get<std::uint64_t>();
  std::string prefix = "{\"seq\":" + std::to_string(*seq) + ",\"type\":\"" + draft.type +
                       "\",\"step\":" + std::to_string(draft.step) + ",\"prev\":\"" + to_hex(last_hash_) + "\",\"data\":";
  if (!bytes.starts_with(prefix) || !bytes.ends_with('}')) {
    throw FollowError(at + ": its bytes are not laid out as a DAIS store writes them (docs/LOG_FORMAT.md)");
  }
  draft.data_json = std::string(bytes.substr(prefix.size(), bytes.size() - prefix.size() - 1));
  if (auto problem = eventstore::draft_problem(draft)) throw FollowError(at + ": " + *problem);
  std::string value;
  if (eventstore::encode_event(*seq, draft, last_hash_, value) != hash) {
    throw FollowError(at + ": this store would not write the same bytes for it");
  }

  pending_.push_back(Pending{std::move(draft), hash});
  range_.add(merkle::leaf_hash(bytes));
  last_hash_ = hash;
  if (pending_.size() >= options_.batch && range_.size() <= trusted_->checkpoint.size) commit_pending();
}

void Follower::take_checkpoint(std::shared_ptr<const SignedCheckpoint> checkpoint) {
  const auto& signed_tree = checkpoint->checkpoint;
  if (signed_tree.size < trusted_->checkpoint.size) {
    throw FollowError(fork_message("the leader now signs " + std::to_string(signed_tree.size) +
                                   " entries after it signed " + std::to_string(trusted_->checkpoint.size)));
  }
  // The stream sends a checkpoint right after the entries it covers, so it ties them all at once.
  if (signed_tree.size != range_.size()) return;
  if (signed_tree.root != range_.root()) {
    throw FollowError(fork_message("its signed root for " + std::to_string(signed_tree.size) +
                                   " entries is not the Merkle root of the entries it sent"));
  }
  trusted_ = std::move(checkpoint);
  commit_pending();
}

void Follower::commit_pending() {
  const std::uint64_t size = range_.size();
  const auto& signed_tree = trusted_->checkpoint;
  if (size > signed_tree.size) return;  // not provable yet: the next checkpoint will be
  if (pending_.empty()) {
    if (size == signed_tree.size) std::atomic_store(&served_, trusted_);
    return;
  }
  if (size == signed_tree.size) {
    if (range_.root() != signed_tree.root) {
      throw FollowError(fork_message("the " + std::to_string(size) + " entries it sent are not the ones it signed"));
    }
  } else {
    const std::string target = "/v1/proof/consistency?from=" + std::to_string(size) + "&to=" +
                               std::to_string(signed_tree.size);
    const auto json = nlohmann::json::parse(leader_.get(target), nullptr, false);
    std::vector<Hash> proof;
    if (json.is_discarded() || !json["proof"].is_array()) throw FollowError("the leader's reply to " + target + " is not a proof");
    for (const auto& item : json["proof"]) {
      const auto hash = item.is_string() ? digest_from_hex(item.get<std::string>()) : std::nullopt;
      if (!hash) throw FollowError("the leader's reply to " + target + " holds a malformed hash");
      proof.push_back(*hash);
    }
    if (!merkle::verify_consistency(size, signed_tree.size, proof, range_.root(), signed_tree.root)) {
      throw FollowError(fork_message("the entries it sent up to seq " + std::to_string(size - 1) +
                                     " are not a prefix of the log it signed (the consistency proof fails)"));
    }
  }
  const bool ends_at_checkpoint = size == signed_tree.size;
  for (std::size_t first = 0; first < pending_.size(); first += options_.batch) {
    const std::size_t count = std::min(options_.batch, pending_.size() - first);
    std::vector<eventstore::EventDraft> drafts;
    drafts.reserve(count);
    for (std::size_t i = first; i < first + count; ++i) drafts.push_back(std::move(pending_[i].draft));
    const bool last = first + count == pending_.size();
    std::vector<eventstore::MetaPut> meta;
    if (last && ends_at_checkpoint) meta.push_back({kReplicaCheckpointMeta, trusted_->note});
    const auto result = store_.append(drafts, meta);
    for (std::size_t i = 0; i < count; ++i) {
      if (result.events[i].hash != pending_[first + i].hash) {
        throw FollowError("seq " + std::to_string(result.events[i].seq) +
                          " was stored with another hash than the leader's (see dais-verify " +
                          store_.directory().string() + ")");
      }
    }
    if (last && ends_at_checkpoint) std::atomic_store(&served_, trusted_);
    if (options_.on_committed) options_.on_committed(result.events, last && ends_at_checkpoint ? trusted_ : nullptr);
  }
  pending_.clear();
}

}  // namespace dais::server

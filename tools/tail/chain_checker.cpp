#include "tools/tail/chain_checker.h"

#include <utility>

#include <nlohmann/json.hpp>

#include "common/sha256.h"

namespace dais::tail {

namespace {

const std::string kZeroHash(64, '0');

std::string describe(const nlohmann::json& value) {
  std::string text = value.dump();
  return text.size() > 80 ? text.substr(0, 80) + "..." : text;
}

}  // namespace

ChainChecker::ChainChecker(Mode mode, std::set<std::string, std::less<>> types)
    : mode_(mode), types_(std::move(types)) {}

std::optional<std::string> ChainChecker::check(const EventEntry& entry) {
  const std::string actual = to_hex(sha256(entry.bytes));
  if (actual != entry.hash) {
    return "hash mismatch: the message says " + entry.hash + ", the SHA-256 of the event bytes is " + actual;
  }
  const auto event = nlohmann::json::parse(entry.bytes, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) return "the event bytes are not a JSON object";
  const auto seq = event.find("seq");
  if (seq == event.end() || !seq->is_number_unsigned() || seq->get<std::uint64_t>() != entry.seq) {
    return "the event's own seq is " + (seq == event.end() ? std::string("missing") : describe(*seq)) +
           ", the message says " + std::to_string(entry.seq);
  }

  if (mode_ == Mode::full_chain) {
    const auto prev = event.find("prev");
    if (prev == event.end() || !prev->is_string()) return "the event has no string \"prev\"";
    const auto& prev_hash = prev->get_ref<const std::string&>();
    if (last_seq_) {
      if (entry.seq != *last_seq_ + 1) {
        return "gap: expected seq " + std::to_string(*last_seq_ + 1) + " after " + std::to_string(*last_seq_);
      }
      if (prev_hash != last_hash_) {
        return "broken link: prev is " + describe(*prev) + ", the hash of seq " + std::to_string(*last_seq_) +
               " is " + last_hash_;
      }
    } else if (entry.seq == 0) {
      if (prev_hash != kZeroHash) return "seq 0 must have 64 zeros as prev, has " + describe(*prev);
    } else {
      first_prev_unchecked_ = true;
    }
  } else {
    if (last_seq_ && entry.seq <= *last_seq_) {
      return "seq not increasing: " + std::to_string(entry.seq) + " after " + std::to_string(*last_seq_);
    }
    if (!types_.empty()) {
      const auto type = event.find("type");
      if (type == event.end() || !type->is_string() || !types_.contains(type->get_ref<const std::string&>())) {
        return "type " + (type == event.end() ? std::string("missing") : describe(*type)) +
               " was not asked for";
      }
    }
  }
  last_seq_ = entry.seq;
  last_hash_ = actual;
  ++checked_;
  return std::nullopt;
}

}  // namespace dais::tail

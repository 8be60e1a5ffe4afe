#include "agents/validation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dais::agents {

ValidatorView::ValidatorView(const ValidatorViewParams& params)
    : params_(params), baseline_(params.baseline_capacity) {
  if (params.anomaly_capacity == 0 || params.history_capacity == 0)
    throw std::invalid_argument("ValidatorView: capacities must be >= 1");
  flagged_ring_.reserve(params.anomaly_capacity);
}

void ValidatorView::observe(std::span<const Flow> flows, std::span<const double> scores, double threshold) {
  if (flows.size() != scores.size()) throw std::invalid_argument("ValidatorView::observe: scores and flows differ in size");
  if (!std::isfinite(threshold)) throw std::invalid_argument("ValidatorView::observe: threshold must be finite");
  ++round_;
  for (std::size_t i = 0; i < flows.size(); ++i) {
    const Flow& flow = flows[i];
    SourceHistory& h = history_[flow.source];
    h.last_seen = round_;
    for (std::size_t k = 0; k < kFeatureCount; ++k) h.sum[k] += flow.features[k];
    if (scores[i] > threshold) {
      ++h.flagged;
      if (flagged_ring_.size() < params_.anomaly_capacity) {
        flagged_ring_.push_back({flow.source, flow.features});
      } else {
        flagged_ring_[flagged_next_] = {flow.source, flow.features};
      }
      flagged_next_ = (flagged_next_ + 1) % params_.anomaly_capacity;
    } else {
      ++h.clean;
      baseline_.add(flow.features);
    }
  }
  forget_old_sources();
  rebuild_anomalies();
}

ValidatorView::State ValidatorView::state() const {
  return State{baseline_.state(), flagged_ring_, flagged_next_, history_, round_};
}

void ValidatorView::restore(State state) {
  const auto ring = state.flagged_ring.size();
  if (ring > params_.anomaly_capacity || state.flagged_next >= params_.anomaly_capacity ||
      (ring < params_.anomaly_capacity && state.flagged_next != ring) ||
      state.history.size() > params_.history_capacity) {
    throw std::invalid_argument("ValidatorView::restore: the state does not fit this view's capacities");
  }
  baseline_.restore(std::move(state.baseline));
  flagged_ring_ = std::move(state.flagged_ring);
  flagged_ring_.reserve(params_.anomaly_capacity);
  flagged_next_ = state.flagged_next;
  history_ = std::move(state.history);
  round_ = state.round;
  rebuild_anomalies();
}

void ValidatorView::forget_old_sources() {
  if (history_.size() <= params_.history_capacity) return;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> order;  // (last_seen, source): oldest first, ties by address
  order.reserve(history_.size());
  for (const auto& [source, h] : history_) order.emplace_back(h.last_seen, source);
  std::sort(order.begin(), order.end());
  const std::size_t excess = history_.size() - params_.history_capacity;
  for (std::size_t i = 0; i < excess; ++i) history_.erase(order[i].second);
}

void ValidatorView::rebuild_anomalies() {
  // The ring's entries by (source, position): each source's flows are summed in ring order, as a
  // map from source to running sum would, without a node allocated per source (this runs for
  // every agent every step).
  std::vector<std::uint64_t> order(flagged_ring_.size());
  for (std::size_t i = 0; i < flagged_ring_.size(); ++i) order[i] = std::uint64_t{flagged_ring_[i].source} << 32 | i;
  std::sort(order.begin(), order.end());
  anomalies_.clear();
  for (std::size_t begin = 0; begin < order.size();) {
    const auto source = static_cast<std::uint32_t>(order[begin] >> 32);
    std::size_t end = begin;
    std::array<double, kFeatureCount> sum{};
    for (; end < order.size() && static_cast<std::uint32_t>(order[end] >> 32) == source; ++end) {
      const FlaggedFlow& f = flagged_ring_[static_cast<std::uint32_t>(order[end])];
      for (std::size_t k = 0; k < kFeatureCount; ++k) sum[k] += f.features[k];
    }
    const auto flows = static_cast<std::uint32_t>(end - begin);
    begin = end;
    if (standing(source) != Standing::suspicious) continue;
    AnomalyCentroid a;
    a.source = source;
    a.flows = flows;
    for (std::size_t k = 0; k < kFeatureCount; ++k) a.centroid[k] = static_cast<float>(sum[k] / flows);
    a.z = baseline_.standardise(a.centroid);
    anomalies_.push_back(a);
  }
}

std::optional<ValidatorView::SourceHistory> ValidatorView::history(std::uint32_t source) const {
  const auto it = history_.find(source);
  if (it == history_.end()) return std::nullopt;
  return it->second;
}

Standing ValidatorView::standing(std::uint32_t source) const {
  const auto it = history_.find(source);
  if (it == history_.end()) return Standing::unknown;
  const SourceHistory& h = it->second;
  const double share = static_cast<double>(h.flagged) / static_cast<double>(h.clean + h.flagged);
  if (h.clean >= params_.benign_min_clean && share <= params_.benign_max_flagged_share) return Standing::benign;
  if (h.flagged >= params_.min_flagged && share >= params_.suspicious_min_flagged_share) return Standing::suspicious;
  return Standing::undecided;
}

bool ValidatorView::any_benign(std::uint32_t network, unsigned prefix_len) const {
  if (prefix_len >= 32) return standing(network) == Standing::benign;
  const std::uint64_t last = static_cast<std::uint64_t>(network) + (std::uint64_t{1} << (32 - prefix_len)) - 1;
  for (auto it = history_.lower_bound(network); it != history_.end() && it->first <= last; ++it) {
    if (standing(it->first) == Standing::benign) return true;
  }
  return false;
}

std::string_view name(Standing standing) {
  switch (standing) {
    case Standing::unknown: return "unknown";
    case Standing::benign: return "benign";
    case Standing::suspicious: return "suspicious";
    case Standing::undecided: return "undecided";
  }
  return "unknown";
}

std::string_view name(VoteReason reason) {
  switch (reason) {
    case VoteReason::corroborated: return "corroborated";
    case VoteReason::extreme: return "extreme";
    case VoteReason::anomalous: return "anomalous";
    case VoteReason::benign_history: return "benign_history";
    case VoteReason::not_anomalous: return "not_anomalous";
    case VoteReason::uncorroborated: return "uncorroborated";
    case VoteReason::content_mismatch: return "content_mismatch";
    case VoteReason::abstain_unseen: return "abstain_unseen";
  }
  return "unknown";
}

VoteDecision validate(const Signature& signature, const ValidatorView& view, const IsolationForest& model,
                      const ValidationParams& params) {
  if (model.feature_count() != kFeatureCount) throw std::invalid_argument("validate: model has the wrong feature count");
  VoteDecision d;
  d.score = model.score_one(signature.centroid.data());
  const auto z = view.baseline().standardise(signature.centroid);
  for (double v : z) d.max_abs_z = std::max(d.max_abs_z, std::abs(v));
  d.similarity = 0;
  bool any = false;
  for (const auto& a : view.anomalies()) {
    const double s = cosine_similarity(z, a.z);
    if (!any || s > d.similarity) {
      d.similarity = s;
      d.matched_source = a.source;
    }
    any = true;
  }

  // Confidence: the decisive margin, normalised to [0, 1]. Score margins are
  // measured against the room between the two score thresholds.
  const double score_room = std::max(1e-9, params.solo_score_threshold - params.score_threshold);
  const double score_margin = (d.score - params.score_threshold) / score_room;
  const double sim_margin = (d.similarity - params.similarity_threshold) / std::max(1e-9, 1 - params.similarity_threshold);

  if (view.any_benign(signature.indicator, signature.prefix_len)) {
    d.approve = false;
    d.reason = VoteReason::benign_history;
    d.confidence = 1.0;
    return d;
  }
  if (params.content_check) {
    if (const auto seen = view.history(signature.indicator)) {
      const double n = static_cast<double>(seen->clean + seen->flagged);
      FeatureVector mean{};
      for (std::size_t k = 0; k < kFeatureCount; ++k) mean[k] = static_cast<float>(seen->sum[k] / n);
      const double match = cosine_similarity(z, view.baseline().standardise(mean));
      if (match < params.similarity_threshold) {
        d.reason = VoteReason::content_mismatch;
        d.confidence = std::clamp((params.similarity_threshold - match) / (1 + params.similarity_threshold), 0.0, 1.0);
        return d;
      }
    }
  }
  if (d.score < params.score_threshold) {
    d.reason = VoteReason::not_anomalous;
    d.confidence = std::clamp(-score_margin, 0.0, 1.0);
  } else if (d.similarity >= params.similarity_threshold) {
    d.approve = true;
    d.reason = VoteReason::corroborated;
    d.confidence = std::clamp(0.5 + 0.5 * std::max(score_margin, sim_margin), 0.0, 1.0);
  } else if (d.max_abs_z >= params.extreme_z) {
    d.approve = true;
    d.reason = VoteReason::extreme;
    d.confidence = std::clamp(0.5 + 0.5 * score_margin, 0.0, 1.0);
  } else if (d.score >= params.solo_score_threshold) {
    d.approve = true;
    d.reason = VoteReason::anomalous;
    d.confidence = std::clamp(score_margin - 1.0, 0.0, 1.0);
  } else {
    d.reason = VoteReason::uncorroborated;
    d.confidence = std::clamp(std::min(1.0 - score_margin, -sim_margin), 0.0, 1.0);
  }
  if (d.approve && params.abstain_unseen && view.standing(signature.indicator) == Standing::unknown) {
    d.approve = false;
    d.abstain = true;
    d.reason = VoteReason::abstain_unseen;
    d.confidence = 0;
  }
  return d;
}

}  // namespace dais::agents

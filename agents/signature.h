// Threat signatures: flows an agent flagged, grouped by indicator (source
// address), summarised as centroid, per-feature bounds, confidence and count.
//
// Identity: id = first 16 hex chars of SHA-256("sig/v1|" + indicator text +
// "|" + coarse profile), where the coarse profile (coarse_profile below) is a
// rule-based attack class of the centroid with wide margins: "exfiltration",
// "flood", "port_scan", "brute_force", or "anomaly". Two agents hit by the
// same campaign from the same source compute slightly different centroids but
// the same profile, hence the same id ("the same finding is recognised");
// a different behaviour of the same address is a different finding.
// The indicator text is agents/indicator.h's: the dotted quad for /32 (so ids
// of /32 runs are what they always were), "a.b.c.0/24" for a prefix.
//
// extract_signatures never reads Flow::label. Pure functions; thread-safe; no I/O.
// Mismatched spans or a non-finite threshold throw std::invalid_argument.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agents/features.h"
#include "common/random.h"

namespace dais::agents {

struct Signature {
  std::string id;                // 16 lower-case hex chars, see above
  std::uint32_t indicator = 0;   // source address (or prefix network address) to block
  unsigned prefix_len = 32;      // 32 = one address; see agents/indicator.h
  FeatureVector centroid{};      // mean features of the flagged flows
  FeatureVector lower{};         // per-feature minimum
  FeatureVector upper{};         // per-feature maximum
  double confidence = 0;         // [0, 1], from the anomaly scores
  std::uint32_t observations = 0;  // flagged flows behind it
};

struct SignatureParams {
  std::uint32_t min_observations = 3;  // flagged flows needed per indicator
  unsigned prefix_len = 32;            // flows are grouped by this prefix of their source (0..32)
};

// Attack class of a feature vector, from thresholds far from both benign
// traffic and each attack's spread (so it is stable between observers).
std::string_view coarse_profile(const FeatureVector& centroid);
// The content id described above.
std::string signature_id(std::uint32_t indicator, const FeatureVector& centroid, unsigned prefix_len = 32);

// Confidence of a group of flagged flows: how far their mean score lies above
// the threshold, as a share of the room above it: clamp((mean - t) / (1 - t), 0, 1).
double signature_confidence(double mean_score, double threshold);

// Flows with score > threshold, grouped by source prefix (params.prefix_len); groups of at least
// min_observations become signatures, sorted by indicator.
// scores.size() must equal flows.size().
std::vector<Signature> extract_signatures(std::span<const Flow> flows, std::span<const double> scores,
                                          double threshold, const SignatureParams& params);

// What a Byzantine agent proposes: a signature for `indicator` built from
// flows it observed from that address (benign ones, to poison), with feature
// f of the centroid shifted by shift_sd[f] * N(0, 1) and the bounds widened to
// match (values kept in each feature's domain). Claims `claimed_confidence`.
// Throws std::invalid_argument when flows is empty.
Signature forge_signature(std::uint32_t indicator, std::span<const Flow> flows,
                          const std::array<double, kFeatureCount>& shift_sd, double claimed_confidence, Stream& rng);

// A Byzantine agent's disguise: `real`'s content (an attack's centroid and
// bounds) under another indicator (masked to real's prefix), with the id that indicator and content get.
Signature relabel_signature(const Signature& real, std::uint32_t indicator);
// The same finding covering the prefix of `prefix_len` around its indicator, with its new id.
Signature widen_signature(const Signature& signature, unsigned prefix_len);

}  // namespace dais::agents

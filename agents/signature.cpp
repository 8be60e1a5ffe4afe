#include "agents/signature.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

#include "agents/indicator.h"
#include "common/sha256.h"

namespace dais::agents {
namespace {

struct Group {
  std::array<double, kFeatureCount> sum{};
  FeatureVector lower{};
  FeatureVector upper{};
  double score_sum = 0;
  std::uint32_t count = 0;
};

void clamp_to_domain(FeatureVector& f) {
  for (std::size_t i = 0; i < kFeatureCount; ++i) f[i] = std::max(f[i], 0.0f);
  f[syn_ratio] = std::min(f[syn_ratio], 1.0f);
  f[payload_entropy] = std::min(f[payload_entropy], 8.0f);
}

}  // namespace

std::string_view coarse_profile(const FeatureVector& c) {
  // Thresholds in raw units: 20 MB out; 2000 small (< 200 B) packets at < 2 ms
  // apart; 16 ports with mostly SYNs; 4 failed logins. Benign segments stay
  // well below each (a busy file transfer has many packets, but large ones).
  if (c[log_bytes_out] >= std::log1p(20e6)) return "exfiltration";
  if (c[log_packets] >= std::log1p(2000.0) && c[log_inter_arrival_ms] <= std::log1p(2.0) &&
      c[log_mean_packet_size] <= std::log1p(200.0))
    return "flood";
  if (c[log_distinct_dst_ports] >= std::log1p(16.0) && c[syn_ratio] >= 0.5f) return "port_scan";
  if (c[log_failed_logins] >= std::log1p(4.0)) return "brute_force";
  return "anomaly";
}

std::string signature_id(std::uint32_t indicator, const FeatureVector& centroid, unsigned prefix_len) {
  std::string text = "sig/v1|";
  text += format_indicator(indicator, prefix_len);
  text += '|';
  text += coarse_profile(centroid);
  return to_hex(sha256(text)).substr(0, 16);
}

double signature_confidence(double mean_score, double threshold) {
  if (!(threshold < 1.0)) return mean_score > threshold ? 1.0 : 0.0;
  return std::clamp((mean_score - threshold) / (1.0 - threshold), 0.0, 1.0);
}

std::vector<Signature> extract_signatures(std::span<const Flow> flows, std::span<const double> scores,
                                          double threshold, const SignatureParams& params) {
  if (flows.size() != scores.size()) throw std::invalid_argument("extract_signatures: scores and flows differ in size");
  if (!std::isfinite(threshold)) throw std::invalid_argument("extract_signatures: threshold must be finite");
  std::map<std::uint32_t, Group> groups;  // ordered: output sorted by indicator
  for (std::size_t i = 0; i < flows.size(); ++i) {
    if (!(scores[i] > threshold)) continue;
    const Flow& flow = flows[i];
    Group& g = groups[indicator_of(flow.source, params.prefix_len)];
    for (std::size_t f = 0; f < kFeatureCount; ++f) {
      const float v = flow.features[f];
      g.sum[f] += v;
      g.lower[f] = g.count == 0 ? v : std::min(g.lower[f], v);
      g.upper[f] = g.count == 0 ? v : std::max(g.upper[f], v);
    }
    g.score_sum += scores[i];
    ++g.count;
  }
  const std::uint32_t needed = std::max<std::uint32_t>(1, params.min_observations);
  std::vector<Signature> out;
  for (const auto& [indicator, g] : groups) {
    if (g.count < needed) continue;
    Signature s;
    s.indicator = indicator;
    s.prefix_len = params.prefix_len;
    for (std::size_t f = 0; f < kFeatureCount; ++f) s.centroid[f] = static_cast<float>(g.sum[f] / g.count);
    s.lower = g.lower;
    s.upper = g.upper;
    s.confidence = signature_confidence(g.score_sum / g.count, threshold);
    s.observations = g.count;
    s.id = signature_id(indicator, s.centroid, s.prefix_len);
    out.push_back(std::move(s));
  }
  return out;
}

Signature forge_signature(std::uint32_t indicator, std::span<const Flow> flows,
                          const std::array<double, kFeatureCount>& shift_sd, double claimed_confidence, Stream& rng) {
  if (flows.empty()) throw std::invalid_argument("forge_signature: no flows to forge from");
  std::array<double, kFeatureCount> sum{};
  Signature s;
  s.indicator = indicator;
  s.lower = flows.front().features;
  s.upper = flows.front().features;
  for (const Flow& flow : flows) {
    for (std::size_t f = 0; f < kFeatureCount; ++f) {
      sum[f] += flow.features[f];
      s.lower[f] = std::min(s.lower[f], flow.features[f]);
      s.upper[f] = std::max(s.upper[f], flow.features[f]);
    }
  }
  for (std::size_t f = 0; f < kFeatureCount; ++f) {
    const double shift = shift_sd[f] * rng.normal();
    s.centroid[f] = static_cast<float>(sum[f] / static_cast<double>(flows.size()) + shift);
    s.lower[f] = static_cast<float>(s.lower[f] + std::min(0.0, shift));
    s.upper[f] = static_cast<float>(s.upper[f] + std::max(0.0, shift));
  }
  clamp_to_domain(s.centroid);
  clamp_to_domain(s.lower);
  clamp_to_domain(s.upper);
  s.confidence = std::clamp(claimed_confidence, 0.0, 1.0);
  s.observations = static_cast<std::uint32_t>(flows.size());
  s.id = signature_id(indicator, s.centroid);
  return s;
}

Signature relabel_signature(const Signature& real, std::uint32_t indicator) {
  Signature s = real;
  s.indicator = indicator_of(indicator, s.prefix_len);
  s.id = signature_id(s.indicator, s.centroid, s.prefix_len);
  return s;
}

Signature widen_signature(const Signature& signature, unsigned prefix_len) {
  Signature s = signature;
  s.prefix_len = prefix_len;
  s.indicator = indicator_of(s.indicator, prefix_len);
  s.id = signature_id(s.indicator, s.centroid, prefix_len);
  return s;
}

}  // namespace dais::agents

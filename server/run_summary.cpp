#include "server/run_summary.h"

#include <cstdio>
#include <utility>

namespace dais::server {

namespace {

nlohmann::json or_null(const std::optional<double>& value) { return value ? nlohmann::json(*value) : nlohmann::json(); }

std::string steps_or_na(const std::optional<double>& value) {
  if (!value) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f steps", *value);
  return buf;
}

nlohmann::json kind_json(const RunSummary::Kind& k) {
  return {{"attack_flows", k.attack_flows},
          {"detected", k.detected},
          {"recall", or_null(k.recall)},
          {"campaign_arrivals", k.campaign_arrivals},
          {"protected_before_hit", k.protected_before_hit},
          {"protected_before_hit_count", k.protected_before_hit_count},
          {"never_protected", k.never_protected},
          {"never_protected_count", k.never_protected_count},
          {"time_to_protect_mean", or_null(k.time_to_protect_mean)},
          {"time_to_protect_censored_mean", or_null(k.time_to_protect_censored_mean)}};
}

}  // namespace

void to_json(nlohmann::json& j, const RunSummary& s) {
  j = nlohmann::json{{"steps", s.steps},
                     {"agents", s.agents},
                     {"events", s.events},
                     {"proposed", s.proposed},
                     {"endorsed", s.endorsed},
                     {"accepted", s.accepted},
                     {"rejected", s.rejected},
                     {"votes", s.votes},
                     {"retrained", s.retrained},
                     {"local_blocks", s.local_blocks},
                     {"crashes", s.crashes},
                     {"flows", s.flows},
                     {"attack_flows", s.attack_flows},
                     {"precision", s.precision},
                     {"recall", s.recall},
                     {"f1", s.f1},
                     {"decision_latency_mean", s.decision_latency_mean},
                     {"campaign_arrivals", s.campaign_arrivals},
                     {"time_to_protect_mean", or_null(s.time_to_protect_mean)},
                     {"time_to_protect_censored_mean", or_null(s.time_to_protect_censored_mean)},
                     {"protected_before_hit", s.protected_before_hit},
                     {"protected_before_hit_count", s.protected_before_hit_count},
                     {"protected_after_hit_count", s.protected_after_hit_count},
                     {"never_protected", s.never_protected},
                     {"never_protected_count", s.never_protected_count},
                     {"poisoned_proposed", s.poisoned_proposed},
                     {"poisoned_accepted", s.poisoned_accepted},
                     {"benign_signatures_proposed", s.benign_signatures_proposed},
                     {"benign_signatures_accepted", s.benign_signatures_accepted},
                     {"protected_rejections", s.protected_rejections},
                     {"attack_signatures_proposed", s.attack_signatures_proposed},
                     {"attack_signatures_accepted", s.attack_signatures_accepted},
                     {"honest_signatures_lost", s.honest_signatures_lost},
                     {"disputes", s.disputes},
                     {"corroborations", s.corroborations},
                     {"revoked", s.revoked},
                     {"poisoned_revoked", s.poisoned_revoked},
                     {"poisoned_kept", s.poisoned_accepted - s.poisoned_revoked},
                     {"attack_signatures_revoked", s.attack_signatures_revoked},
                     {"benign_signatures_revoked", s.benign_signatures_revoked},
                     {"honest_signatures_lost_or_revoked", s.honest_signatures_lost + s.attack_signatures_revoked},
                     {"recoveries", s.recoveries},
                     {"recoveries_voted", s.recoveries_voted},
                     {"recoveries_blocked", s.recoveries_blocked},
                     {"recovery_to_vote_mean", or_null(s.recovery_to_vote_mean)},
                     {"recovery_to_block_mean", or_null(s.recovery_to_block_mean)},
                     {"benign_blocked", s.benign_blocked},
                     {"attack_blocked", s.attack_blocked},
                     {"benign_blocked_per_agent_step", s.benign_blocked_per_agent_step},
                     {"benign_signatures_accepted_per_agent_step", s.benign_signatures_accepted_per_agent_step},
                     {"flows_while_down", s.flows_while_down},
                     {"missed_while_down", s.missed_while_down},
                     {"live_steps", s.live_steps},
                     {"agent_steps_per_s", s.agent_steps_per_s},
                     {"head_seq", s.head_seq},
                     {"head_hash", s.head_hash}};
  nlohmann::json by_kind = nlohmann::json::object();
  for (const auto& k : s.by_kind) by_kind[k.kind] = kind_json(k);
  j["by_kind"] = std::move(by_kind);
  if (!s.labelled) j["precision"] = j["recall"] = j["f1"] = nullptr;
  if (s.recorded) {
    const auto& r = *s.recorded;
    j["recorded_traffic"] = {{"files", r.files},           {"rows_read", r.rows_read},
                             {"rows_skipped", r.rows_skipped}, {"flows", r.flows},
                             {"ipv6_skipped", r.ipv6_skipped}, {"unassigned", r.unassigned},
                             {"warmup_flows", r.warmup_flows}, {"run_flows", r.run_flows},
                             {"labelled", s.labelled}};
    if (r.mix != "none") {
      j["recorded_traffic"]["mix"] = r.mix;
      j["recorded_traffic"]["mixed_out"] = r.mixed_out;
    }
  }
}

void fill_protection(RunSummary& s, const ProtectionTracker& protection,
                     const std::array<KindDetection, agents::kCampaignKindCount>& detection, std::uint64_t last_step) {
  const auto all = protection.figures(last_step);
  s.campaign_arrivals = all.arrived;
  s.time_to_protect_mean = all.time_to_protect_mean;
  s.time_to_protect_censored_mean = all.time_to_protect_censored_mean;
  s.protected_before_hit = all.share_before_hit();
  s.never_protected = all.share_never_protected();
  s.protected_before_hit_count = all.protected_before_hit;
  s.protected_after_hit_count = all.protected_after_hit;
  s.never_protected_count = all.never_protected;
  s.by_kind.clear();
  for (std::size_t i = 0; i < agents::kCampaignKindCount; ++i) {
    const auto kind = static_cast<agents::CampaignKind>(i);
    const auto f = protection.figures(last_step, kind);
    const auto& d = detection[i];
    if (f.arrived == 0 && d.attack_flows == 0) continue;
    RunSummary::Kind k;
    k.kind = std::string(agents::name(kind));
    k.attack_flows = d.attack_flows;
    k.detected = d.detected;
    if (d.attack_flows > 0) k.recall = static_cast<double>(d.detected) / static_cast<double>(d.attack_flows);
    k.campaign_arrivals = f.arrived;
    k.protected_before_hit_count = f.protected_before_hit;
    k.never_protected_count = f.never_protected;
    k.protected_before_hit = f.share_before_hit();
    k.never_protected = f.share_never_protected();
    k.time_to_protect_mean = f.time_to_protect_mean;
    k.time_to_protect_censored_mean = f.time_to_protect_censored_mean;
    s.by_kind.push_back(std::move(k));
  }
}

std::string RunSummary::text() const {
  using ull = unsigned long long;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "run: %llu steps, %u agents, %llu events, head seq %llu %s\n"
                "detection: precision %.4f  recall %.4f  F1 %.4f  (benign flows blocked %llu)\n"
                "signatures: proposed %llu  endorsed %llu  accepted %llu  rejected %llu  votes %llu  "
                "decision latency %.2f steps\n"
                "protection: %llu campaign arrivals, %.1f%% protected before the hit, %.1f%% never protected; "
                "time-to-protect mean %s over protected arrivals, %s counting unprotected ones to the end\n"
                "faults: poisoned proposed %llu, poisoned accepted %llu, crashes %llu (attack flows missed while "
                "down %llu of %llu flows); signatures against benign addresses accepted %llu\n"
                "benign cost per agent-step: %.6f flows blocked, %.6f benign signatures accepted\n",
                static_cast<ull>(steps), agents, static_cast<ull>(events), static_cast<ull>(head_seq),
                head_hash.c_str(), precision, recall, f1, static_cast<ull>(benign_blocked), static_cast<ull>(proposed),
                static_cast<ull>(endorsed), static_cast<ull>(accepted), static_cast<ull>(rejected),
                static_cast<ull>(votes), decision_latency_mean, static_cast<ull>(campaign_arrivals),
                100.0 * protected_before_hit, 100.0 * never_protected, steps_or_na(time_to_protect_mean).c_str(),
                steps_or_na(time_to_protect_censored_mean).c_str(), static_cast<ull>(poisoned_proposed),
                static_cast<ull>(poisoned_accepted), static_cast<ull>(crashes), static_cast<ull>(missed_while_down),
                static_cast<ull>(flows_while_down), static_cast<ull>(benign_signatures_accepted),
                benign_blocked_per_agent_step,
                benign_signatures_accepted_per_agent_step);
  std::string out = buf;
  if (!labelled) {
    // The data carry no ground truth: say so rather than print zeros that read as a result.
    const auto at = out.find("detection: precision");
    const auto line_end = out.find('\n', at);
    std::snprintf(buf, sizeof buf, "detection: precision unknown  recall unknown  F1 unknown  (no labels; benign flows blocked %llu)",
                  static_cast<ull>(benign_blocked));
    out.replace(at, line_end - at, buf);
  }
  if (recorded) {
    std::snprintf(buf, sizeof buf,
                  "recorded traffic: %llu files, %llu flows (%llu rows skipped), %llu IPv6 flows skipped, %llu "
                  "unassigned, %llu warm-up flows, %llu run flows\n",
                  static_cast<ull>(recorded->files), static_cast<ull>(recorded->flows),
                  static_cast<ull>(recorded->rows_skipped), static_cast<ull>(recorded->ipv6_skipped),
                  static_cast<ull>(recorded->unassigned), static_cast<ull>(recorded->warmup_flows),
                  static_cast<ull>(recorded->run_flows));
    out += buf;
    if (recorded->mix != "none") {
      std::snprintf(buf, sizeof buf, "mixed: traffic.mix %s, %llu recorded flows of the other side left out\n",
                    recorded->mix.c_str(), static_cast<ull>(recorded->mixed_out));
      out += buf;
    }
  }
  std::snprintf(buf, sizeof buf,
                "adversary: attack signatures proposed %llu, accepted %llu, honest signatures lost %llu; "
                "recoveries %llu, to first vote %s, to first block %s\n",
                static_cast<ull>(attack_signatures_proposed), static_cast<ull>(attack_signatures_accepted),
                static_cast<ull>(honest_signatures_lost), static_cast<ull>(recoveries),
                steps_or_na(recovery_to_vote_mean).c_str(), steps_or_na(recovery_to_block_mean).c_str());
  out += buf;
  for (const auto& k : by_kind) {
    char recall_text[32] = "n/a";
    if (k.recall) std::snprintf(recall_text, sizeof recall_text, "%.4f", *k.recall);
    std::snprintf(buf, sizeof buf,
                  "  %-13s recall %s, %llu arrivals, %.1f%% protected before the hit, %.1f%% never protected, "
                  "time-to-protect %s (censored %s)\n",
                  k.kind.c_str(), recall_text, static_cast<ull>(k.campaign_arrivals), 100.0 * k.protected_before_hit,
                  100.0 * k.never_protected, steps_or_na(k.time_to_protect_mean).c_str(),
                  steps_or_na(k.time_to_protect_censored_mean).c_str());
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "speed: %.0f agent-steps/s over %llu live steps\n", agent_steps_per_s,
                static_cast<ull>(live_steps));
  return out + buf;
}

}  // namespace dais::server

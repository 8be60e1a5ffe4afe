#include "server/run_summary.h"

#include <cstdio>

namespace dais::server {

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
                     {"time_to_protect_mean", s.time_to_protect_mean},
                     {"protected_before_hit", s.protected_before_hit},
                     {"protected_before_hit_count", s.protected_before_hit_count},
                     {"protected_after_hit_count", s.protected_after_hit_count},
                     {"poisoned_proposed", s.poisoned_proposed},
                     {"poisoned_accepted", s.poisoned_accepted},
                     {"benign_signatures_proposed", s.benign_signatures_proposed},
                     {"benign_signatures_accepted", s.benign_signatures_accepted},
                     {"protected_rejections", s.protected_rejections},
                     {"benign_blocked", s.benign_blocked},
                     {"attack_blocked", s.attack_blocked},
                     {"flows_while_down", s.flows_while_down},
                     {"missed_while_down", s.missed_while_down},
                     {"live_steps", s.live_steps},
                     {"agent_steps_per_s", s.agent_steps_per_s},
                     {"head_seq", s.head_seq},
                     {"head_hash", s.head_hash}};
}

std::string RunSummary::text() const {
  using ull = unsigned long long;
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "run: %llu steps, %u agents, %llu events, head seq %llu %s\n"
                "detection: precision %.4f  recall %.4f  F1 %.4f  (benign flows blocked %llu)\n"
                "signatures: proposed %llu  endorsed %llu  accepted %llu  rejected %llu  votes %llu  "
                "decision latency %.2f steps\n"
                "protection: %llu campaign arrivals, %.1f%% protected before the hit, time-to-protect mean %.2f "
                "steps\n"
                "faults: poisoned proposed %llu, poisoned accepted %llu, crashes %llu (attack flows missed while "
                "down %llu of %llu flows); signatures against benign addresses accepted %llu\n"
                "speed: %.0f agent-steps/s over %llu live steps\n",
                static_cast<ull>(steps), agents, static_cast<ull>(events), static_cast<ull>(head_seq),
                head_hash.c_str(), precision, recall, f1, static_cast<ull>(benign_blocked), static_cast<ull>(proposed),
                static_cast<ull>(endorsed), static_cast<ull>(accepted), static_cast<ull>(rejected),
                static_cast<ull>(votes), decision_latency_mean, static_cast<ull>(campaign_arrivals),
                100.0 * protected_before_hit, time_to_protect_mean, static_cast<ull>(poisoned_proposed),
                static_cast<ull>(poisoned_accepted), static_cast<ull>(crashes), static_cast<ull>(missed_while_down),
                static_cast<ull>(flows_while_down), static_cast<ull>(benign_signatures_accepted), agent_steps_per_s, static_cast<ull>(live_steps));
  return buf;
}

}  // namespace dais::server

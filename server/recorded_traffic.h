// Recorded flows as the agents see them: each FlowRecord is given to one agent (its segment), turned
// into an agents::Connection (the remote party, the segment's host and port, bytes each way, SYNs) and
// featurised by the same per-source window as synthetic traffic (agents/flow_window.h). Capture time
// drives the run: capture step k holds the flows starting in [t0 + k·step_s, t0 + (k+1)·step_s), t0 the
// first flow's start rounded down to a second; the first `training_steps` capture steps are the agents'
// pre-run history (their first model and validator view), run step s is capture step s + training_steps.
// Rules (docs/SIMULATION.md "Recorded traffic"): segments by destination hash or per-agent CIDRs; the
// initiator (FlowRecord::src) is the remote party unless a CIDR segment holds it and not the
// destination (then the flow left the segment); IPv6 flows are counted and skipped (indicators are
// IPv4); failed logins are 0 (flow records carry no authentication outcome). Labels become kind ids
// (1 + index in kinds(), sorted by name; benign 0): ground truth for scoring only.
// Mixing (docs/SIMULATION.md "Mixing") keeps only the attack or only the benign flows: the others
// are dropped before any feature is counted, while t0 and the steps still come from every flow,
// so a run step covers the same capture time with or without mixing.
// build() is a pure function of its arguments; the result is immutable and thread-safe to read.
// Errors: std::invalid_argument with a message for the user (bad segment list, data shorter than the
// warm-up).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "agents/features.h"
#include "capture/flow_record.h"

namespace dais::server {

struct Ipv4Prefix {
  std::uint32_t network = 0;
  unsigned length = 32;
  bool covers(std::uint32_t address) const;
};
// "a.b.c.d/len" or "a.b.c.d" (a /32); nullopt otherwise.
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);

// One row of a label file: flows from `source` to `destination` (nullopt = any) starting in [from, to].
struct LabelRule {
  std::optional<Ipv4Prefix> source, destination;
  double from = 0, to = 0;
  std::string kind;
};

struct RecordedParams {
  std::uint32_t agents = 1;
  double step_seconds = 60;
  std::uint32_t training_steps = 10;
  std::uint32_t window_steps = 4;
  // Empty: destination-address hash over the agents. Else one entry per agent, its CIDRs.
  std::vector<std::vector<Ipv4Prefix>> segments;
  // With rules, they alone decide the labels (first match; no match = benign).
  std::vector<LabelRule> label_rules;
  bool use_label_rules = false;
  // Which labelled flows the agents see: all (recorded traffic alone), or one side for mixing.
  enum class Keep { all, attacks, benign };
  Keep keep = Keep::all;
};

struct RecordedCounters {
  std::uint64_t flows = 0;          // flow records given to build()
  std::uint64_t ipv6_skipped = 0;   // flows with an IPv6 address: no IPv4 indicator, skipped
  std::uint64_t unassigned = 0;     // CIDR segments: flows no agent's segment holds
  std::uint64_t warmup_flows = 0;   // in the first training_steps capture steps
  std::uint64_t run_flows = 0;      // in the run's steps
  std::uint64_t attack_flows = 0;   // labelled as an attack, warm-up included
  std::uint64_t mixed_out = 0;      // left out by RecordedParams::keep (the side the mix replaces)
};

class RecordedTraffic {
 public:
  // Throws std::invalid_argument when the segments do not match params.agents or the data end
  // within the warm-up.
  static RecordedTraffic build(std::vector<capture::FlowRecord> records, const RecordedParams& params);

  // Run steps the data cover (the last flow's capture step + 1 - training_steps).
  std::uint64_t steps() const { return steps_; }
  // Flows of `agent` at run step `step` in start order; empty past the data.
  std::span<const agents::Flow> flows(std::uint32_t agent, std::uint64_t step) const;
  // `agent`'s flows of the warm-up steps, oldest first.
  const std::vector<agents::Flow>& warmup(std::uint32_t agent) const { return agents_.at(agent).warmup; }
  // True when the data say which flows are attacks (a label column or a label file).
  bool labelled() const { return labelled_; }
  // Attack kinds: label id k is kinds()[k - 1].
  const std::vector<std::string>& kinds() const { return kinds_; }
  // Remote parties of attack-labelled flows (ground truth for the signature figures).
  const std::set<std::uint32_t>& attack_sources() const { return attack_sources_; }
  // Remote parties of every flow kept (attack or benign): what a mix must not collide with.
  const std::set<std::uint32_t>& sources() const { return sources_; }
  const RecordedCounters& counters() const { return counters_; }
  double t0() const { return t0_; }

 private:
  struct AgentFlows {
    std::vector<agents::Flow> warmup;
    std::vector<agents::Flow> run;         // every run step's flows, in step order
    std::vector<std::uint32_t> offsets;    // run step s: run[offsets[s], offsets[s + 1])
  };
  std::vector<AgentFlows> agents_;
  std::uint64_t steps_ = 0;
  bool labelled_ = false;
  std::vector<std::string> kinds_;
  std::set<std::uint32_t> attack_sources_;
  std::set<std::uint32_t> sources_;
  RecordedCounters counters_;
  double t0_ = 0;
};

}  // namespace dais::server

#include "server/recorded_traffic.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "agents/connection.h"
#include "agents/flow_window.h"
#include "capture/flow_csv.h"
#include "projections/committee.h"

namespace dais::server {

namespace {

constexpr std::uint32_t kNoAgent = std::numeric_limits<std::uint32_t>::max();

std::uint32_t mask(unsigned length) { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }

// The agent whose segment holds `address` by longest prefix (lowest agent on a tie), and the length.
std::pair<std::uint32_t, int> owner(const std::vector<std::vector<Ipv4Prefix>>& segments, std::uint32_t address) {
  std::uint32_t best = kNoAgent;
  int best_length = -1;
  for (std::uint32_t a = 0; a < segments.size(); ++a) {
    for (const auto& p : segments[a]) {
      if (p.covers(address) && static_cast<int>(p.length) > best_length) {
        best = a;
        best_length = static_cast<int>(p.length);
      }
    }
  }
  return {best, best_length};
}

bool matches(const LabelRule& rule, std::uint32_t src, std::uint32_t dst, double start) {
  return (!rule.source || rule.source->covers(src)) && (!rule.destination || rule.destination->covers(dst)) &&
         start >= rule.from && start <= rule.to;
}

struct Placed {
  std::uint32_t agent = 0;
  std::int64_t capture_step = 0;
  std::size_t order = 0;  // input order, the tie-break after start time
  agents::Connection connection;
};

}  // namespace

bool Ipv4Prefix::covers(std::uint32_t address) const { return (address & mask(length)) == network; }

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
  const auto slash = text.find('/');
  const auto address = agents::parse_ipv4(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned length = 32;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty() || length > 32) return std::nullopt;
  }
  return Ipv4Prefix{*address & mask(length), length};
}

RecordedTraffic RecordedTraffic::build(std::vector<capture::FlowRecord> records, const RecordedParams& params) {
  if (params.agents == 0) throw std::invalid_argument("recorded traffic needs at least one agent");
  if (!params.segments.empty() && params.segments.size() != params.agents) {
    throw std::invalid_argument("traffic.segments lists " + std::to_string(params.segments.size()) +
                                " segments for " + std::to_string(params.agents) +
                                " agents: give one CIDR list per agent, or 'hash'");
  }
  if (!(params.step_seconds > 0)) throw std::invalid_argument("traffic.step_seconds must be above 0");
  RecordedTraffic out;
  out.counters_.flows = records.size();
  out.labelled_ = params.use_label_rules;

  // Ground truth first: the label of each IPv4 flow (nullopt: the data do not say).
  std::vector<Placed> placed;
  std::vector<std::optional<std::string>> labels;
  placed.reserve(records.size());
  double t0 = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto& r = records[i];
    const auto src = r.src.as_v4();
    const auto dst = r.dst.as_v4();
    if (!src || !dst) {
      ++out.counters_.ipv6_skipped;
      continue;
    }
    Placed p;
    p.order = i;
    auto& c = p.connection;
    bool outbound = false;  // the segment's host initiated the flow
    if (params.segments.empty()) {
      const std::array<char, 4> bytes = {static_cast<char>(*dst >> 24), static_cast<char>(*dst >> 16),
                                         static_cast<char>(*dst >> 8), static_cast<char>(*dst)};
      p.agent = static_cast<std::uint32_t>(projections::fnv1a64(std::string_view(bytes.data(), 4)) % params.agents);
    } else {
      const auto [to, to_length] = owner(params.segments, *dst);
      const auto [from, from_length] = owner(params.segments, *src);
      if (to == kNoAgent && from == kNoAgent) {
        ++out.counters_.unassigned;
        continue;
      }
      outbound = to == kNoAgent;
      p.agent = outbound ? from : to;
    }
    c.source = outbound ? *dst : *src;
    c.dst_host = outbound ? *src : *dst;
    c.dst_port = r.dst_port;
    c.bytes_in = static_cast<double>(outbound ? r.bytes_bwd : r.bytes_fwd);
    c.bytes_out = static_cast<double>(outbound ? r.bytes_fwd : r.bytes_bwd);
    c.duration_s = std::max(0.0, r.end_s - r.start_s);
    c.packets = static_cast<std::uint32_t>(
        std::clamp<std::uint64_t>(r.packets_fwd + r.packets_bwd, 1, std::numeric_limits<std::uint32_t>::max()));
    c.syn_packets = std::min(r.syn, c.packets);
    c.failed_logins = 0;
    c.start_s = r.start_s;  // made relative to run step 0 below
    t0 = std::min(t0, r.start_s);
    std::optional<std::string> label = r.label;
    if (params.use_label_rules) {
      label = std::string();
      for (const auto& rule : params.label_rules) {
        if (matches(rule, *src, *dst, r.start_s)) {
          label = rule.kind;
          break;
        }
      }
    }
    if (label) out.labelled_ = true;
    labels.push_back(label && !capture::is_benign_label(*label) ? std::move(label) : std::nullopt);
    placed.push_back(std::move(p));
  }
  records.clear();
  records.shrink_to_fit();

  // Kinds by name, so the ids do not depend on the order of the input.
  std::set<std::string> kinds;
  for (const auto& l : labels) {
    if (l) kinds.insert(*l);
  }
  out.kinds_.assign(kinds.begin(), kinds.end());
  std::map<std::string, std::uint32_t> kind_id;
  for (std::size_t k = 0; k < out.kinds_.size(); ++k) kind_id[out.kinds_[k]] = static_cast<std::uint32_t>(k + 1);

  out.t0_ = placed.empty() ? 0.0 : std::floor(t0);
  const double run_start = out.t0_ + params.training_steps * params.step_seconds;
  std::int64_t last_step = -1;
  for (std::size_t i = 0; i < placed.size(); ++i) {
    auto& p = placed[i];
    p.capture_step = static_cast<std::int64_t>(std::floor((p.connection.start_s - out.t0_) / params.step_seconds));
    p.connection.start_s -= run_start;
    if (labels[i]) {
      p.connection.label = kind_id[*labels[i]];
      out.attack_sources_.insert(p.connection.source);
      ++out.counters_.attack_flows;
    }
    last_step = std::max(last_step, p.capture_step);
  }
  // Mixing drops one side only now: t0 and the last step above came from every flow.
  if (params.keep != RecordedParams::Keep::all) {
    const bool keep_attacks = params.keep == RecordedParams::Keep::attacks;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < placed.size(); ++i) {
      const bool attack = placed[i].connection.label != 0;
      if (attack != keep_attacks) continue;
      if (kept != i) placed[kept] = std::move(placed[i]);
      ++kept;
    }
    out.counters_.mixed_out = placed.size() - kept;
    placed.resize(kept);
    if (!keep_attacks) {  // no attack left: its kinds and sources are no ground truth of this run
      out.kinds_.clear();
      out.attack_sources_.clear();
      out.counters_.attack_flows = 0;
    }
  }
  for (const auto& p : placed) out.sources_.insert(p.connection.source);
  const std::int64_t training = params.training_steps;
  if (last_step + 1 <= training) {
    throw std::invalid_argument("the recorded traffic covers " + std::to_string(last_step + 1) + " steps of " +
                                std::to_string(params.step_seconds) + " s; traffic.training_steps = " +
                                std::to_string(training) + " leaves no step to run (lower it or traffic.step_seconds)");
  }
  out.steps_ = static_cast<std::uint64_t>(last_step + 1 - training);

  std::sort(placed.begin(), placed.end(), [](const Placed& a, const Placed& b) {
    if (a.agent != b.agent) return a.agent < b.agent;
    if (a.capture_step != b.capture_step) return a.capture_step < b.capture_step;
    if (a.connection.start_s != b.connection.start_s) return a.connection.start_s < b.connection.start_s;
    return a.order < b.order;
  });
  out.agents_.resize(params.agents);
  std::size_t begin = 0;
  std::vector<agents::Connection> step_records;
  for (std::uint32_t a = 0; a < params.agents; ++a) {
    auto& mine = out.agents_[a];
    mine.offsets.assign(out.steps_ + 1, 0);
    agents::FlowWindow window(params.window_steps);
    std::size_t end = begin;
    while (end < placed.size() && placed[end].agent == a) ++end;
    for (std::size_t k = begin; k < end;) {
      const auto step = placed[k].capture_step;
      step_records.clear();
      for (; k < end && placed[k].capture_step == step; ++k) step_records.push_back(placed[k].connection);
      auto flows = window.advance(step - training, step_records, params.step_seconds);
      if (step < training) {
        out.counters_.warmup_flows += flows.size();
        mine.warmup.insert(mine.warmup.end(), flows.begin(), flows.end());
      } else {
        out.counters_.run_flows += flows.size();
        mine.run.insert(mine.run.end(), flows.begin(), flows.end());
        mine.offsets[static_cast<std::size_t>(step - training) + 1] = static_cast<std::uint32_t>(flows.size());
      }
    }
    for (std::size_t s = 1; s < mine.offsets.size(); ++s) mine.offsets[s] += mine.offsets[s - 1];
    begin = end;
  }
  return out;
}

std::span<const agents::Flow> RecordedTraffic::flows(std::uint32_t agent, std::uint64_t step) const {
  const auto& mine = agents_.at(agent);
  if (step >= steps_) return {};
  return std::span<const agents::Flow>(mine.run).subspan(mine.offsets[step], mine.offsets[step + 1] - mine.offsets[step]);
}

}  // namespace dais::server

#include "projections/run_stats.h"

#include <algorithm>

#include "projections/fold.h"

namespace dais::projections {

namespace {

using nlohmann::json;

double ratio(std::uint64_t num, std::uint64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

json totals_json(const StepTotals& t) {
  return {{"flows", t.flows},
          {"attack_flows", t.attack_flows},
          {"flagged", t.flagged},
          {"true_positives", t.true_positives},
          {"false_positives", t.false_positives},
          {"false_negatives", t.false_negatives},
          {"blocked", t.blocked},
          {"blocked_attack", t.blocked_attack},
          {"blocked_benign", t.blocked_benign},
          {"blacklist_hits", t.blacklist_hits},
          {"flows_while_down", t.flows_while_down},
          {"missed_while_down", t.missed_while_down}};
}

StepTotals totals_from(const json& j) {
  StepTotals t;
  t.flows = j.at("flows").get<std::uint64_t>();
  t.attack_flows = j.at("attack_flows").get<std::uint64_t>();
  t.flagged = j.at("flagged").get<std::uint64_t>();
  t.true_positives = j.at("true_positives").get<std::uint64_t>();
  t.false_positives = j.at("false_positives").get<std::uint64_t>();
  t.false_negatives = j.at("false_negatives").get<std::uint64_t>();
  t.blocked = j.at("blocked").get<std::uint64_t>();
  t.blocked_attack = j.at("blocked_attack").get<std::uint64_t>();
  t.blocked_benign = j.at("blocked_benign").get<std::uint64_t>();
  t.blacklist_hits = j.at("blacklist_hits").get<std::uint64_t>();
  t.flows_while_down = j.at("flows_while_down").get<std::uint64_t>();
  t.missed_while_down = j.at("missed_while_down").get<std::uint64_t>();
  return t;
}

}  // namespace

Rates rates(std::uint64_t tp, std::uint64_t fp, std::uint64_t fn) {
  Rates r;
  r.precision = ratio(tp, tp + fp);
  r.recall = ratio(tp, tp + fn);
  r.f1 = r.precision + r.recall > 0 ? 2 * r.precision * r.recall / (r.precision + r.recall) : 0.0;
  return r;
}

void RunStats::apply(const events::Event& event) {
  const auto& t = event.type;
  if (t == events::type::run_started) {
    const auto r = decode<events::RunStarted>(event);
    run_ = {{"agents", r.agents}, {"steps", r.steps}, {"seed", r.seed}, {"version", r.version}, {"format", r.format}};
  } else if (t == events::type::signature_proposed) {
    const auto p = decode<events::SignatureProposed>(event);
    ++consensus_.proposed;
    open_[p.signature_id] = event.step;
  } else if (t == events::type::signature_endorsed) {
    decode<events::SignatureEndorsed>(event);
    ++consensus_.endorsed;
  } else if (t == events::type::vote_cast) {
    decode<events::VoteCast>(event);
    ++consensus_.votes;
  } else if (t == events::type::consensus_reached) {
    const auto d = decode<events::ConsensusReached>(event);
    auto it = open_.find(d.signature_id);
    if (it == open_.end()) fail(event, "unknown or decided signature " + d.signature_id);
    consensus_.latency_sum += event.step >= it->second ? event.step - it->second : 0;
    open_.erase(it);
    ++(d.accepted ? consensus_.accepted : consensus_.rejected);
    ++consensus_.by_reason[d.reason];
  } else if (t == events::type::model_retrained) {
    decode<events::ModelRetrained>(event);
    ++retrained_;
  } else if (t == events::type::agent_crashed) {
    decode<events::AgentCrashed>(event);
    ++crashes_;
  } else if (t == events::type::agent_recovered) {
    decode<events::AgentRecovered>(event);
    ++recoveries_;
  } else if (t == events::type::attack_injected) {
    decode<events::AttackInjected>(event);
    ++attacks_injected_;
  } else if (t == events::type::simulation_paused) {
    paused_by_ = decode<events::SimulationPaused>(event).by;
    paused_ = true;
  } else if (t == events::type::simulation_resumed) {
    decode<events::SimulationResumed>(event);
    paused_ = false;
    paused_by_.clear();
  } else if (t == events::type::step_completed) {
    StepRow row;
    row.step = event.step;
    row.stats = decode<events::StepCompleted>(event);
    const auto& rows = history_.recent();
    if (!rows.empty() && rows.back().step >= row.step) {
      fail(event, "StepCompleted for step " + std::to_string(row.step) + " after step " +
                      std::to_string(rows.back().step));
    }
    for (const auto& [indicator, hits] : row.stats.blacklist_hits) row.blacklist_hits += hits;
    row.stats.blacklist_hits.clear();
    add_row(totals_, row);
    history_.add(std::move(row));
  }
  head_step_ = std::max(head_step_.value_or(0), event.step);
}

double RunStats::mean_decision_latency() const {
  const auto decided = consensus_.accepted + consensus_.rejected;
  return decided == 0 ? 0.0 : static_cast<double>(consensus_.latency_sum) / static_cast<double>(decided);
}

json RunStats::row_json(const StepRow& row) {
  json j = row.stats;
  j["step"] = row.step;
  j["blacklist_hits"] = row.blacklist_hits;
  return j;
}

json RunStats::view() const {
  const auto r = rates();
  return {{"run", run_},
          {"head_step", or_null(head_step_)},
          {"steps_completed", steps_completed()},
          {"last_step", rows().empty() ? json(nullptr) : row_json(rows().back())},
          {"paused", paused_},
          {"paused_by", paused_ ? json(paused_by_) : json(nullptr)},
          {"totals", totals_json(totals_)},
          {"rates", {{"precision", r.precision}, {"recall", r.recall}, {"f1", r.f1}}},
          {"consensus",
           {{"proposed", consensus_.proposed},
            {"endorsed", consensus_.endorsed},
            {"votes", consensus_.votes},
            {"accepted", consensus_.accepted},
            {"rejected", consensus_.rejected},
            {"pending", open_.size()},
            {"by_reason", consensus_.by_reason},
            {"mean_decision_latency", mean_decision_latency()}}},
          {"retrained", retrained_},
          {"crashes", crashes_},
          {"recoveries", recoveries_},
          {"attacks_injected", attacks_injected_}};
}

json RunStats::rows_json(std::uint64_t from_step, std::size_t limit) const {
  const auto& recent = history_.recent();
  auto it = std::lower_bound(recent.begin(), recent.end(), from_step,
                             [](const StepRow& row, std::uint64_t step) { return row.step < step; });
  json rows = json::array();
  for (; it != recent.end() && rows.size() < limit; ++it) rows.push_back(row_json(*it));
  return {{"rows", std::move(rows)}};
}

json RunStats::to_json() const {
  json rows = json::array();
  for (const auto& row : history_.recent()) rows.push_back(row_json(row));
  json buckets = json::array();
  for (const auto& b : history_.buckets()) {
    buckets.push_back({{"first_step", b.first_step}, {"last_step", b.last_step}, {"steps", b.steps},
                       {"totals", totals_json(b.totals)}});
  }
  const auto& limits = history_.limits();
  return {{"rows", std::move(rows)},
          {"history",
           {{"recent_steps", limits.recent_steps},
            {"bucket_steps", limits.bucket_steps},
            {"max_buckets", limits.max_buckets},
            {"bucket_width", history_.bucket_width()},
            {"steps", history_.steps()},
            {"buckets", std::move(buckets)}}},
          {"totals", totals_json(totals_)},
          {"consensus",
           {{"proposed", consensus_.proposed},
            {"endorsed", consensus_.endorsed},
            {"votes", consensus_.votes},
            {"accepted", consensus_.accepted},
            {"rejected", consensus_.rejected},
            {"by_reason", consensus_.by_reason},
            {"latency_sum", consensus_.latency_sum}}},
          {"open", open_},
          {"head_step", or_null(head_step_)},
          {"paused", paused_},
          {"paused_by", paused_by_},
          {"retrained", retrained_},
          {"crashes", crashes_},
          {"recoveries", recoveries_},
          {"attacks_injected", attacks_injected_},
          {"run", run_}};
}

RunStats RunStats::from_json(const json& j) {
  RunStats s;
  try {
    std::deque<StepRow> recent;
    for (const auto& r : j.at("rows")) {
      StepRow row;
      row.step = r.at("step").get<std::uint64_t>();
      row.blacklist_hits = r.at("blacklist_hits").get<std::uint64_t>();
      json stats = r;
      stats["blacklist_hits"] = json::object();
      row.stats = stats.get<events::StepCompleted>();
      recent.push_back(std::move(row));
    }
    const auto& h = j.at("history");
    HistoryLimits limits{h.at("recent_steps").get<std::size_t>(), h.at("bucket_steps").get<std::size_t>(),
                         h.at("max_buckets").get<std::size_t>()};
    std::vector<StepBucket> buckets;
    for (const auto& b : h.at("buckets")) {
      buckets.push_back(StepBucket{b.at("first_step").get<std::uint64_t>(), b.at("last_step").get<std::uint64_t>(),
                                   b.at("steps").get<std::uint64_t>(), totals_from(b.at("totals"))});
    }
    s.history_ = StepHistory::restore(limits, std::move(recent), std::move(buckets),
                                      h.at("bucket_width").get<std::uint64_t>(), h.at("steps").get<std::uint64_t>());
    s.totals_ = totals_from(j.at("totals"));
    const auto& c = j.at("consensus");
    s.consensus_.proposed = c.at("proposed").get<std::uint64_t>();
    s.consensus_.endorsed = c.at("endorsed").get<std::uint64_t>();
    s.consensus_.votes = c.at("votes").get<std::uint64_t>();
    s.consensus_.accepted = c.at("accepted").get<std::uint64_t>();
    s.consensus_.rejected = c.at("rejected").get<std::uint64_t>();
    s.consensus_.by_reason = c.at("by_reason").get<std::map<std::string, std::uint64_t>>();
    s.consensus_.latency_sum = c.at("latency_sum").get<std::uint64_t>();
    s.open_ = j.at("open").get<std::map<std::string, std::uint64_t>>();
    s.head_step_ = optional_from<std::uint64_t>(j, "head_step");
    s.paused_ = j.at("paused").get<bool>();
    s.paused_by_ = j.at("paused_by").get<std::string>();
    s.retrained_ = j.at("retrained").get<std::uint64_t>();
    s.crashes_ = j.at("crashes").get<std::uint64_t>();
    s.recoveries_ = j.at("recoveries").get<std::uint64_t>();
    s.attacks_injected_ = j.at("attacks_injected").get<std::uint64_t>();
    s.run_ = j.at("run");
  } catch (const nlohmann::json::exception& e) {
    throw ProjectionError(std::string("malformed stats snapshot: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw ProjectionError(std::string("malformed stats snapshot: ") + e.what());
  }
  return s;
}

}  // namespace dais::projections

#include "server/recovery.h"

#include "agents/indicator.h"

namespace dais::server {

namespace {

void restore_list(agents::Blacklist& out, const projections::Blacklists::List& list, std::uint64_t step) {
  for (const auto& [indicator, e] : list) {
    // Every entry of a run has the run's prefix length; anything else cannot have come from it.
    const auto parsed = agents::parse_indicator_ipv4(indicator);
    if (!parsed || parsed->prefix_len != out.prefix_len() || e.expires_step <= step || e.ttl == 0) continue;
    agents::Blacklist::Entry entry;
    entry.indicator = parsed->network;
    entry.signature_id = e.signature_id;
    entry.added_step = e.added_step;
    entry.expiry_steps = e.ttl;
    entry.expires_step = e.expires_step;
    entry.last_hit_step = e.expires_step - e.ttl;
    entry.hits = e.hits;
    out.restore(std::move(entry));
  }
}

}  // namespace

agents::Blacklist recovered_blacklist(const projections::Blacklists& log, std::uint32_t agent, std::uint64_t step,
                                      std::size_t capacity, unsigned prefix_len) {
  agents::Blacklist out(capacity, prefix_len);
  restore_list(out, log.network(), step);
  restore_list(out, log.local(agent), step);
  return out;
}

}  // namespace dais::server

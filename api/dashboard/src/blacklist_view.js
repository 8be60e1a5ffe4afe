// The network blacklist (GET /v1/blacklist): indicator, signature, expiry and
// hits, most hit first, bounded to `maxRows` rows; also answers how many
// entries apply to one agent (network entries plus its local list).
import { escapeHtml, formatNumber, shortHash } from './dom.js';

export class BlacklistView {
  constructor({ table, summary, maxRows = 200 }) {
    this.table = table;
    this.summary = summary;
    this.maxRows = maxRows;
    this.data = { network: [], local: {}, completed_step: null };
    this.networkLive = 0;
  }

  update(body) {
    this.data = {
      network: Array.isArray(body?.network) ? body.network : [],
      local: body?.local && typeof body.local === 'object' ? body.local : {},
      completed_step: body?.completed_step ?? null,
    };
    this.networkLive = this.data.network.filter((e) => this.isLive(e)).length;
  }

  // Entries not yet expired at the last completed step.
  isLive(entry) {
    const step = this.data.completed_step;
    return step === null || entry.expires_step >= step;
  }

  sizeFor(agentId) {
    const local = this.data.local[String(agentId)] ?? [];
    let n = this.networkLive;
    for (const e of local) if (this.isLive(e)) n++;
    return n;
  }

  render() {
    const step = this.data.completed_step;
    const entries = [...this.data.network].sort((a, b) => (b.hits ?? 0) - (a.hits ?? 0) || String(a.indicator).localeCompare(String(b.indicator)));
    const live = entries.filter((e) => this.isLive(e)).length;
    let html = '';
    for (const e of entries.slice(0, this.maxRows)) {
      const left = step === null ? '' : e.expires_step >= step ? ` (in ${e.expires_step - step})` : ' (expired)';
      html += `<tr class="${this.isLive(e) ? '' : 'expired'}"><td>${escapeHtml(e.indicator)}</td>` +
        `<td title="${escapeHtml(e.signature_id)}">${escapeHtml(shortHash(e.signature_id))}</td>` +
        `<td>${e.added_step}</td><td>${e.expires_step}${left}</td><td>${formatNumber(e.hits)}</td></tr>`;
    }
    if (!entries.length) html = '<tr><td colspan="5" class="muted">no entries yet</td></tr>';
    this.table.tBodies[0].innerHTML = html;
    const localCount = Object.values(this.data.local).reduce((n, list) => n + list.length, 0);
    const more = entries.length > this.maxRows ? ` · top ${this.maxRows} shown` : '';
    this.summary.textContent = `${entries.length} network entries (${live} live) · ${localCount} in local lists${more}`;
  }
}

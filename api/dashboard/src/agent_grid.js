// The agent grid: one cell per agent from GET /v1/agents, coloured by health
// (active, crashed, Byzantine when the API says so), with reputation as a bar
// and the model version and blacklist size in the tooltip. Cells are created
// once and updated only where an agent's figures changed. Clicking a cell
// loads GET /v1/agents/{id} into the detail panel.
import { escapeHtml, formatNumber } from './dom.js';

export class AgentGrid {
  constructor({ grid, detail, summary, loadAgent }) {
    this.grid = grid;
    this.detail = detail;
    this.summary = summary;
    this.loadAgent = loadAgent;
    this.cells = [];
    this.signatures = [];   // per agent: the figures last drawn, to diff against
    this.agents = [];
    this.blacklistSizes = () => 0;
    this.selected = null;
    grid.addEventListener('click', (event) => {
      const cell = event.target.closest('.agent');
      if (cell) this.select(Number(cell.dataset.id));
    });
    // Tooltips are written when pointed at, not on every update of 1000 cells.
    grid.addEventListener('pointerover', (event) => {
      const cell = event.target.closest('.agent');
      if (cell) cell.title = this.tooltip(Number(cell.dataset.id));
    });
  }

  // `list`: the body of GET /v1/agents; `blacklistSize(id)`: entries that apply to an agent.
  update(list, blacklistSize) {
    this.agents = Array.isArray(list?.agents) ? list.agents : [];
    this.blacklistSizes = blacklistSize;
  }

  render() {
    const agents = this.agents;
    while (this.cells.length < agents.length) {
      const cell = document.createElement('button');
      cell.type = 'button';
      cell.className = 'agent';
      cell.dataset.id = String(this.cells.length);
      cell.innerHTML = `<span class="id">${this.cells.length}</span><span class="ver"></span><span class="rep"></span>`;
      this.grid.appendChild(cell);
      this.cells.push(cell);
      this.signatures.push('');
    }
    while (this.cells.length > agents.length) {
      this.cells.pop().remove();
      this.signatures.pop();
    }
    let crashed = 0;
    let byzantine = 0;
    for (let i = 0; i < agents.length; i++) {
      const a = agents[i];
      const health = a.crashed ? 'crashed' : a.byzantine ? 'byzantine' : 'active';
      if (a.crashed) crashed++;
      if (a.byzantine) byzantine++;
      const rep = typeof a.reputation === 'number' ? a.reputation : 1;
      const blacklist = this.blacklistSizes(a.id ?? i);
      const signature = `${health}|${rep.toFixed(3)}|${a.model_version}|${blacklist}|${i === this.selected}`;
      if (signature === this.signatures[i]) continue;
      this.signatures[i] = signature;
      const cell = this.cells[i];
      cell.className = `agent ${health}${i === this.selected ? ' selected' : ''}`;
      cell.children[1].textContent = `v${a.model_version ?? 0}`;
      cell.children[2].style.width = `${Math.max(0, Math.min(1, rep)) * 100}%`;
    }
    const byz = agents.some((a) => 'byzantine' in a) ? ` · ${byzantine} Byzantine` : '';
    this.summary.textContent = `${agents.length} agents · ${agents.length - crashed} active · ${crashed} crashed${byz}`;
  }

  tooltip(i) {
    const a = this.agents[i];
    if (!a) return '';
    const health = a.crashed ? 'crashed' : a.byzantine ? 'Byzantine' : 'active';
    const rep = typeof a.reputation === 'number' ? a.reputation.toFixed(3) : '–';
    return `agent ${a.id ?? i} · ${health}\nreputation ${rep}\nmodel v${a.model_version ?? 0}` +
      `\nblacklist ${this.blacklistSizes(a.id ?? i)} entries\nproposals ${a.proposals ?? 0} · votes ${a.votes ?? 0}`;
  }

  select(id) {
    this.selected = id;
    this.render();
    this.detail.innerHTML = `<p class="muted">loading agent ${id}…</p>`;
    return this.loadDetail(id);
  }

  // Reloads the selected agent's detail (after each poll, so it never goes stale).
  refreshDetail() {
    return this.selected === null ? Promise.resolve() : this.loadDetail(this.selected);
  }

  async loadDetail(id) {
    try {
      const agent = await this.loadAgent(id);
      if (this.selected !== id) return;
      const rows = Object.entries(agent).map(([key, value]) => {
        const shown = typeof value === 'number' && !Number.isInteger(value) ? formatNumber(value, 3) : value === null ? '–' : String(value);
        return `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(shown)}</td></tr>`;
      });
      rows.push(`<tr><th>blacklist entries</th><td>${this.blacklistSizes(id)}</td></tr>`);
      this.detail.innerHTML = `<h3>Agent ${id}</h3><table class="kv">${rows.join('')}</table>`;
    } catch (error) {
      this.detail.innerHTML = `<p class="error">agent ${id}: ${escapeHtml(error.message)}</p>`;
    }
  }
}

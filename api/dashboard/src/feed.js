// The live event feed: the newest events (seq, type, step) with a type filter.
// Keeps the last `capacity` events of the whole stream and, while a filter is
// set, the last `capacity` events of that type, so a rare type is not pushed
// out by frequent ones. Only the rows in view are in the DOM (fixed row
// height, spacer rows above and below): rebuilding hundreds of table rows
// several times a second is what made the page stutter under load.
import { Ring } from './ring.js';
import { escapeHtml } from './dom.js';

const ROW_HEIGHT = 20;  // px; matches `.feed tbody tr` in app.css
const OVERSCAN = 8;

export class EventFeed {
  constructor({ table, scroller, filter, counter, capacity = 500 }) {
    this.table = table;
    this.scroller = scroller;
    this.filter = filter;
    this.counter = counter;
    this.scrollPending = false;
    scroller.addEventListener('scroll', () => {
      if (this.scrollPending) return;
      this.scrollPending = true;
      requestAnimationFrame(() => {
        this.scrollPending = false;
        this.render();
      });
    }, { passive: true });
    this.capacity = capacity;
    this.all = new Ring(capacity);
    this.filtered = null;
    this.filterType = '';
    this.types = new Set();
    this.typesChanged = false;
    this.received = 0;
    filter.addEventListener('change', () => this.setFilter(filter.value));
  }

  // Returns true when the view changed.
  add(entry) {
    const row = { seq: entry.seq, type: String(entry.event.type ?? '?'), step: entry.event.step };
    this.received++;
    this.all.push(row);
    if (!this.types.has(row.type)) {
      this.types.add(row.type);
      this.typesChanged = true;
    }
    if (this.filtered && row.type === this.filterType) this.filtered.push(row);
    return true;
  }

  setFilter(type) {
    this.filterType = type;
    if (!type) {
      this.filtered = null;
    } else {
      this.filtered = new Ring(this.capacity);
      for (const row of this.all.newestFirst().reverse()) if (row.type === type) this.filtered.push(row);
    }
    this.render();
  }

  render() {
    if (this.typesChanged) {
      this.typesChanged = false;
      const options = ['<option value="">all types</option>'];
      for (const type of [...this.types].sort()) {
        options.push(`<option value="${escapeHtml(type)}"${type === this.filterType ? ' selected' : ''}>${escapeHtml(type)}</option>`);
      }
      this.filter.innerHTML = options.join('');
    }
    const rows = (this.filtered ?? this.all).newestFirst();
    const headerHeight = this.table.tHead?.offsetHeight ?? 0;
    const top = Math.max(0, this.scroller.scrollTop - headerHeight);
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length, first + Math.ceil(this.scroller.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN);
    let html = first > 0 ? `<tr class="spacer" style="height:${first * ROW_HEIGHT}px"></tr>` : '';
    for (let i = first; i < last; i++) {
      const r = rows[i];
      html += `<tr class="t-${escapeHtml(r.type)}"><td>${r.seq}</td><td>${escapeHtml(r.type)}</td><td>${r.step ?? ''}</td></tr>`;
    }
    if (last < rows.length) html += `<tr class="spacer" style="height:${(rows.length - last) * ROW_HEIGHT}px"></tr>`;
    this.table.tBodies[0].innerHTML = html;
    this.counter.textContent = `${this.received.toLocaleString('en-US')} received · showing ${rows.length}`;
  }
}

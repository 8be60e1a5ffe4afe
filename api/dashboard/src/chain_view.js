// The chain head (GET /v1/chain) and the in-browser verification of the events
// received: SHA-256 of each event's exact bytes against its hash, and each
// `prev` against the hash before it (ChainTracker.verify).
import { escapeHtml, formatNumber, shortHash } from './dom.js';
import { makeHasher } from './sha256.js';

export class ChainView {
  constructor({ root, tracker }) {
    this.root = root;
    this.tracker = tracker;
    this.head = null;
    this.hasher = makeHasher();
    this.button = root.querySelector('#verify');
    this.result = root.querySelector('#verify-result');
    this.button.addEventListener('click', () => this.verify());
  }

  update(head) {
    this.head = head;
  }

  render() {
    const h = this.head;
    this.root.querySelector('#chain-count').textContent = h ? formatNumber(h.count) : '–';
    this.root.querySelector('#chain-head-seq').textContent = h?.head_seq ?? '–';
    const hash = this.root.querySelector('#chain-head-hash');
    hash.textContent = h ? shortHash(h.head_hash) : '–';
    hash.title = h?.head_hash ?? '';
    const t = this.tracker;
    this.root.querySelector('#chain-received').textContent =
      `${formatNumber(t.received)} received, last ${formatNumber(t.buffered())} kept for verification`;
  }

  async verify() {
    this.button.disabled = true;
    this.result.className = 'result';
    this.result.textContent = 'verifying…';
    try {
      const started = performance.now();
      const r = await this.tracker.verify(this.hasher, this.head);
      const ms = Math.round(performance.now() - started);
      if (r.ok) {
        const range = r.checked ? `seq ${r.fromSeq}–${r.toSeq}` : 'nothing received yet';
        const head = r.headChecked ? ' · matches the chain head' : '';
        this.result.className = 'result ok';
        this.result.textContent = `verified ${formatNumber(r.checked)} events (${range}): hashes and prev links intact${head} (${ms} ms)`;
      } else {
        this.result.className = 'result error';
        this.result.innerHTML = `verification FAILED: ${escapeHtml(r.failure)}`;
      }
    } catch (error) {
      this.result.className = 'result error';
      this.result.textContent = `verification could not run: ${error.message}`;
    } finally {
      this.button.disabled = false;
    }
  }
}

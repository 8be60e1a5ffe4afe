// What the dashboard knows of the hash chain (docs/LOG_FORMAT.md) from the
// events it received: a running check that every event's `prev` is the hash of
// the event before it and its `seq` the one announced, plus a bounded buffer of
// the raw bytes so `verify()` can recompute the SHA-256 of each.
// Memory: at most `capacity` raw events are kept; older ones leave the buffer
// but their link check has already been done.

export const ZERO_HASH = '0'.repeat(64);

export class ChainTracker {
  constructor(capacity = 20000) {
    this.capacity = capacity;
    this.entries = [];        // {seq, hash, raw}, oldest first
    this.start = 0;           // index of the oldest live entry (compacted lazily)
    this.lastSeq = null;
    this.lastHash = null;
    this.received = 0;
    this.firstSeq = null;
    this.linkBreak = null;    // first problem seen by the running check: {seq, reason}
  }

  // Records one stream entry (see wire.js); returns the problem it shows, if any.
  add(entry) {
    const { seq, hash, raw, event } = entry;
    let problem = null;
    if (event.seq !== seq) {
      problem = `event seq ${event.seq} differs from the entry's ${seq}`;
    } else if (this.lastSeq !== null && seq === this.lastSeq + 1 && event.prev !== this.lastHash) {
      problem = `prev ${String(event.prev).slice(0, 12)}… is not the hash of seq ${this.lastSeq}`;
    } else if (this.lastSeq === null && seq === 0 && event.prev !== ZERO_HASH) {
      problem = 'seq 0 has a prev other than 64 zeros';
    } else if (this.lastSeq !== null && seq <= this.lastSeq) {
      problem = `seq ${seq} arrived after seq ${this.lastSeq}`;
    }
    if (problem && !this.linkBreak) this.linkBreak = { seq, reason: problem };
    // A gap (a reconnection that skipped events) is not a broken link: the next
    // `prev` simply cannot be checked against an event we never saw.
    if (this.firstSeq === null) this.firstSeq = seq;
    this.lastSeq = seq;
    this.lastHash = hash;
    this.received++;
    this.entries.push({ seq, hash, raw });
    if (this.entries.length - this.start > this.capacity) this.start++;
    if (this.start > this.capacity) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
    return problem;
  }

  buffered() {
    return this.entries.length - this.start;
  }

  // Recomputes the hash of every buffered event and checks the links between
  // consecutive ones. `hasher`: text -> Promise<hex>. `head` (optional,
  // GET /v1/chain): when its head_seq was received, its hash must match.
  // Returns {ok, checked, fromSeq, toSeq, failure, headChecked}.
  async verify(hasher, head = null) {
    const live = this.entries.slice(this.start);
    const result = { ok: true, checked: 0, fromSeq: null, toSeq: null, failure: null, headChecked: false };
    if (this.linkBreak) {
      result.ok = false;
      result.failure = `seq ${this.linkBreak.seq}: ${this.linkBreak.reason}`;
    }
    // Hash in batches: WebCrypto digests run concurrently, and the page stays responsive.
    const hashes = [];
    for (let i = 0; i < live.length; i += 256) {
      hashes.push(...(await Promise.all(live.slice(i, i + 256).map((e) => hasher(e.raw)))));
    }
    let previous = null;
    for (let i = 0; i < live.length; i++) {
      const entry = live[i];
      const actual = hashes[i];
      if (actual !== entry.hash) {
        return { ...result, ok: false, failure: `seq ${entry.seq}: SHA-256 of the event bytes is ${actual.slice(0, 12)}…, the stream says ${entry.hash.slice(0, 12)}…` };
      }
      if (previous && entry.seq === previous.seq + 1) {
        const prev = JSON.parse(entry.raw).prev;
        if (prev !== previous.hash) {
          return { ...result, ok: false, failure: `seq ${entry.seq}: prev does not match the hash of seq ${previous.seq}` };
        }
      }
      if (result.fromSeq === null) result.fromSeq = entry.seq;
      result.toSeq = entry.seq;
      result.checked++;
      previous = entry;
    }
    if (head && Number.isSafeInteger(head.head_seq) && live.length) {
      const match = live.find((e) => e.seq === head.head_seq);
      if (match) {
        result.headChecked = true;
        if (match.hash !== head.head_hash) {
          return { ...result, ok: false, failure: `chain head seq ${head.head_seq}: /v1/chain says ${String(head.head_hash).slice(0, 12)}…, the stream ${match.hash.slice(0, 12)}…` };
        }
      }
    }
    return result;
  }
}

// Unit tests of the dashboard's pure modules (api/dashboard/src), run by node's
// test runner: wire parsing that keeps the stored bytes verbatim, the hash-chain
// checks, the SHA-256 fallback, the step series and the attack form.
import assert from 'node:assert/strict';
import { createHash, webcrypto } from 'node:crypto';
import { test } from 'node:test';

import { attackRequest, parseSources, parseTargets } from '../../api/dashboard/src/attack_form.js';
import { ChainTracker, ZERO_HASH } from '../../api/dashboard/src/chain.js';
import { Ring } from '../../api/dashboard/src/ring.js';
import { makeHasher, sha256HexSync } from '../../api/dashboard/src/sha256.js';
import { StepSeries } from '../../api/dashboard/src/step_series.js';
import { parseStreamMessage, resumeFrom } from '../../api/dashboard/src/wire.js';

const sha256 = (text) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

// A chain of stored events written the way the store writes them (not by JSON.stringify):
// odd spacing and escapes that a re-serialisation would change.
function makeChain(count) {
  const messages = [];
  let prev = ZERO_HASH;
  for (let seq = 0; seq < count; seq++) {
    const raw = `{"seq":${seq},"type":"${seq % 2 ? 'VoteCast' : 'StepCompleted'}","step":${seq >> 1},"prev":"${prev}",` +
      `"data":{"note":"caf\\u00e9 \\"q\\"","x":1.50,"event":{"nested":true}}}`;
    const hash = sha256(raw);
    messages.push(`{"seq":${seq},"hash":"${hash}","event":${raw}}`);
    prev = hash;
  }
  return messages;
}

test('a stream entry keeps the stored event bytes verbatim', () => {
  const [text] = makeChain(1);
  const entry = parseStreamMessage(text);
  assert.equal(entry.kind, 'event');
  assert.equal(entry.seq, 0);
  assert.ok(entry.raw.startsWith('{"seq":0,"type":"StepCompleted"'));
  assert.ok(entry.raw.includes('"x":1.50') && entry.raw.includes('caf\\u00e9'));
  assert.equal(sha256(entry.raw), entry.hash);
  assert.notEqual(sha256(JSON.stringify(entry.event)), entry.hash, 're-serialising changes the bytes');
  assert.equal(entry.event.data.note, 'café "q"');
});

test('control messages and malformed input', () => {
  assert.deepEqual(parseStreamMessage('{"caught_up":42}'), { kind: 'caught_up', next: 42 });
  assert.deepEqual(parseStreamMessage('{"checkpoint":1000}'), { kind: 'checkpoint', next: 1000 });
  assert.throws(() => parseStreamMessage('{"hello":1}'), /unknown stream message/);
  assert.throws(() => parseStreamMessage('not json'));
  assert.throws(() => parseStreamMessage('{"seq":1,"hash":"ab"}'), /without an "event"/);
  assert.throws(() => parseStreamMessage('{"seq":"1","hash":"ab","event":{}}'), /malformed seq/);
  assert.equal(resumeFrom(null, 7), 7);
  assert.equal(resumeFrom(41, 0), 42);
});

test('the SHA-256 fallback matches node crypto, across padding boundaries and UTF-8', async () => {
  const encoder = new TextEncoder();
  for (const text of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'é∑😀'.repeat(40), 'x'.repeat(1000)]) {
    assert.equal(sha256HexSync(encoder.encode(text)), sha256(text), `length ${text.length}`);
  }
  assert.equal(sha256HexSync(encoder.encode('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(await makeHasher(null)('abc'), await makeHasher(webcrypto.subtle)('abc'));
});

test('an intact chain verifies, and the head must match', async () => {
  const tracker = new ChainTracker(100);
  const entries = makeChain(20).map(parseStreamMessage);
  for (const e of entries) assert.equal(tracker.add(e), null);
  const hasher = makeHasher(webcrypto.subtle);
  const ok = await tracker.verify(hasher, { head_seq: 19, head_hash: entries[19].hash });
  assert.deepEqual({ ok: ok.ok, checked: ok.checked, fromSeq: ok.fromSeq, toSeq: ok.toSeq, headChecked: ok.headChecked },
    { ok: true, checked: 20, fromSeq: 0, toSeq: 19, headChecked: true });
  const wrongHead = await tracker.verify(hasher, { head_seq: 19, head_hash: 'f'.repeat(64) });
  assert.equal(wrongHead.ok, false);
  assert.match(wrongHead.failure, /chain head seq 19/);
});

test('altered bytes and broken links are found and named by seq', async () => {
  const hasher = makeHasher(webcrypto.subtle);
  const messages = makeChain(10);
  // Same hash, one byte of the event changed: the digest check must catch it.
  const tampered = new ChainTracker();
  messages.forEach((m, i) => tampered.add(parseStreamMessage(i === 6 ? m.replace('"x":1.50', '"x":1.51') : m)));
  const r = await tampered.verify(hasher);
  assert.equal(r.ok, false);
  assert.match(r.failure, /^seq 6: SHA-256/);

  // A prev that is not the previous hash is seen as soon as the event arrives.
  const relinked = new ChainTracker();
  const entries = messages.map(parseStreamMessage);
  entries[4] = { ...entries[4], event: { ...entries[4].event, prev: 'a'.repeat(64) } };
  const problems = entries.map((e) => relinked.add(e));
  assert.match(problems[4], /not the hash of seq 3/);
  assert.equal(problems.filter(Boolean).length, 1);
  assert.equal((await relinked.verify(hasher)).ok, false);

  // A gap (reconnection past missing events) is not a broken link.
  const gapped = new ChainTracker();
  for (const e of makeChain(10).map(parseStreamMessage).filter((e) => e.seq !== 5)) assert.equal(gapped.add(e), null);
  assert.equal((await gapped.verify(hasher)).ok, true);
});

test('the tracker keeps a bounded buffer and still verifies what it keeps', async () => {
  const tracker = new ChainTracker(8);
  for (const e of makeChain(50).map(parseStreamMessage)) tracker.add(e);
  assert.equal(tracker.buffered(), 8);
  assert.equal(tracker.received, 50);
  assert.ok(tracker.entries.length <= 16);
  const r = await tracker.verify(makeHasher(null));
  assert.deepEqual([r.ok, r.checked, r.fromSeq, r.toSeq], [true, 8, 42, 49]);
});

test('step series: columns, cumulative precision and recall, duplicates, capacity', () => {
  const s = new StepSeries(10);
  assert.equal(s.add(0, { flows: 100, true_positives: 3, false_positives: 1, false_negatives: 1 }), true);
  assert.equal(s.add(1, { flows: 90, true_positives: 1, false_positives: 3, false_negatives: 0 }), true);
  assert.equal(s.add(1, { flows: 999, true_positives: 50 }), false, 'a replayed step is ignored');
  assert.deepEqual(s.steps, [0, 1]);
  assert.deepEqual(s.columns.flows, [100, 90]);
  assert.equal(s.precision[1], 4 / 8);
  assert.equal(s.recall[1], 4 / 5);
  assert.equal(s.latest('precision'), 0.5);
  const empty = new StepSeries();
  empty.add(0, { flows: 5 });
  assert.equal(empty.precision[0], null, 'undefined ratios stay empty rather than 0');
  for (let step = 2; step < 40; step++) s.add(step, { flows: step });
  assert.ok(s.length >= 10 && s.length <= 12);
  assert.equal(s.steps[s.length - 1], 39);
  const table = s.table(['flows', 'recall']);
  assert.equal(table.length, 3);
  assert.ok(table.every((column) => column.length === s.length));
});

test('the feed ring keeps the newest items', () => {
  const ring = new Ring(3);
  for (let i = 0; i < 7; i++) ring.push(i);
  assert.deepEqual(ring.newestFirst(), [6, 5, 4]);
  ring.clear();
  assert.deepEqual(ring.newestFirst(), []);
});

test('the attack form builds the request and rejects bad fields', () => {
  assert.deepEqual(attackRequest('flood', '198.51.100.7, 203.0.113.9', '0, 2, 5-7'),
    { kind: 'flood', sources: ['198.51.100.7', '203.0.113.9'], targets: [0, 2, 5, 6, 7] });
  assert.deepEqual(attackRequest('port_scan', '10.0.0.1', ' '), { kind: 'port_scan', sources: ['10.0.0.1'] });
  assert.throws(() => attackRequest('teleport', '10.0.0.1', ''), /unknown attack kind/);
  assert.throws(() => parseSources(''), /at least one/);
  assert.throws(() => parseSources('10.0.0.256'), /not an IPv4/);
  assert.throws(() => parseTargets('3-1'), /backwards/);
  assert.throws(() => parseTargets('a'), /not an agent id/);
  assert.throws(() => parseTargets('0-1000000'), /too long/);
});

// The stream's wire format (docs/API.md "Stream protocol"), parsed without
// losing the stored event bytes: an entry is {"seq":N,"hash":"<hex>","event":<bytes>}
// where <bytes> are the stored JSON verbatim, so the raw text is cut out of the
// message rather than re-serialised (re-serialising could change the bytes and
// with them the hash).

const EVENT_KEY = ',"event":';

// Returns one of
//   {kind: 'event', seq, hash, raw, event}   raw: the stored event text; event: it parsed
//   {kind: 'caught_up', next}                catch-up done; `next` is the next seq
//   {kind: 'checkpoint', next}               (filtered streams) every match below `next` was sent
// Throws Error for anything else.
export function parseStreamMessage(text) {
  if (text.startsWith('{"seq":')) {
    const at = text.indexOf(EVENT_KEY);
    if (at < 0 || !text.endsWith('}')) throw new Error('stream entry without an "event" member');
    const raw = text.slice(at + EVENT_KEY.length, -1);
    const head = JSON.parse(text.slice(0, at) + '}');
    const event = JSON.parse(raw);
    if (!Number.isSafeInteger(head.seq) || typeof head.hash !== 'string') {
      throw new Error('stream entry with a malformed seq or hash');
    }
    return { kind: 'event', seq: head.seq, hash: head.hash, raw, event };
  }
  const message = JSON.parse(text);
  if (message && Number.isSafeInteger(message.caught_up)) return { kind: 'caught_up', next: message.caught_up };
  if (message && Number.isSafeInteger(message.checkpoint)) return { kind: 'checkpoint', next: message.checkpoint };
  throw new Error('unknown stream message: ' + text.slice(0, 80));
}

// The `from` to ask for on (re)connection: one past the last seq seen, or the
// initial position when nothing was seen yet.
export function resumeFrom(lastSeq, initialFrom) {
  return lastSeq === null ? initialFrom : lastSeq + 1;
}

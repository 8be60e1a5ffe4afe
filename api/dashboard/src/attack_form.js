// Turns the attack form's text fields into the body of POST /v1/attacks
// ({"kind","sources","targets"}; docs/API.md). Throws Error with a message
// for the page when a field is malformed; the server validates again.

export const ATTACK_KINDS = ['port_scan', 'flood', 'brute_force', 'exfiltration', 'low_and_slow'];

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

// "198.51.100.7, 203.0.113.9" -> ["198.51.100.7", "203.0.113.9"]
export function parseSources(text) {
  const sources = splitList(text);
  if (!sources.length) throw new Error('give at least one source address');
  for (const s of sources) if (!IPV4.test(s)) throw new Error(`"${s}" is not an IPv4 address`);
  return sources;
}

// "0, 2, 5-7" -> [0, 2, 5, 6, 7]; empty -> null (every agent).
export function parseTargets(text, maxRange = 100000) {
  const items = splitList(text);
  if (!items.length) return null;
  const targets = [];
  for (const item of items) {
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(item);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (hi < lo) throw new Error(`range "${item}" runs backwards`);
      if (hi - lo >= maxRange) throw new Error(`range "${item}" is too long`);
      for (let a = lo; a <= hi; a++) targets.push(a);
    } else if (/^\d+$/.test(item)) {
      targets.push(Number(item));
    } else {
      throw new Error(`"${item}" is not an agent id or a range like 3-7`);
    }
  }
  return targets;
}

export function attackRequest(kind, sourcesText, targetsText) {
  if (!ATTACK_KINDS.includes(kind)) throw new Error(`unknown attack kind "${kind}"`);
  const body = { kind, sources: parseSources(sourcesText) };
  const targets = parseTargets(targetsText);
  if (targets) body.targets = targets;
  return body;
}

function splitList(text) {
  return String(text ?? '').split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
}

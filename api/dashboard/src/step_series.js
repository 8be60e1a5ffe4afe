// Per-step figures for the charts, folded from StepCompleted events
// (events/events.h): one column per field, the last `capacity` steps
// kept, plus cumulative totals for precision and recall since the first step
// seen. Columns are plain arrays indexed alike, the shape uPlot draws.

export const STEP_FIELDS = [
  'flows', 'attack_flows', 'flagged', 'true_positives', 'false_positives', 'false_negatives',
  'blocked', 'blocked_attack', 'blocked_benign', 'active_agents',
  'proposed', 'endorsed', 'votes', 'accepted', 'rejected', 'retrained',
];

export class StepSeries {
  constructor(capacity = 600) {
    this.capacity = capacity;
    this.steps = [];
    this.columns = Object.fromEntries(STEP_FIELDS.map((f) => [f, []]));
    this.precision = [];  // cumulative, null until defined
    this.recall = [];
    this.totals = { true_positives: 0, false_positives: 0, false_negatives: 0 };
    this.firstStep = null;
  }

  get length() {
    return this.steps.length;
  }

  // Adds the StepCompleted `data` of `step`. A step already seen (a replayed
  // stream after reconnection) is ignored, so totals never count twice.
  add(step, data) {
    if (this.steps.length && step <= this.steps[this.steps.length - 1]) return false;
    if (this.firstStep === null) this.firstStep = step;
    this.steps.push(step);
    for (const f of STEP_FIELDS) {
      const v = data[f];
      this.columns[f].push(typeof v === 'number' ? v : null);
    }
    const t = this.totals;
    t.true_positives += data.true_positives ?? 0;
    t.false_positives += data.false_positives ?? 0;
    t.false_negatives += data.false_negatives ?? 0;
    this.precision.push(ratio(t.true_positives, t.true_positives + t.false_positives));
    this.recall.push(ratio(t.true_positives, t.true_positives + t.false_negatives));
    // Trim in chunks so the cost of shifting arrays is paid rarely.
    if (this.steps.length > this.capacity + Math.max(1, this.capacity >> 3)) this.trim();
    return true;
  }

  trim() {
    const drop = this.steps.length - this.capacity;
    if (drop <= 0) return;
    this.steps.splice(0, drop);
    for (const f of STEP_FIELDS) this.columns[f].splice(0, drop);
    this.precision.splice(0, drop);
    this.recall.splice(0, drop);
  }

  // Column arrays for uPlot: [steps, ...fields] ('precision' and 'recall' allowed).
  table(fields) {
    return [this.steps, ...fields.map((f) => (f === 'precision' || f === 'recall' ? this[f] : this.columns[f]))];
  }

  latest(field) {
    const column = field === 'precision' || field === 'recall' ? this[field] : this.columns[field];
    return column.length ? column[column.length - 1] : null;
  }
}

function ratio(numerator, denominator) {
  return denominator > 0 ? numerator / denominator : null;
}

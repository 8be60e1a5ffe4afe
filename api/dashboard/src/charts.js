// The step charts, drawn with uPlot from a StepSeries. Each chart is created
// once and given new data (setData) at most once per animation frame.
import uPlot from 'uplot';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2'];

export const CHARTS = [
  { id: 'chart-flows', title: 'Flows per step', fields: ['flows', 'attack_flows', 'flagged'], labels: ['flows', 'attack flows', 'flagged'] },
  { id: 'chart-detection', title: 'Detection per step', fields: ['true_positives', 'false_positives', 'false_negatives'], labels: ['TP', 'FP', 'FN'], colors: ['#16a34a', '#d97706', '#dc2626'] },
  { id: 'chart-blocked', title: 'Blocked by blacklist', fields: ['blocked', 'blocked_attack', 'blocked_benign'], labels: ['blocked', 'attack', 'benign'], colors: ['#2563eb', '#16a34a', '#dc2626'] },
  { id: 'chart-signatures', title: 'Signatures per step', fields: ['proposed', 'accepted', 'rejected'], labels: ['proposed', 'accepted', 'rejected'], colors: ['#7c3aed', '#16a34a', '#dc2626'], bars: true },
  { id: 'chart-rates', title: 'Precision and recall (cumulative)', fields: ['precision', 'recall'], labels: ['precision', 'recall'], colors: ['#2563eb', '#16a34a'], unit: true },
];

// 950, 1.2k, 20k, 1.5M: axis labels that fit the axis at 1000 agents.
export function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toFixed(0)}k`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(2));
}

export class StepCharts {
  constructor(container, series) {
    this.series = series;
    this.charts = CHARTS.map((spec) => this.create(container, spec));
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
  }

  create(container, spec) {
    const box = document.createElement('figure');
    box.className = 'chart';
    box.id = spec.id;
    container.appendChild(box);
    const colors = spec.colors ?? PALETTE;
    const options = {
      title: spec.title,
      width: this.widthOf(box),
      height: 170,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: spec.unit ? { range: [0, 1] } : { range: (u, min, max) => [0, Math.max(1, max)] } },
      axes: [
        { label: 'step', size: 36, labelSize: 14 },
        { size: 46, values: (u, ticks) => ticks.map(spec.unit ? (t) => t.toFixed(2) : compact) },
      ],
      series: [
        { label: 'step' },
        ...spec.fields.map((f, i) => ({
          label: spec.labels[i],
          stroke: colors[i % colors.length],
          width: 1.5,
          points: { show: false },
          ...(spec.bars ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
        })),
      ],
    };
    const plot = new uPlot(options, this.series.table(spec.fields), box);
    return { spec, box, plot };
  }

  widthOf(box) {
    return Math.max(240, Math.floor(box.clientWidth || 320));
  }

  resize() {
    for (const c of this.charts) {
      const width = this.widthOf(c.box);
      if (width !== c.plot.width) c.plot.setSize({ width, height: 170 });
    }
  }

  render() {
    for (const c of this.charts) c.plot.setData(this.series.table(c.spec.fields));
  }

  // Points currently drawn per chart (used by the browser test and the status line).
  pointCounts() {
    return Object.fromEntries(this.charts.map((c) => [c.spec.id, c.plot.data[0].length]));
  }
}

// The DAIS dashboard: wires the stream, the polled REST views and the page.
// Data flows one way: the stream and the polls update models, the models mark
// their view dirty, and the FrameScheduler draws each dirty view once per frame.
import { getJson, poll } from './api.js';
import { AgentGrid } from './agent_grid.js';
import { BlacklistView } from './blacklist_view.js';
import { ChainTracker } from './chain.js';
import { ChainView } from './chain_view.js';
import { StepCharts } from './charts.js';
import { Controls } from './controls.js';
import { $ } from './dom.js';
import { EventFeed } from './feed.js';
import { FrameScheduler } from './frame.js';
import { RunStatus } from './run_status.js';
import { StepSeries } from './step_series.js';
import { StreamClient } from './stream.js';

const params = new URLSearchParams(location.search);
const initialFrom = Math.max(0, Number.parseInt(params.get('from') ?? '0', 10) || 0);

const frames = new FrameScheduler();
const status = new RunStatus({ state: $('#run-state'), step: $('#run-step'), agents: $('#run-agents'), seq: $('#run-seq'), stream: $('#stream-state') });
const series = new StepSeries(600);
const charts = new StepCharts($('#charts'), series);
const feed = new EventFeed({ table: $('#feed'), scroller: $('#feed-scroll'), filter: $('#feed-filter'), counter: $('#feed-count'), capacity: 500 });
const tracker = new ChainTracker(20000);
const chain = new ChainView({ root: $('#chain'), tracker });
const blacklist = new BlacklistView({ table: $('#blacklist'), summary: $('#blacklist-summary') });
const grid = new AgentGrid({
  grid: $('#agent-grid'),
  detail: $('#agent-detail'),
  summary: $('#agent-summary'),
  loadAgent: (id) => getJson(`/v1/agents/${id}`),
});
new Controls({
  root: $('#controls'),
  result: $('#control-result'),
  onReply: (action, reply) => {
    if (reply.ok) {
      status.onControlReply(reply.body);
      frames.mark('status');
    }
  },
});

frames.register('status', () => status.render(), 100);
frames.register('charts', () => charts.render(), 100);
frames.register('feed', () => feed.render(), 250);
frames.register('chain', () => chain.render(), 500);
frames.register('blacklist', () => blacklist.render());
frames.register('agents', () => grid.render());

const stream = new StreamClient({
  initialFrom,
  onEntry: (entry) => {
    tracker.add(entry);
    feed.add(entry);
    status.onEvent(entry);
    if (entry.event.type === 'StepCompleted' && series.add(entry.event.step, entry.event.data ?? {})) frames.mark('charts');
    frames.mark('feed');
    frames.mark('status');
    frames.mark('chain');
  },
  onState: (state, detail) => {
    status.setStream(state, detail);
    frames.mark('status');
  },
});
stream.start();

poll(async () => {
  status.onStats(await getJson('/v1/stats'));
  frames.mark('status');
}, 1000);
poll(async () => {
  chain.update(await getJson('/v1/chain'));
  frames.mark('chain');
}, 2000);
poll(async () => {
  // The blacklist first: the grid shows each agent's blacklist size.
  blacklist.update(await getJson('/v1/blacklist'));
  grid.update(await getJson('/v1/agents'), (id) => blacklist.sizeFor(id));
  frames.mark('blacklist');
  frames.mark('agents');
  await grid.refreshDetail();
}, 2000);

// For the browser test and for anyone curious in the console.
window.dais = { series, feed, tracker, status, charts, stream, frames, grid, blacklist };

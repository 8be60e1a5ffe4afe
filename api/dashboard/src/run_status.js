// The run's status line: step, active agents, paused or running, and the
// stream's connection state. Paused/running comes from two sources, the
// SimulationPaused/Resumed events of the stream and GET /v1/stats; the one
// describing the later seq wins, so a slow poll never undoes a fresh event.
import { formatNumber } from './dom.js';

export class RunStatus {
  constructor(elements) {
    this.el = elements;  // {state, step, agents, seq, stream}
    this.paused = null;
    this.pausedSeq = -1;
    this.step = null;
    this.activeAgents = null;
    this.totalAgents = null;
    this.headSeq = null;
    this.streamState = 'connecting';
    this.streamDetail = '';
  }

  onEvent(entry) {
    const { type, step, data } = entry.event;
    this.headSeq = entry.seq;
    if (type === 'RunStarted' && data && Number.isInteger(data.agents)) this.totalAgents = data.agents;
    if (type === 'StepCompleted') {
      this.step = step;
      if (data && Number.isInteger(data.active_agents)) this.activeAgents = data.active_agents;
    }
    if (type === 'SimulationPaused') this.setPaused(true, entry.seq);
    if (type === 'SimulationResumed') this.setPaused(false, entry.seq);
  }

  onStats(stats) {
    const seq = Number.isInteger(stats?.applied_seq) ? stats.applied_seq : -1;
    if (typeof stats?.paused === 'boolean') this.setPaused(stats.paused, seq);
    if (this.step === null && Number.isInteger(stats?.head_step)) this.step = stats.head_step;
  }

  // A control reply ({"paused": bool, ...}) is news from now: it wins until an event says otherwise.
  onControlReply(body) {
    if (typeof body?.paused === 'boolean') this.setPaused(body.paused, Math.max(this.pausedSeq, this.headSeq ?? -1));
  }

  setPaused(paused, seq) {
    if (seq < this.pausedSeq) return;
    this.pausedSeq = seq;
    this.paused = paused;
  }

  setStream(state, detail = '') {
    this.streamState = state;
    this.streamDetail = detail;
  }

  render() {
    const state = this.paused === null ? 'unknown' : this.paused ? 'paused' : 'running';
    this.el.state.textContent = state;
    this.el.state.className = `pill ${state}`;
    this.el.step.textContent = this.step === null ? '–' : String(this.step);
    const total = this.totalAgents === null ? '' : ` / ${formatNumber(this.totalAgents)}`;
    this.el.agents.textContent = this.activeAgents === null ? '–' : `${formatNumber(this.activeAgents)}${total}`;
    this.el.seq.textContent = this.headSeq === null ? '–' : String(this.headSeq);
    const label = { connecting: 'connecting…', 'catching-up': 'catching up…', live: 'live', disconnected: 'reconnecting…' }[this.streamState] ?? this.streamState;
    this.el.stream.textContent = label;
    this.el.stream.className = `pill stream-${this.streamState}`;
    this.el.stream.title = this.streamDetail;
  }
}

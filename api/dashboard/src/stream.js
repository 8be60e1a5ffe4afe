// The WebSocket client of GET /v1/stream (docs/API.md). It resumes from one
// past the last seq it delivered after any disconnection, so the consumer sees
// every event once, in order, across reconnections. Reconnection backs off
// from 0.5 s to 5 s.
import { parseStreamMessage, resumeFrom } from './wire.js';

export class StreamClient {
  // handlers: onEntry(entry), onCaughtUp(next), onState(state, detail)
  // state is 'connecting', 'catching-up', 'live' or 'disconnected'.
  constructor({ initialFrom = 0, onEntry, onCaughtUp = () => {}, onState = () => {} }) {
    this.initialFrom = initialFrom;
    this.lastSeq = null;
    this.handlers = { onEntry, onCaughtUp, onState };
    this.socket = null;
    this.retryMs = 500;
    this.reconnects = 0;
    this.closed = false;
  }

  url() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    return `${scheme}//${location.host}/v1/stream?from=${resumeFrom(this.lastSeq, this.initialFrom)}`;
  }

  start() {
    this.closed = false;
    this.connect();
  }

  stop() {
    this.closed = true;
    this.socket?.close(1000, 'dashboard closed');
  }

  connect() {
    this.handlers.onState('connecting');
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 500;
      this.handlers.onState('catching-up');
    };
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.handlers.onState('disconnected', event.reason || `code ${event.code}`);
      if (this.closed) return;
      this.reconnects++;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  receive(text) {
    let message;
    try {
      message = parseStreamMessage(text);
    } catch (error) {
      console.warn('dashboard: ignoring a stream message:', error.message);
      return;
    }
    if (message.kind === 'event') {
      // The server never repeats a seq within one connection; this guards the
      // seam of a reconnection all the same.
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return;
      this.lastSeq = message.seq;
      this.handlers.onEntry(message);
    } else if (message.kind === 'caught_up') {
      this.handlers.onState('live');
      this.handlers.onCaughtUp(message.next);
    }
  }
}

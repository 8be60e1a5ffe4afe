// Batches rendering into animation frames: parts of the page mark themselves
// dirty as data arrives, and each dirty part is drawn at most once per frame,
// and no more often than its `minIntervalMs` (a feed redrawn 60 times a second
// costs layout time and nobody can read it).
export class FrameScheduler {
  constructor() {
    this.renderers = new Map();  // name -> {draw, minIntervalMs, lastDrawn}
    this.dirty = new Set();
    this.pending = false;
    this.timer = null;
  }

  register(name, draw, minIntervalMs = 0) {
    this.renderers.set(name, { draw, minIntervalMs, lastDrawn: -Infinity });
  }

  mark(name) {
    this.dirty.add(name);
    this.request();
  }

  request() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame((now) => this.flush(now));
  }

  flush(now) {
    this.pending = false;
    let waitMs = Infinity;
    for (const name of [...this.dirty]) {
      const renderer = this.renderers.get(name);
      if (!renderer) {
        this.dirty.delete(name);
        continue;
      }
      const dueIn = renderer.lastDrawn + renderer.minIntervalMs - now;
      if (dueIn > 0) {
        waitMs = Math.min(waitMs, dueIn);
        continue;
      }
      this.dirty.delete(name);
      renderer.lastDrawn = now;
      try {
        renderer.draw();
      } catch (error) {
        console.error(`dashboard: drawing ${name} failed`, error);
      }
    }
    // Parts held back by their interval get a timer, not a busy frame loop.
    if (this.dirty.size && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.request();
      }, waitMs);
    }
  }
}

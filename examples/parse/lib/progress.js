'use strict';
// A one-line progress bar on stdout, drawn only when enabled (the CLI enables it when
// stdout is a terminal). Redraws at most every 50 ms; `done()` erases the line.

const WIDTH = 30;

class Progress {
  constructor(enabled, label, total) {
    this.enabled = !!enabled;
    this.label = label;
    this.total = total;
    this.last = 0;
    this.t0 = Date.now();
    this.drawn = false;
  }

  update(value) {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 50 && value < this.total) return;
    this.last = now;
    const f = this.total > 0 ? Math.min(1, value / this.total) : 1;
    const fill = Math.round(f * WIDTH);
    const bar = '#'.repeat(fill) + '-'.repeat(WIDTH - fill);
    const mb = (value / 1e6).toFixed(1);
    const secs = ((now - this.t0) / 1000).toFixed(1);
    process.stdout.write(`\r\x1b[K${this.label.padEnd(11)} [${bar}] ${String(Math.round(f * 100)).padStart(3)}%  ${mb} MB  ${secs} s`);
    this.drawn = true;
  }

  done() {
    if (this.enabled && this.drawn) process.stdout.write('\r\x1b[K');
    this.drawn = false;
  }
}

module.exports = { Progress };

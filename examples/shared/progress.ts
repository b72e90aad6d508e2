// A one-line progress bar for terminals (redrawn in place) that degrades to periodic lines in logs.
export class ProgressBar {
  private last = 0;
  private readonly start = performance.now();
  constructor(private readonly title: string, private readonly total: number, private readonly stream = process.stderr) {}

  update(done: number, fields: Record<string, string | number> = {}) {
    const now = performance.now();
    const tty = this.stream.isTTY;
    // Logs (CI) get a line every ~10% so they stay readable; terminals redraw at most 10×/s.
    if (done < this.total && (tty ? now - this.last < 100 : Math.floor(10 * done / this.total) === Math.floor(10 * (done - 1) / this.total))) return;
    this.last = now;
    const width = 24, filled = Math.round(width * done / this.total);
    const extra = Object.entries(fields).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join('  ');
    const line = `${this.title} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}  ${extra}  ${((now - this.start) / 1000).toFixed(1)}s`;
    this.stream.write(tty ? `\r${line}\x1b[K${done >= this.total ? '\n' : ''}` : `${line}\n`);
  }
}

const fmt = (v: number) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3));

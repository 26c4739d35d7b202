/** A progress bar on stderr when it is a terminal; silent otherwise (and with --json). */
export interface Progress {
  update(done: number, total: number, label?: string): void;
  done(): void;
}

export function createProgress(enabled: boolean): Progress {
  const stream = process.stderr;
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  const start = Date.now();
  return {
    update(done, total, label = '') {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const width = 30;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      const rate = done / Math.max(0.001, (now - start) / 1000);
      const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ${label} ${rate.toFixed(0)}/s eta ${eta}s\x1b[K`,
      );
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

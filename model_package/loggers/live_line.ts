/**
 * The one progress display of the CLIs (training, batch prediction): a status
 * line redrawn in place on a terminal (at most 10 times a second, cut to the
 * terminal width), or on a pipe (CI, log files) printed as a plain line every
 * `intervalS` seconds. Permanent lines are printed around it without garbling it.
 */

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface LiveLineOptions {
  readonly stream?: ProgressStream;
  /** Seconds between lines when the stream is not a TTY. */
  readonly intervalS?: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

const TTY_REDRAW_MS = 100;

export class LiveLine {
  readonly tty: boolean;
  private readonly stream: ProgressStream;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(opts: LiveLineOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = this.stream.isTTY === true;
    this.intervalMs = (opts.intervalS ?? 10) * 1000;
    this.now = opts.now ?? (() => performance.now());
  }

  /** Shows `line` unless the last one was drawn too recently; returns whether it was drawn. */
  update(line: string): boolean {
    const ms = this.now();
    if (ms - this.lastDraw < (this.tty ? TTY_REDRAW_MS : this.intervalMs)) return false;
    this.lastDraw = ms;
    if (this.tty) {
      // A pty without a size reports 0 columns: assume a normal terminal then.
      const columns = this.stream.columns && this.stream.columns > 0 ? this.stream.columns : 120;
      const width = Math.max(20, columns - 1);
      this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
    return true;
  }

  /** A permanent line; on a TTY it replaces the live line, which the next update redraws. */
  println(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
  }

  /** Removes the live line (TTY) so the next output starts on a clean line; the next update draws at once. */
  clear(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.lastDraw = -Infinity;
  }
}

/** `[#####.......]` for a fraction in [0, 1]. */
export function progressBar(frac: number, width = 12): string {
  const full = Math.round(Math.min(1, Math.max(0, frac)) * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
}

/** Clock style for the live line: "0:59", "1:02:05"; "?" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

/** Unit style for log lines and ETAs: "5s", "2m13s", "3h07m"; "?" when unknown. */
export function formatDurationUnits(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

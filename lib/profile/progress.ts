/**
 * A small progress bar on stderr. On a terminal it redraws one line in place (at most ~10
 * times a second, and at every completed item); elsewhere (a log file, CI) it writes one plain
 * line per completed item.
 *
 * @module
 */

/** Where the bar writes. */
export interface ProgressSink {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/** Options of {@linkcode ProgressBar}. */
export interface ProgressBarOptions {
  /** Number of items. */
  total: number;
  /** Text before the bar, e.g. `profile`. */
  label?: string;
  /** Bar width in characters (default 24). */
  width?: number;
  /** Output (default `Deno.stderr`). */
  sink?: ProgressSink;
  /** Clock in ms (default `performance.now`). */
  now?: () => number;
  /** Terminal width: redrawn lines are cut to it (default: the console's, else 100). */
  columns?: number;
}

function consoleColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 100;
  }
}

function formatSeconds(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/**
 * Renders the text of a progress line (pure).
 *
 * @example
 * ```ts
 * import { renderProgress } from "./progress.ts";
 * renderProgress({ label: "profile", done: 3, total: 10, elapsedMs: 3000, width: 10 });
 * // "profile [###-------] 3/10 3s eta 7s"
 * ```
 */
export function renderProgress(
  state: { label: string; done: number; total: number; elapsedMs: number; width: number },
  note = "",
): string {
  const { label, done, total, elapsedMs, width } = state;
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  let text = `${label ? label + " " : ""}[${bar}] ${done}/${total} ${formatSeconds(elapsedMs)}`;
  if (done > 0 && done < total) {
    text += ` eta ${formatSeconds((elapsedMs / done) * (total - done))}`;
  }
  return note ? `${text} ${note}` : text;
}

/**
 * A progress bar for a known number of items.
 *
 * @example
 * ```ts
 * import { ProgressBar } from "./progress.ts";
 * const bar = new ProgressBar({ total: 3, label: "profile" });
 * for (let i = 0; i < 3; i++) bar.tick(`item ${i}`);
 * bar.done();
 * ```
 */
export class ProgressBar {
  #total: number;
  #label: string;
  #width: number;
  #sink: ProgressSink;
  #now: () => number;
  #start: number;
  #done = 0;
  #lastDraw = -Infinity;
  #tty: boolean;
  #columns: number;
  #encoder = new TextEncoder();

  constructor(options: ProgressBarOptions) {
    this.#total = options.total;
    this.#label = options.label ?? "";
    this.#width = options.width ?? 24;
    this.#sink = options.sink ?? Deno.stderr;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#tty = this.#sink.isTerminal();
    this.#columns = options.columns ?? (this.#tty ? consoleColumns() : 100);
  }

  #redraw(note: string): void {
    this.#lastDraw = this.#now();
    this.#write(`\r${this.#render(note).slice(0, Math.max(10, this.#columns - 1))}\x1b[K`);
  }

  /** Items completed so far. */
  get completed(): number {
    return this.#done;
  }

  #render(note: string): string {
    return renderProgress({
      label: this.#label,
      done: this.#done,
      total: this.#total,
      elapsedMs: this.#now() - this.#start,
      width: this.#width,
    }, note);
  }

  #write(text: string): void {
    const bytes = this.#encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += this.#sink.writeSync(bytes.subarray(written));
  }

  /**
   * Marks one item done, with an optional note (e.g. its name and latency).
   *
   * @example
   * ```ts
   * import { ProgressBar } from "./progress.ts";
   * new ProgressBar({ total: 1 }).tick("done");
   * ```
   */
  tick(note = ""): void {
    this.#done++;
    if (this.#tty) {
      this.#redraw(note);
    } else {
      this.#write(this.#render(note) + "\n");
    }
  }

  /**
   * Redraws the line with a status note without completing an item (terminal only,
   * at most ~10 times a second).
   *
   * @example
   * ```ts
   * import { ProgressBar } from "./progress.ts";
   * new ProgressBar({ total: 1 }).update("measuring…");
   * ```
   */
  update(note = ""): void {
    if (!this.#tty || this.#now() - this.#lastDraw < 100) return;
    this.#redraw(note);
  }

  /**
   * Ends the bar (on a terminal, moves to a new line).
   *
   * @example
   * ```ts
   * import { ProgressBar } from "./progress.ts";
   * new ProgressBar({ total: 0 }).done();
   * ```
   */
  done(): void {
    if (this.#tty) this.#write("\n");
  }
}

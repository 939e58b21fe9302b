/**
 * Live progress of a long study: one notebook output that is updated in place (a Jupyter display
 * id), or throttled lines on stderr outside the kernel.
 *
 * @module
 */
import { escapeHtml } from "./document.ts";
import { display, inKernel, type MimeBundle } from "./display.ts";

/** A progress display. */
export interface Progress {
  /** Sets the count of finished items (and an optional note, e.g. the current item). */
  update(done: number, note?: string): Promise<void>;
  /** Marks the study finished (the display then shows `done/total` and the note). */
  finish(note?: string): Promise<void>;
}

/** Options for {@linkcode createProgress}. */
export interface ProgressOptions {
  /** Send at most one update per this many milliseconds (default 250 in the kernel, 2000 outside). */
  minIntervalMs?: number;
}

/**
 * The bundle shown for a progress state (a `<progress>` bar and a line of text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressBundle } from "./progress.ts";
 * assert.equal(progressBundle("profiling", 3, 10)["text/plain"], "profiling: 3/10 (30%)");
 * ```
 */
export function progressBundle(
  label: string,
  done: number,
  total: number,
  note = "",
  elapsedMs?: number,
): MimeBundle {
  const pct = total > 0 ? Math.round((100 * done) / total) : 0;
  const time = elapsedMs === undefined ? "" : `, ${(elapsedMs / 1000).toFixed(1)} s`;
  const text = `${label}: ${done}/${total} (${pct}%${time})${note ? ` ${note}` : ""}`;
  return {
    "text/plain": text,
    "text/html": `<div class="lts-progress"><progress value="${done}" max="${total}"></progress> ` +
      `<span>${escapeHtml(text)}</span></div>`,
  };
}

let nextId = 0;

/**
 * Starts a progress display of `total` items. In the kernel it shows one output and updates it;
 * elsewhere it prints throttled lines to stderr.
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const progress = createProgress("profiling", 100);
 * for (let i = 0; i < 100; i++) await progress.update(i + 1, `arch ${i}`);
 * await progress.finish();
 * ```
 */
export function createProgress(
  label: string,
  total: number,
  options: ProgressOptions = {},
): Progress {
  const kernel = inKernel();
  const minIntervalMs = options.minIntervalMs ?? (kernel ? 250 : 2000);
  const displayId = `lts-progress-${Date.now().toString(36)}-${nextId++}`;
  const started = Date.now();
  let shown = false;
  let lastSentAt = -Infinity;
  let done = 0;
  // Displays go out one after another, so that callers who do not await an update (e.g. from a
  // synchronous callback) still create the output once and then only update it.
  let queue: Promise<void> = Promise.resolve();
  const send = (note: string | undefined, force: boolean): Promise<void> => {
    const now = Date.now();
    if (!force && now - lastSentAt < minIntervalMs) return queue;
    lastSentAt = now;
    const bundle = progressBundle(label, done, total, note, now - started);
    if (!kernel) {
      console.error(bundle["text/plain"]);
      return queue;
    }
    const update = shown;
    shown = true;
    queue = queue.then(() => display(bundle, { displayId, update })).then(() => {});
    return queue;
  };
  return {
    update(count: number, note?: string) {
      done = count;
      return send(note, !shown && kernel);
    },
    finish(note?: string) {
      return send(note ?? "done", true);
    },
  };
}

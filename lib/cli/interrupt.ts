/**
 * SIGINT and SIGTERM as an abort signal for a long command (profile, search, costmodel): the
 * work stops at its next step, its children are killed, and the command exits 130 or 143.
 *
 * @module
 */

/** An interrupt listener: its signal, the exit code it calls for, and its removal. */
export interface InterruptListener {
  signal: AbortSignal;
  /** 130 after SIGINT, 143 after SIGTERM (130 until either came). */
  code: () => number;
  /** Removes the signal listeners. */
  dispose: () => void;
}

/**
 * Listens for SIGINT / SIGTERM until `dispose()`; either aborts `signal` with an `AbortError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { onInterrupt } from "./interrupt.ts";
 * const interrupt = onInterrupt();
 * assert.equal(interrupt.signal.aborted, false);
 * assert.equal(interrupt.code(), 130);
 * interrupt.dispose();
 * ```
 */
export function onInterrupt(): InterruptListener {
  const controller = new AbortController();
  let code = 130;
  const codes: [Deno.Signal, number][] = [["SIGINT", 130], ["SIGTERM", 143]];
  const listeners = codes.map(([signal, exitCode]) => {
    const listener = () => {
      code = exitCode;
      controller.abort(new DOMException("interrupted", "AbortError"));
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return {
    signal: controller.signal,
    code: () => code,
    dispose: () => {
      for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
    },
  };
}

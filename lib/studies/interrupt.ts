/**
 * Jupyter's "Interrupt" for the studies. Deno 2.9's kernel does not handle `interrupt_request`,
 * and the client's fallback, SIGINT, ends the kernel with all its state. Once
 * {@linkcode listenForInterrupt} has run in the kernel (every {@linkcode studyContext} does it),
 * SIGINT no longer ends the kernel: it aborts the signal that each long-running study helper took
 * from {@linkcode interruptSignal} when it started, the helper stops at its next step (the
 * measuring child is killed) and the cell ends with an {@linkcode InterruptedError}. Re-running
 * the cell goes on where it stopped: finished measurements come back from the cache and a search
 * resumes from its run folder.
 *
 * Outside the kernel nothing is installed: a command-line tool keeps its own SIGINT handling.
 *
 * @module
 */
import { inKernel } from "../plots/display.ts";

let listening = false;
let current = new AbortController();

/** The error a study helper throws when the kernel was interrupted while it ran. */
export class InterruptedError extends Error {
  override name = "Interrupted";
}

/**
 * Makes SIGINT abort the running study helpers instead of ending the process. Does nothing
 * outside the Deno kernel (or when already listening); returns whether it is listening now.
 *
 * @example
 * ```ts
 * import { listenForInterrupt } from "./interrupt.ts";
 * listenForInterrupt(); // false under `deno run`, true in a notebook
 * ```
 */
export function listenForInterrupt(): boolean {
  if (listening) return true;
  if (!inKernel()) return false;
  Deno.addSignalListener("SIGINT", interrupt);
  listening = true;
  return true;
}

/**
 * Aborts every signal handed out so far (what SIGINT does once {@linkcode listenForInterrupt} has
 * run); signals handed out afterwards are fresh.
 *
 * @example
 * ```ts
 * import { interrupt, interruptSignal } from "./interrupt.ts";
 * const signal = interruptSignal();
 * interrupt();
 * [signal.aborted, interruptSignal().aborted]; // [true, false]
 * ```
 */
export function interrupt(): void {
  const stopped = current;
  current = new AbortController();
  // An AbortError, as every aborted step in lib/ expects (a search never records it as a
  // failure of the candidate being measured).
  stopped.abort(new DOMException("interrupted (kernel interrupt)", "AbortError"));
}

/**
 * A signal that aborts at the next interrupt: take it when a long-running step starts.
 *
 * @example
 * ```ts
 * import { interruptSignal } from "./interrupt.ts";
 * const signal = interruptSignal();
 * signal.aborted; // false
 * ```
 */
export function interruptSignal(): AbortSignal {
  return current.signal;
}

/**
 * Whether `error` ends a step because `signal` (from {@linkcode interruptSignal}) was aborted:
 * an `AbortError` thrown after the interrupt.
 *
 * @example
 * ```ts
 * import { interrupt, interruptSignal, isInterrupt } from "./interrupt.ts";
 * const signal = interruptSignal();
 * interrupt();
 * isInterrupt(signal.reason, signal); // true
 * ```
 */
export function isInterrupt(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error as Error | undefined)?.name === "AbortError";
}

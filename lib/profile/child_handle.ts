/**
 * One measuring child seen from the parent: {@linkcode ChildHandle} wraps a spawned child.ts
 * process, reads its JSON-line messages in the background from the start, sends it one job and
 * runs that job to its result under a timeout, an abort signal and the parent's gate before the
 * timed runs. Every way a child can fail (a crash, a kill, a timeout, a bad message) comes back
 * as an `ok: false` outcome with a reason; only an abort throws. The wire protocol (`ready`,
 * `phase`, `result`; `held` and `gated` jobs) is described once, in child.ts.
 *
 * @module
 */
import { nonBlankLines } from "../util/lines.ts";
import type {
  ChildJob,
  ChildMessage,
  ChildWirePhase,
  ForwardMeasurement,
  GenerationMeasurement,
} from "./child.ts";

/** Starts one measuring child with piped stdin, stdout and stderr. */
export type Spawner = () => Deno.ChildProcess;

/** What one child's job came to: its measurement, or why there is none. */
export type ChildOutcome =
  | { ok: true; measurement: ForwardMeasurement | GenerationMeasurement; childReadyMs: number }
  | { ok: false; reason: string };

/** Hooks of {@linkcode ChildHandle.run}. */
export interface RunHooks {
  /** Called at each phase the child reports. */
  onPhase: (phase: ChildWirePhase) => void;
  /**
   * Awaited before the timed runs (the child waits in phase `wait`; not counted towards the
   * timeout), so that the parent's parallel work never overlaps a timed run.
   */
  gate: () => Promise<unknown>;
  /** Called once the child has been told to start its timed runs. */
  onTimingStart?: () => void;
}

/**
 * A spawned child whose stdout messages are read from the start, in the background.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { validateArch } from "../arch/mod.ts";
 * import { emitGpt2, writeOnnx } from "../onnx/mod.ts";
 * import { ChildHandle } from "./child_handle.ts";
 * import { defaultSpawner } from "./profile.ts";
 * import { validateProfileSettings } from "./settings.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 1, dModel: 32, nHead: 2, dInner: 64, vocabSize: 100, nPositions: 16,
 * });
 * const dir = await Deno.makeTempDir();
 * const model = emitGpt2(arch, { dialect: "fast", lastTokenOnly: true });
 * const { onnxPath } = await writeOnnx(model, join(dir, "forward.onnx"));
 * const child = new ChildHandle(defaultSpawner());
 * const job = {
 *   kind: "forward" as const,
 *   modelPath: onnxPath,
 *   settings: validateProfileSettings({ seqLen: 8, minRuns: 3, maxRuns: 5 }),
 *   vocabSize: arch.vocabSize,
 *   nHead: arch.nHead,
 *   dModel: arch.dModel,
 * };
 * const outcome = await child.run(job, 30_000, undefined, {
 *   onPhase: () => {},
 *   gate: () => Promise.resolve(), // the parent's background work, awaited before timed runs
 * });
 * if (outcome.ok) console.log(outcome.measurement.kind); // "forward"
 * await child.exited;
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ChildHandle {
  readonly #process: Deno.ChildProcess;
  readonly #messages: ChildMessage[] = [];
  #waiter: (() => void) | undefined;
  #ended = false;
  #stderrTail = "";
  #readyAt: number | undefined;
  #reading: Promise<void>;
  #onReady: () => void = () => {};
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #sentAt = 0;
  #job: ChildJob | undefined;
  /** Resolves once the child has imported the runtime (or ended). */
  readonly ready: Promise<void>;
  /** Resolves once the process has exited and its output is read. */
  readonly exited: Promise<void>;

  constructor(process: Deno.ChildProcess) {
    this.#process = process;
    this.ready = new Promise((resolve) => (this.#onReady = resolve));
    this.#reading = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
    this.exited = Promise.all([process.status, this.#reading]).then(() => {});
  }

  /** The job this child was given, if any. */
  get job(): ChildJob | undefined {
    return this.#job;
  }

  async #readStdout(): Promise<void> {
    let text = "";
    try {
      for await (const chunk of this.#process.stdout.pipeThrough(new TextDecoderStream())) {
        text += chunk;
        let end;
        while ((end = text.indexOf("\n")) >= 0) {
          const line = text.slice(0, end).trim();
          text = text.slice(end + 1);
          if (line) this.#push(line);
        }
      }
      if (text.trim()) this.#push(text.trim());
    } catch {
      // The pipe broke: treated as the end.
    }
    this.#ended = true;
    this.#onReady();
    this.#wake();
  }

  async #readStderr(): Promise<void> {
    try {
      for await (const chunk of this.#process.stderr.pipeThrough(new TextDecoderStream())) {
        this.#stderrTail = (this.#stderrTail + chunk).slice(-4000);
      }
    } catch {
      // Ignore.
    }
  }

  #push(line: string): void {
    let message: ChildMessage;
    try {
      message = JSON.parse(line);
    } catch {
      this.#stderrTail = (this.#stderrTail + line + "\n").slice(-4000);
      return;
    }
    if (message.event === "ready") {
      this.#readyAt = performance.now();
      this.#onReady();
    }
    this.#messages.push(message);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async #next(): Promise<ChildMessage | undefined> {
    while (this.#messages.length === 0 && !this.#ended) {
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return this.#messages.shift();
  }

  /** Kills the child (SIGKILL); a child already gone is fine. */
  kill(): void {
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Closes stdin of an unused child, so that it exits, and waits for it. */
  async dismiss(): Promise<void> {
    try {
      await this.#process.stdin.close();
    } catch {
      this.kill();
    }
    await this.exited;
  }

  #lastStderrLine(): string {
    const last = nonBlankLines(this.#stderrTail).at(-1);
    return last ? last.text.trim().slice(0, 300) : "";
  }

  async #write(line: string): Promise<void> {
    try {
      this.#writer ??= this.#process.stdin.getWriter();
      await this.#writer.write(new TextEncoder().encode(line + "\n"));
    } catch {
      // The child is gone already: its status tells why, in run().
    }
  }

  async #closeStdin(): Promise<void> {
    try {
      this.#writer ??= this.#process.stdin.getWriter();
      await this.#writer.close();
    } catch {
      // The child is gone already.
    }
  }

  /**
   * Sends the job ahead of its turn (always `gated`: the child waits before its timed runs until
   * {@linkcode run} lets it go). A `held` job also waits after its session creation until
   * {@linkcode run} starts.
   */
  async start(job: ChildJob): Promise<void> {
    this.#job = job;
    this.#sentAt = performance.now();
    await this.#write(JSON.stringify({ ...job, gated: true }));
  }

  /**
   * Runs the job (sending it first unless {@linkcode start} did) and waits for the result, the
   * timeout or the abort. The timeout counts from here, without the time spent at the gate.
   * Returns as soon as the result arrives: the child releases its session and exits on its own
   * (see {@linkcode exited}).
   */
  async run(
    job: ChildJob,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    hooks: RunHooks,
  ): Promise<ChildOutcome> {
    let phase = "start-up";
    let stop: "timeout" | "abort" | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let remainingMs = timeoutMs;
    let armedAt = 0;
    const arm = () => {
      armedAt = performance.now();
      timer = setTimeout(() => {
        stop = "timeout";
        this.kill();
      }, Math.max(0, remainingMs));
    };
    const disarm = () => {
      clearTimeout(timer);
      remainingMs -= performance.now() - armedAt;
    };
    const onAbort = () => {
      stop = "abort";
      this.kill();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort(); // aborted while the model was written: never start it
    arm();
    try {
      if (this.#job === undefined) await this.start(job);
      else if (this.#job.held) await this.#write("go");
      while (true) {
        const message = await this.#next();
        if (message === undefined) break;
        if (message.event === "phase") {
          phase = message.phase;
          hooks.onPhase(message.phase);
          if (message.phase === "wait") {
            disarm();
            await hooks.gate();
            if (stop) break;
            arm();
            await this.#write("go");
            await this.#closeStdin();
            hooks.onTimingStart?.();
          }
        } else if (message.event === "result") {
          if (!message.ok) {
            await this.exited;
            return { ok: false, reason: message.reason };
          }
          const readyAt = this.#readyAt ?? this.#sentAt;
          return {
            ok: true,
            measurement: message.measurement,
            childReadyMs: Math.max(0, readyAt - this.#sentAt),
          };
        }
      }
      const status = await this.#process.status;
      await this.#reading;
      if (stop === "abort") throw signal?.reason ?? new DOMException("aborted", "AbortError");
      if (stop === "timeout") {
        return {
          ok: false,
          reason: `timed out after ${Math.round(timeoutMs)} ms (during ${phase}); child killed`,
        };
      }
      const how = status.signal
        ? `killed by ${status.signal}${status.signal === "SIGKILL" ? " (out of memory?)" : ""}`
        : `exited with code ${status.code}`;
      const detail = this.#lastStderrLine();
      return {
        ok: false,
        reason: `child ${how} during ${phase}${detail ? `: ${detail}` : ""}`,
      };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      await this.#closeStdin();
    }
  }
}

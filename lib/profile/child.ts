/**
 * The measuring child process: `deno run -A lib/profile/child.ts`. It imports ONNX Runtime,
 * measures ONE job and exits.
 *
 * The protocol, the one place it is written down (child_handle.ts is the other end):
 *
 * 1. The child prints `{"event":"ready",…}` once the runtime is imported, then reads one job (a
 *    JSON line, {@linkcode ChildJob}) from stdin. An idle child whose stdin closes before a job
 *    exits quietly (an unused spare).
 * 2. It reports each phase (`{"event":"phase","phase":…}`): `session`, `warmup`, `timing`.
 * 3. A `held` job says phase `loaded` once its session exists and reads one line (`go`) before
 *    the warm-up: the parent can send a job early, while another child is still measuring,
 *    without this one running the model before its turn.
 * 4. A `gated` job says phase `wait` after its warm-up and reads one more line (`go`, or the end
 *    of stdin) before the timed runs: the parent finishes its background work first, so that it
 *    never overlaps the timed runs.
 * 5. It prints `{"event":"result",…}` as soon as the timed runs are done, before the session is
 *    released, so the parent need not wait for the release or the exit.
 *
 * Every message is one JSON line on stdout; stderr is free text (ONNX Runtime's own logging).
 * Every child exits within about half a second of its parent's death.
 *
 * Each child measures exactly one model, so its peak resident set is that model's own: the
 * high-water mark is reset after the import and the job are read (see memory.ts), the model
 * file was written by the parent (the weights never pass through this process's JS heap), and
 * the only allocations after the reset are the session's and the runs'.
 *
 * Jobs: `forward` times `input_ids [batch, seqLen]` through the plain graph (warm-up, then the
 * adaptive loop of latency.ts); `generation` runs the KV-cache graph as generation.ts defines.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { errorLine } from "../util/errors.ts";
import { exitWhenOrphaned } from "../util/process.ts";
import { createRng, type Rng } from "../util/rng.ts";
import { type GenerationRepeat, type GenerationResult, summarizeGeneration } from "./generation.ts";
import { type LatencySummary, type StopReason, summarizeLatency, timeRuns } from "./latency.ts";
import { startPeakMemory } from "./memory.ts";
import { childSessionOptions } from "./session_options.ts";
import type { ProfileSettings } from "./settings.ts";

/** One measurement job, sent by the parent as one JSON line on stdin. */
export interface ChildJob {
  kind: "forward" | "generation";
  /** The .onnx file (its external weights beside it). */
  modelPath: string;
  settings: ProfileSettings;
  /** Vocabulary size (input tokens are drawn below it). */
  vocabSize: number;
  /** Heads of each layer (generation: the cache shapes). */
  nHead: number[];
  /** Model width (generation: head size = dModel / nHead[i]). */
  dModel: number;
  /** Which of the candidate's forward processes this is (0-based; see `processRepeats`). */
  repeat?: number;
  /** After the warm-up, say `wait` and wait for `go` before the timed runs (module doc, 4). */
  gated?: boolean;
  /** After the session creation, say `loaded` and wait for `go` before the warm-up (3). */
  held?: boolean;
}

/** What the child is doing: loading, warming up, waiting for `go`, or timing. */
export type ChildPhase = "session" | "warmup" | "wait" | "timing";

/**
 * The phases a child reports on stdout: those of {@linkcode ChildPhase} and `loaded` (a held
 * job's session exists; it waits for `go` before the warm-up), which only the parent sees.
 */
export type ChildWirePhase = ChildPhase | "loaded";

/** Hooks of the measuring functions. */
export interface MeasureHooks {
  /** Called at each phase change. */
  onPhase?: (phase: ChildWirePhase) => void;
  /** Awaited between the session creation and the warm-up (phase `loaded`). */
  beforeWarmup?: () => Promise<void>;
  /** Awaited between the warm-up and the timed runs (phase `wait`). */
  beforeTiming?: () => Promise<void>;
  /** Called with the measurement as soon as it is complete, before the session is released. */
  onResult?: (measurement: ForwardMeasurement | GenerationMeasurement) => void;
}

/** What a forward job measured. */
export interface ForwardMeasurement {
  kind: "forward";
  latencyMs: LatencySummary;
  stopReason: StopReason;
  peakMemoryBytes: number;
  baselineMemoryBytes: number;
  sessionMs: number;
  warmupMs: number;
  timedMs: number;
}

/** What a generation job measured. */
export interface GenerationMeasurement {
  kind: "generation";
  generation: GenerationResult;
  baselineMemoryBytes: number;
  sessionMs: number;
  warmupMs: number;
  timedMs: number;
}

/** One line the child prints. */
export type ChildMessage =
  | { event: "ready"; startupMs: number }
  | { event: "phase"; phase: ChildWirePhase }
  | { event: "result"; ok: true; measurement: ForwardMeasurement | GenerationMeasurement }
  | { event: "result"; ok: false; reason: string };

function randomTokens(rng: Rng, count: number, vocabSize: number): BigInt64Array {
  const ids = new BigInt64Array(count);
  for (let i = 0; i < count; i++) ids[i] = BigInt(rng.int(0, vocabSize - 1));
  return ids;
}

/**
 * Starts the peak-memory meter, creates the session (timed) and, when asked, waits for the go
 * signal before the warm-up: the start shared by forward and generation measurements.
 */
async function openSession(
  job: ChildJob,
  hooks: MeasureHooks,
): Promise<
  { meter: ReturnType<typeof startPeakMemory>; session: ort.InferenceSession; sessionMs: number }
> {
  const onPhase = hooks.onPhase ?? (() => {});
  const meter = startPeakMemory();
  onPhase("session");
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(
    job.modelPath,
    childSessionOptions(job.settings),
  );
  const sessionMs = performance.now() - t0;
  if (hooks.beforeWarmup) {
    onPhase("loaded");
    await hooks.beforeWarmup();
  }
  return { meter, session, sessionMs };
}

/** Reports a finished measurement (before releasing the session, which can be slow), then
 * releases the session: the end shared by forward and generation measurements. */
async function deliver<M extends ForwardMeasurement | GenerationMeasurement>(
  measurement: M,
  session: ort.InferenceSession,
  hooks: MeasureHooks,
): Promise<M> {
  hooks.onResult?.(measurement);
  await session.release();
  return measurement;
}

/**
 * Runs one forward job in this process: creates the session, warms up, times adaptively.
 * Meant for the child; calling it in a long-lived process gives a meaningless peak memory.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { validateArch } from "../arch/mod.ts";
 * import { emitGpt2, writeOnnx } from "../onnx/mod.ts";
 * import { measureForward } from "./child.ts";
 * import { validateProfileSettings } from "./settings.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 1, dModel: 32, nHead: 2, dInner: 64, vocabSize: 100, nPositions: 16,
 * });
 * const dir = await Deno.makeTempDir();
 * const model = emitGpt2(arch, { dialect: "fast", lastTokenOnly: true });
 * const { onnxPath } = await writeOnnx(model, join(dir, "forward.onnx"));
 * const m = await measureForward({
 *   kind: "forward", modelPath: onnxPath, settings: validateProfileSettings({ seqLen: 8 }),
 *   vocabSize: arch.vocabSize, nHead: arch.nHead, dModel: arch.dModel,
 * });
 * console.log(m.latencyMs.p50);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function measureForward(
  job: ChildJob,
  hooks: MeasureHooks = {},
): Promise<ForwardMeasurement> {
  const s = job.settings;
  const onPhase = hooks.onPhase ?? (() => {});
  const { meter, session, sessionMs } = await openSession(job, hooks);
  const rng = createRng(s.seed).fork("input_ids");
  const feeds = {
    input_ids: new ort.Tensor(
      "int64",
      randomTokens(rng, s.batch * s.seqLen, job.vocabSize),
      [s.batch, s.seqLen],
    ),
  };
  const run = () => session.run(feeds);
  onPhase("warmup");
  const t1 = performance.now();
  for (let i = 0; i < s.warmupRuns; i++) await run();
  const warmupMs = performance.now() - t1;
  if (hooks.beforeTiming) {
    onPhase("wait");
    await hooks.beforeTiming();
  }
  onPhase("timing");
  const t2 = performance.now();
  const timing = await timeRuns(run, { ...s, warmupRuns: 0 });
  const timedMs = performance.now() - t2;
  const peakMemoryBytes = meter.peakAboveBaselineBytes();
  const measurement: ForwardMeasurement = {
    kind: "forward",
    latencyMs: summarizeLatency(timing.samplesMs),
    stopReason: timing.stopReason,
    peakMemoryBytes,
    baselineMemoryBytes: meter.baselineBytes,
    sessionMs,
    warmupMs,
    timedMs,
  };
  return await deliver(measurement, session, hooks);
}

/**
 * Runs one generation job in this process (see generation.ts for the definitions).
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { validateArch } from "../arch/mod.ts";
 * import { emitGpt2, writeOnnx } from "../onnx/mod.ts";
 * import { measureGeneration } from "./child.ts";
 * import { validateProfileSettings } from "./settings.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 1, dModel: 32, nHead: 2, dInner: 64, vocabSize: 100, nPositions: 32,
 * });
 * const dir = await Deno.makeTempDir();
 * const model = emitGpt2(arch, { dialect: "fast", lastTokenOnly: true, kvCache: true });
 * const { onnxPath } = await writeOnnx(model, join(dir, "generation.onnx"));
 * const settings = validateProfileSettings({
 *   generation: { promptLen: 4, newTokens: 3, repeats: 2 },
 * });
 * const m = await measureGeneration({
 *   kind: "generation", modelPath: onnxPath, settings,
 *   vocabSize: arch.vocabSize, nHead: arch.nHead, dModel: arch.dModel,
 * });
 * console.log(m.generation.latencyPerTokenMs.p95);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function measureGeneration(
  job: ChildJob,
  hooks: MeasureHooks = {},
): Promise<GenerationMeasurement> {
  const s = job.settings;
  const onPhase = hooks.onPhase ?? (() => {});
  const g = s.generation;
  if (!g) throw new Error("measureGeneration: the settings ask for no generation");
  const { meter, session, sessionMs } = await openSession(job, hooks);
  const rng = createRng(s.seed).fork("generation");
  const emptyPast: Record<string, ort.Tensor> = {};
  job.nHead.forEach((h, i) => {
    const shape = [s.batch, h, 0, job.dModel / h];
    emptyPast[`past_key_${i}`] = new ort.Tensor("float32", new Float32Array(0), shape);
    emptyPast[`past_value_${i}`] = new ort.Tensor("float32", new Float32Array(0), shape);
  });
  const positions = (start: number, count: number) => {
    const ids = new BigInt64Array(s.batch * count);
    for (let b = 0; b < s.batch; b++) {
      for (let t = 0; t < count; t++) ids[b * count + t] = BigInt(start + t);
    }
    return new ort.Tensor("int64", ids, [s.batch, count]);
  };
  const repeat = async (): Promise<GenerationRepeat> => {
    let feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        "int64",
        randomTokens(rng, s.batch * g.promptLen, job.vocabSize),
        [s.batch, g.promptLen],
      ),
      position_ids: positions(0, g.promptLen),
      ...emptyPast,
    };
    const tp = performance.now();
    let out = await session.run(feeds);
    const promptMs = performance.now() - tp;
    const tokenMs: number[] = [];
    for (let t = 1; t < g.newTokens; t++) {
      feeds = {
        input_ids: new ort.Tensor("int64", randomTokens(rng, s.batch, job.vocabSize), [s.batch, 1]),
        position_ids: positions(g.promptLen + t - 1, 1),
      };
      job.nHead.forEach((_, i) => {
        feeds[`past_key_${i}`] = out[`present_key_${i}`] as ort.Tensor;
        feeds[`past_value_${i}`] = out[`present_value_${i}`] as ort.Tensor;
      });
      const tt = performance.now();
      out = await session.run(feeds);
      tokenMs.push(performance.now() - tt);
    }
    return { promptMs, tokenMs };
  };
  onPhase("warmup");
  const t1 = performance.now();
  await repeat();
  const warmupMs = performance.now() - t1;
  if (hooks.beforeTiming) {
    onPhase("wait");
    await hooks.beforeTiming();
  }
  onPhase("timing");
  const t2 = performance.now();
  const repeats: GenerationRepeat[] = [];
  for (let r = 0; r < g.repeats; r++) repeats.push(await repeat());
  const timedMs = performance.now() - t2;
  const peakMemoryBytes = meter.peakAboveBaselineBytes();
  const measurement: GenerationMeasurement = {
    kind: "generation",
    generation: summarizeGeneration(repeats, g, peakMemoryBytes),
    baselineMemoryBytes: meter.baselineBytes,
    sessionMs,
    warmupMs,
    timedMs,
  };
  return await deliver(measurement, session, hooks);
}

function send(message: ChildMessage): void {
  const bytes = new TextEncoder().encode(JSON.stringify(message) + "\n");
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

/** Reads stdin line by line. */
class LineReader {
  #reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  #buffer = "";

  /** The next line, or undefined at the end of input. */
  async next(): Promise<string | undefined> {
    while (true) {
      const end = this.#buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) {
        const rest = this.#buffer;
        this.#buffer = "";
        return rest === "" ? undefined : rest;
      }
      this.#buffer += value;
    }
  }
}

async function main(startupMs: number): Promise<number> {
  send({ event: "ready", startupMs });
  const lines = new LineReader();
  const line = await lines.next();
  if (line === undefined || line.trim() === "") return 0; // Stdin closed: an unused spare.
  let sent = false;
  try {
    const job = JSON.parse(line) as ChildJob;
    // Any line (or the end of stdin) means go.
    const go = async () => {
      await lines.next();
    };
    const hooks: MeasureHooks = {
      onPhase: (phase) => send({ event: "phase", phase }),
      beforeWarmup: job.held ? go : undefined,
      beforeTiming: job.gated ? go : undefined,
      onResult: (measurement) => {
        send({ event: "result", ok: true, measurement });
        sent = true;
      },
    };
    const measurement = job.kind === "generation"
      ? await measureGeneration(job, hooks)
      : await measureForward(job, hooks);
    if (!sent) send({ event: "result", ok: true, measurement });
    return 0;
  } catch (e) {
    if (sent) return 0; // Only the release failed: the result stands.
    const reason = errorLine(e);
    send({ event: "result", ok: false, reason });
    return 1;
  }
}

if (import.meta.main) {
  // A parent killed with SIGKILL cannot stop its children: leave on our own once it is gone
  // (its stdin may be closed already, during the timed runs), instead of measuring for nobody.
  exitWhenOrphaned(500, "lts profile child");
  // Ctrl-C in a terminal and Jupyter's interrupt send SIGINT to the whole process group. The
  // parent decides: it kills this child when it stops, so a measurement is never recorded as a
  // failure of the architecture because someone pressed Ctrl-C.
  Deno.addSignalListener("SIGINT", () => {});
  // performance.now() counts from the process start: Deno's start-up plus the runtime import.
  Deno.exit(await main(performance.now()));
}

/**
 * The parent side of profiling: emit the model file(s) here, measure each in a fresh child
 * process (child.ts), enforce the timeout, turn every failure into an `ok: false` result, and
 * keep the result cache.
 *
 * Why a child per model: a crash or an out-of-memory kill takes down only the child, and its
 * peak resident set is that model's alone. Why emit in the parent: the weights are generated
 * and written here, so they never count in the child's peak; the child only loads the file.
 *
 * Hiding the overhead in {@linkcode profileMany} without disturbing the timing: while the
 * child of candidate i creates its session and warms up (untimed), the parent emits the model
 * of candidate i+1 (`prefetch`) and spawns the child that will measure it (`prespawn`; Deno's
 * start-up and the runtime import). The child of candidate i then waits (phase `wait`) until
 * both are done, and until earlier children have exited and old model files are removed,
 * before its timed runs start, so no work of ours runs in parallel with a timed run. As soon
 * as its result arrives (it is sent before the session is released), the job of candidate i+1
 * goes to the waiting child (`preload`): its session creation then overlaps the exit of child
 * i, the removal of its files and the caller's bookkeeping (a search's checkpoint writes). The
 * per-candidate overhead left is about max(session + warm-up of i+1, emission of i+2).
 *
 * What is left is mostly the session creation (ONNX Runtime pre-packing the layer weights;
 * ≈ 0.5–0.6 s for GPT-2 small) and the warm-up run: together ≈ 25 % of the timed runs for the
 * median lts-gpt2 candidate on a 2-vCPU Xeon, which is the floor while timed runs have the
 * machine to themselves (bench/profile_bench.ts, bench/search_bench.ts). The emitter already
 * keeps tied weights out of pre-packing (they are held once; see lib/onnx/graph.ts).
 * Measured there and NOT adopted: turning off pre-packing (session 3–20× faster, but prompt
 * runs 18–40 % slower and a lower peak memory: it would change what is measured); other session
 * options (arena, memory patterns, optimisation level; within noise); glibc huge pages for the
 * child (`GLIBC_TUNABLES=glibc.malloc.hugetlb=1`: session 10–30 % faster, but it changes the
 * memory behaviour being measured). `overlapSessionCreation` creates the next session beside
 * the timed runs (the next emission waits for their end: an emission beside them moved their
 * p50 by +8 to +14 % in A/B runs), but it is off by default because a concurrent session
 * creation moved the timed p50 by −4 % to +4 % in most A/B runs, by +13 % in one (a
 * pure-arithmetic control: ≈ +1 %, so the interference is the memory system, not the core
 * count) and by 1.9× on a loaded machine.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { archHash as hashArch } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import { checkEmittable, emitGpt2, writeOnnx } from "../onnx/mod.ts";
import { InputError } from "../util/errors.ts";
import { makeOwnedTempDir } from "../util/fs.ts";
import { ProfileCache, profileCacheKey } from "./cache.ts";
import type {
  ChildJob,
  ChildMessage,
  ChildPhase,
  ChildWirePhase,
  ForwardMeasurement,
  GenerationMeasurement,
} from "./child.ts";
import {
  detectDevice,
  type DeviceFingerprint,
  deviceFingerprint,
  fingerprintHash,
} from "./fingerprint.ts";
import type { ProfileFailure, ProfileResult, ProfileSuccess, RecordedSettings } from "./result.ts";
import {
  checkSettingsForArch,
  measurementSettings,
  type ProfileSettings,
  validateProfileSettings,
} from "./settings.ts";

/** Starts one measuring child with piped stdin, stdout and stderr. */
export type Spawner = () => Deno.ChildProcess;

const CHILD_PATH = fileURLToPath(new URL("./child.ts", import.meta.url));
const CONFIG_PATH = fileURLToPath(new URL("../../deno.json", import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The default spawner: `deno run -A --config <project>/deno.json <abs>/lib/profile/child.ts`,
 * run from the project root.
 *
 * @example
 * ```ts
 * import { defaultSpawner } from "./profile.ts";
 * const child = defaultSpawner(); // prints {"event":"ready",…} once the runtime is imported
 * await child.stdin.close(); // an idle child exits when its stdin closes
 * await child.status;
 * ```
 */
export const defaultSpawner: Spawner = () =>
  new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG_PATH, CHILD_PATH],
    cwd: PROJECT_ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

/** Progress of one measurement, for progress bars. */
export type ProfileEvent =
  | { kind: "cached"; archHash: string }
  | { kind: "emit"; archHash: string }
  | { kind: "phase"; archHash: string; phase: ChildPhase };

/** Options of {@linkcode profileArch}. */
export interface ProfileOptions {
  /** The result cache; default the project's `data/cache/profile.jsonl`; `false` for none. */
  cache?: ProfileCache | false;
  /** Aborting kills the child and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** How to start a child (tests inject counters and faulty children). */
  spawner?: Spawner;
  /** Folder for the temporary model files (default: a fresh folder in the system's temp). */
  tmpDir?: string;
  /** Progress events. */
  onEvent?: (event: ProfileEvent) => void;
}

/** Options of {@linkcode profileMany}. */
export interface ProfileManyOptions extends ProfileOptions {
  /** Called after each result, with its index and the count. */
  onProgress?: (result: ProfileResult, done: number, total: number) => void;
  /** Emit the next model while this one loads and warms up (default true). */
  prefetch?: boolean;
  /** Spawn the next child while this one loads and warms up (default true). */
  prespawn?: boolean;
  /**
   * Send the next job to its pre-spawned child as soon as this child's timed runs end, so that
   * its session creation and warm-up overlap this child's exit, the file removal and the
   * caller's bookkeeping (default true; needs `prefetch` and `prespawn`).
   */
  preload?: boolean;
  /**
   * Send the next job when this child's timed runs START instead (the child is held after its
   * session creation until its turn): the next session creation then runs on another core
   * during the timed runs; the emission and spawn after it still wait for their end. Default
   * false: on a 2-vCPU Xeon it only took the overhead from ≈ 27 % to 17–25 % of the timed runs
   * (the gap before each timed run still holds the warm-up and the next emission), and a
   * concurrent session creation is not always harmless there (A/B: −4 % to +4 % in most runs,
   * +13 % in one; 1.9× on a loaded machine). Re-measure with `bench/profile_bench.ts` (A/B
   * section) before turning it on for your machine.
   */
  overlapSessionCreation?: boolean;
}

// ---------------------------------------------------------------------------------------------
// One child.

type ChildOutcome =
  | { ok: true; measurement: ForwardMeasurement | GenerationMeasurement; childReadyMs: number }
  | { ok: false; reason: string };

/** Hooks of {@linkcode ChildHandle.run}. */
interface RunHooks {
  onPhase: (phase: ChildWirePhase) => void;
  /**
   * Awaited before the timed runs (the child waits in phase `wait`; not counted towards the
   * timeout), so that the parent's parallel work never overlaps a timed run.
   */
  gate: () => Promise<unknown>;
  /** Called once the child has been told to start its timed runs. */
  onTimingStart?: () => void;
}

/** A spawned child whose stdout messages are read from the start, in the background. */
class ChildHandle {
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
    const lines = this.#stderrTail.trim().split("\n").filter((l) => l.trim() !== "");
    return lines.length ? lines[lines.length - 1].trim().slice(0, 300) : "";
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
   * Sends the job (gated: the child waits before its timed runs until {@linkcode run} lets it
   * go). A `held` job also waits after its session creation until {@linkcode run} starts.
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

/**
 * Hands out children: at most one spare spawned ahead (runtime imported, no job yet) and at most
 * one preloaded child (job sent early). Keeps track of children that are still exiting and of
 * other background work (file removal), so that the next timed runs can wait for them.
 */
class ChildPool {
  #spawner: Spawner;
  #prespawn: boolean;
  #spare: ChildHandle | undefined;
  #loaded: ChildHandle | undefined;
  #background = new Set<Promise<unknown>>();

  constructor(spawner: Spawner, prespawn: boolean) {
    this.#spawner = spawner;
    this.#prespawn = prespawn;
  }

  #spawn(): ChildHandle {
    const child = this.#spare ?? new ChildHandle(this.#spawner());
    this.#spare = undefined;
    return child;
  }

  /** The child for `job`: the preloaded one if it holds this job, else the spare or a new one. */
  take(job: ChildJob): ChildHandle {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    if (loaded?.job && sameJob(loaded.job, job)) return loaded;
    if (loaded) this.#discard(loaded);
    return this.#spawn();
  }

  /** Sends `job` to the spare (spawning one if needed) ahead of its turn. */
  preload(job: ChildJob): void {
    if (this.#loaded) this.#discard(this.#loaded);
    const child = this.#spawn();
    this.#loaded = child;
    this.track(child.start(job));
  }

  /** Spawns a spare now (call once the current child got its job). */
  prepareNext(): void {
    if (this.#prespawn && !this.#spare) this.#spare = new ChildHandle(this.#spawner());
  }

  /** Resolves once the spare (if any) has imported the runtime. */
  spareReady(): Promise<void> {
    return this.#spare?.ready ?? Promise.resolve();
  }

  /** Hands back a child whose result arrived; it exits in the background. */
  retire(child: ChildHandle): void {
    this.track(child.exited);
  }

  /** Background work that the next timed runs wait for. */
  track(work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => this.#background.delete(p));
    this.#background.add(p);
  }

  /** Resolves once every tracked background job has finished. */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  #discard(child: ChildHandle): void {
    child.kill();
    this.retire(child);
  }

  async close(): Promise<void> {
    const spare = this.#spare;
    this.#spare = undefined;
    if (this.#loaded) this.#discard(this.#loaded);
    this.#loaded = undefined;
    await spare?.dismiss();
    await this.settled();
  }
}

// ---------------------------------------------------------------------------------------------
// Preparing one candidate.

/** A validated candidate, with its keys. */
interface Plan {
  arch: Arch;
  archHash: string;
  settings: ProfileSettings;
  recorded: RecordedSettings;
  fingerprint: DeviceFingerprint;
  fingerprintHash: string;
  cacheKey: string;
}

/** Model files written for one candidate. */
interface Emitted {
  dir: string;
  forwardPath: string;
  generationPath?: string;
  modelBytes: number;
  emitMs: number;
}

async function planFor(arch: Arch, settings: ProfileSettings): Promise<Plan> {
  checkEmittable(arch);
  checkSettingsForArch(arch, settings);
  const device = await detectDevice();
  if (!device.providers.includes(settings.provider)) {
    throw new InputError(
      `provider: ${settings.provider}: this onnxruntime-node build has no ${settings.provider.toUpperCase()} execution provider`,
    );
  }
  const fingerprint = deviceFingerprint(device, settings);
  const fpHash = fingerprintHash(fingerprint);
  const recorded = measurementSettings(settings);
  const archHash = hashArch(arch);
  return {
    arch,
    archHash,
    settings,
    recorded,
    fingerprint,
    fingerprintHash: fpHash,
    cacheKey: profileCacheKey(archHash, recorded, fpHash),
  };
}

async function emitFor(plan: Plan, tmpRoot: string | undefined): Promise<Emitted> {
  const t0 = performance.now();
  // `lts-profile-<pid>-<archHash>-…`: a killed process's folders are removed by the next one.
  const dir = await makeOwnedTempDir("lts-profile-", tmpRoot, `${plan.archHash}-`);
  try {
    const s = plan.settings;
    const options = { dialect: s.dialect, seed: s.seed, lastTokenOnly: s.lastTokenOnly };
    const forward = await writeOnnx(
      emitGpt2(plan.arch, { ...options, kvCache: false }),
      join(dir, "forward.onnx"),
    );
    let generationPath: string | undefined;
    if (s.generation) {
      const kv = await writeOnnx(
        emitGpt2(plan.arch, { ...options, lastTokenOnly: true, kvCache: true }),
        join(dir, "generation.onnx"),
      );
      generationPath = kv.onnxPath;
    }
    return {
      dir,
      forwardPath: forward.onnxPath,
      generationPath,
      modelBytes: forward.onnxBytes + forward.dataBytes,
      emitMs: performance.now() - t0,
    };
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}

function failure(plan: Plan, reason: string): ProfileFailure {
  return {
    ok: false,
    archHash: plan.archHash,
    settings: plan.recorded,
    fingerprint: plan.fingerprint,
    reason,
    cached: false,
    measuredAt: new Date().toISOString(),
  };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0].slice(0, 500);
}

/** How one candidate's jobs are run, and what to do around them. */
interface MeasureContext {
  /** Awaited before each timed run (the next candidate's model, the spare child, cleanup). */
  gate: () => Promise<unknown>;
  /** Whether more jobs follow this candidate's (spawn a spare while it measures). */
  moreAfter: boolean;
  /**
   * Hands the job after `job` to a child ahead of its turn; called when `job`'s timed runs end
   * (or start, with `overlapSessionCreation`).
   */
  handoff?: (job: ChildJob) => void;
  /** Call `handoff` when the timed runs start instead of when they end. */
  overlap: boolean;
}

/** Whether two jobs are the same step of the same candidate. */
function sameJob(a: ChildJob, b: ChildJob): boolean {
  return a.modelPath === b.modelPath && a.kind === b.kind && (a.repeat ?? 0) === (b.repeat ?? 0);
}

/** A candidate's jobs: `processRepeats` forward jobs, then the generation job if asked for. */
function jobsFor(plan: Plan, emitted: Emitted): ChildJob[] {
  const job = (kind: ChildJob["kind"], modelPath: string, repeat = 0): ChildJob => ({
    kind,
    modelPath,
    settings: plan.settings,
    vocabSize: plan.arch.vocabSize,
    nHead: plan.arch.nHead,
    dModel: plan.arch.dModel,
    repeat,
  });
  const jobs = Array.from(
    { length: plan.settings.processRepeats },
    (_, r) => job("forward", emitted.forwardPath, r),
  );
  if (emitted.generationPath) jobs.push(job("generation", emitted.generationPath));
  return jobs;
}

/**
 * The forward measurement a candidate reports: the only one, or with several processes the
 * median one by p50 (the lower median for an even count).
 */
function medianProcess(forward: ForwardMeasurement[]): ForwardMeasurement {
  const byP50 = [...forward].sort((a, b) => a.latencyMs.p50 - b.latencyMs.p50);
  return byP50[(byP50.length - 1) >> 1];
}

/** Measures a prepared candidate with children from the pool. */
async function measure(
  plan: Plan,
  emitted: Emitted | { error: string },
  pool: ChildPool,
  options: ProfileOptions,
  startedAt: number,
  context: MeasureContext,
): Promise<ProfileResult> {
  if ("error" in emitted) return failure(plan, `emit: ${emitted.error}`);
  const onPhase = (phase: ChildWirePhase) => {
    if (phase !== "loaded") options.onEvent?.({ kind: "phase", archHash: plan.archHash, phase });
  };
  const jobs = jobsFor(plan, emitted);
  const outcomes: ChildOutcome[] = [];
  for (let k = 0; k < jobs.length; k++) {
    const child = pool.take(jobs[k]);
    const handoff = () => context.handoff?.(jobs[k]);
    const outcome = child.run(jobs[k], plan.settings.timeoutMs, options.signal, {
      onPhase,
      gate: async () => {
        // Before the timed runs: the next model's file and the spare child must be ready, and
        // earlier children must have exited.
        await context.gate();
        await pool.spareReady();
        await pool.settled();
      },
      onTimingStart: context.overlap ? handoff : undefined,
    });
    if (k + 1 < jobs.length || context.moreAfter) pool.prepareNext();
    const o = await outcome;
    pool.retire(child);
    if (!o.ok) {
      const repeats = plan.settings.processRepeats;
      const which = jobs[k].kind === "generation"
        ? "generation: "
        : repeats > 1
        ? `process ${k + 1}/${repeats}: `
        : "";
      return failure(plan, which + o.reason);
    }
    if (!context.overlap) handoff();
    outcomes.push(o);
  }
  const measured = outcomes.flatMap((o) => (o.ok ? [o.measurement] : []));
  const forward = measured.filter((m): m is ForwardMeasurement => m.kind === "forward");
  const g = measured.find((m): m is GenerationMeasurement => m.kind === "generation");
  if (forward.length === 0) throw new Error("profile: no forward measurement");
  const f = medianProcess(forward);
  const sum = (key: "sessionMs" | "warmupMs" | "timedMs") =>
    forward.reduce((s, m) => s + m[key], 0) + (g?.[key] ?? 0);
  const childReadyMs = outcomes.reduce((s, o) => s + (o.ok ? o.childReadyMs : 0), 0);
  const result: ProfileSuccess = {
    ok: true,
    archHash: plan.archHash,
    cacheKey: plan.cacheKey,
    settings: plan.recorded,
    fingerprint: plan.fingerprint,
    fingerprintHash: plan.fingerprintHash,
    latencyMs: f.latencyMs,
    stopReason: f.stopReason,
    peakMemoryBytes: f.peakMemoryBytes,
    baselineMemoryBytes: f.baselineMemoryBytes,
    modelBytes: emitted.modelBytes,
    timings: {
      emitMs: emitted.emitMs,
      childReadyMs,
      sessionMs: sum("sessionMs"),
      warmupMs: sum("warmupMs"),
      timedMs: sum("timedMs"),
      totalMs: performance.now() - startedAt,
    },
    cached: false,
    measuredAt: new Date().toISOString(),
  };
  if (forward.length > 1) {
    result.processes = {
      p50Ms: forward.map((m) => m.latencyMs.p50),
      peakMemoryBytes: forward.map((m) => m.peakMemoryBytes),
    };
  }
  if (g) result.generation = g.generation;
  return result;
}

async function emitSafely(
  plan: Plan,
  tmpRoot: string | undefined,
): Promise<Emitted | { error: string }> {
  try {
    return await emitFor(plan, tmpRoot);
  } catch (e) {
    return { error: firstLine(e) };
  }
}

async function cleanup(emitted: Emitted | { error: string }): Promise<void> {
  if (!("error" in emitted)) await Deno.remove(emitted.dir, { recursive: true }).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Public API.

/**
 * Measures one architecture on this device (or returns its cached result). Bad settings or an
 * architecture the emitter cannot build throw {@linkcode InputError}; everything that goes
 * wrong while measuring gives `ok: false` with the reason.
 *
 * @example
 * ```ts
 * import { profileArch } from "./profile.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 512 });
 * const r = await profileArch(arch, { seqLen: 64 }, { cache: false });
 * if (r.ok) console.log(r.latencyMs.p50, r.peakMemoryBytes);
 * ```
 */
export async function profileArch(
  arch: Arch,
  settings: Partial<ProfileSettings> = {},
  options: ProfileOptions = {},
): Promise<ProfileResult> {
  const results = profileMany([arch], settings, { ...options, prefetch: false, prespawn: false });
  for await (const result of results) return result;
  throw new Error("profileArch: no result");
}

/**
 * Measures architectures one after another (never two timed runs at once), yielding each
 * result as it finishes, in input order. Validates everything first, so bad input throws
 * before any measurement.
 *
 * @example
 * ```ts
 * import { profileMany } from "./profile.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const archs = [64, 128].map((d) =>
 *   validateArch({ backbone: "gpt2", nLayer: 2, dModel: d, nHead: 2, dInner: 4 * d })
 * );
 * for await (const r of profileMany(archs, { seqLen: 64 })) console.log(r.ok && r.latencyMs.p50);
 * ```
 */
export async function* profileMany(
  archs: readonly Arch[],
  settings: Partial<ProfileSettings> = {},
  options: ProfileManyOptions = {},
): AsyncGenerator<ProfileResult> {
  const s = validateProfileSettings(settings);
  const plans: Plan[] = [];
  for (let i = 0; i < archs.length; i++) {
    try {
      plans.push(await planFor(archs[i], s));
    } catch (e) {
      if (e instanceof InputError && archs.length > 1) {
        throw new InputError(`architecture ${i + 1}: ${e.message}`);
      }
      throw e;
    }
  }
  const cache = options.cache === false ? undefined : options.cache ?? new ProfileCache();
  const prefetch = options.prefetch ?? true;
  const prespawn = options.prespawn ?? true;
  const preload = prefetch && prespawn && (options.preload ?? true);
  const overlap = preload && (options.overlapSessionCreation ?? false);
  const pool = new ChildPool(options.spawner ?? defaultSpawner, prespawn);
  const pending = new Map<number, Promise<Emitted | { error: string }>>();
  const emission = (j: number) => {
    let p = pending.get(j);
    if (!p) pending.set(j, p = emitSafely(plans[j], options.tmpDir));
    return p;
  };
  /** The next candidate's first job, sent to a child early (see ProfileManyOptions.preload). */
  const handoffAfter =
    (i: number, emitted: Emitted, next: number | undefined, timedRunsEnded: Promise<void>) =>
    async (job: ChildJob) => {
      const jobs = jobsFor(plans[i], emitted);
      const k = jobs.findIndex((j) => sameJob(j, job));
      if (k + 1 < jobs.length) {
        pool.preload({ ...jobs[k + 1], held: overlap });
        return;
      }
      if (next === undefined) return;
      const nextEmitted = await emission(next);
      if ("error" in nextEmitted) return;
      const nextJobs = jobsFor(plans[next], nextEmitted);
      pool.preload({ ...nextJobs[0], held: overlap });
      const after = await nextUncached(plans, next + 1, cache);
      // With `overlapSessionCreation` this handoff runs when the timed runs start. Only the
      // next session creation may run beside them: the emission after it, and the spawn of a
      // spare, wait until they end (an emission in another process moved the timed p50 by
      // +9–14 % in bench/profile_bench.ts's A/B; a session creation by −2 to +1 % in most runs).
      if (overlap) await timedRunsEnded;
      if (after !== undefined) emission(after);
      if (nextJobs.length > 1 || after !== undefined) pool.prepareNext();
    };
  // The latest handoff; a candidate's jobs are taken only once it has run.
  let handoff: Promise<void> = Promise.resolve();
  let done = 0;
  try {
    for (let i = 0; i < plans.length; i++) {
      options.signal?.throwIfAborted();
      const plan = plans[i];
      const startedAt = performance.now();
      const hit = await cache?.get(plan.cacheKey);
      let result: ProfileResult;
      if (hit) {
        options.onEvent?.({ kind: "cached", archHash: plan.archHash });
        result = hit;
      } else {
        options.onEvent?.({ kind: "emit", archHash: plan.archHash });
        const waitFrom = performance.now();
        const emitted = await emission(i);
        // Overhead is the part of the emission this candidate waited for (all of it, unless
        // it was prefetched while the previous candidate was measured).
        if (!("error" in emitted)) emitted.emitMs = performance.now() - waitFrom;
        await handoff;
        const next = await nextUncached(plans, i + 1, cache);
        let nextEmission: Promise<unknown> = Promise.resolve();
        if (prefetch && next !== undefined) nextEmission = emission(next);
        let endTiming = () => {};
        const timedRunsEnded = new Promise<void>((resolve) => (endTiming = resolve));
        try {
          result = await measure(plan, emitted, pool, options, startedAt, {
            gate: () => nextEmission,
            moreAfter: next !== undefined,
            handoff: preload && !("error" in emitted)
              ? (job) =>
                pool.track(
                  handoff = handoffAfter(i, emitted, next, timedRunsEnded)(job).catch(() => {}),
                )
              : undefined,
            overlap,
          });
        } finally {
          endTiming();
          pending.delete(i);
          // Removing the files runs in the background; the next timed runs wait for it.
          pool.track(cleanup(emitted));
        }
        if (result.ok && cache) await cache.put(result);
      }
      done++;
      options.onProgress?.(result, done, plans.length);
      yield result;
    }
  } finally {
    await pool.close();
    for (const p of pending.values()) await cleanup(await p);
  }
}

async function nextUncached(
  plans: readonly Plan[],
  from: number,
  cache: ProfileCache | undefined,
): Promise<number | undefined> {
  for (let j = from; j < plans.length; j++) {
    if (!cache || !(await cache.get(plans[j].cacheKey))) return j;
  }
  return undefined;
}

/**
 * The parent side of profiling: {@linkcode profileArch} measures one architecture,
 * {@linkcode profileMany} several in turn. Every candidate goes through the same stages: plan
 * (validate, compute its keys, look it up in the cache), emit (write its model files here, so
 * that the weights never count in the child's peak memory), take a child (child_pool.ts), the
 * child's session creation and warm-up, the gate (the parent's background work must be done),
 * the timed runs, and the result (cached; anything that goes wrong while measuring is an
 * `ok: false` result with its reason).
 *
 * Each model is measured in a fresh child process (child.ts): a crash or an out-of-memory kill
 * takes down only that child, and its peak resident set is that model's alone. The `schedule`
 * option decides how much of the next candidate's work is done while this one is measured;
 * bench/RESULTS.md ("Profiler schedule") has the measurements behind the default.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { archHash as hashArch } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import { checkEmittable, emitGpt2, writeOnnx } from "../onnx/mod.ts";
import { errorLine, InputError } from "../util/errors.ts";
import { makeOwnedTempDir } from "../util/fs.ts";
import { ProfileCache, profileCacheKey } from "./cache.ts";
import type { ChildJob, ChildPhase, ForwardMeasurement, GenerationMeasurement } from "./child.ts";
import type { ChildOutcome, Spawner } from "./child_handle.ts";
import { ChildPool } from "./child_pool.ts";
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

export type { Spawner };

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
 * await child.stdout.cancel();
 * await child.stderr.cancel();
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

/**
 * How much of the next candidate's work {@linkcode profileMany} does while one candidate is
 * measured. Whichever it is, nothing of ours runs beside a timed run, except the next session
 * creation with `"overlapped"`:
 *
 * - `"pipelined"` (the default): while this child creates its session and warms up, the parent
 *   emits the next model and spawns the next child; the next job goes to that child as soon as
 *   this child's result is in, so that its session creation overlaps this child's exit, the
 *   removal of its files and the caller's bookkeeping.
 * - `"overlapped"`: as `"pipelined"`, but the next job goes to its child when this child's timed
 *   runs START (the child creates its session, then waits before its warm-up); the emission and
 *   spawn after it still wait for their end. It hides more of the overhead, but a session
 *   creation beside the timed runs can move them: measure with `bench/profile_bench.ts` before
 *   using it on a machine.
 * - `"serial"`: nothing ahead; each candidate is emitted, gets a new child and is measured in
 *   turn ({@linkcode profileArch}, and tests that count children).
 */
export type ProfileSchedule = "pipelined" | "overlapped" | "serial";

const SCHEDULES: readonly ProfileSchedule[] = ["pipelined", "overlapped", "serial"];

/** Options of {@linkcode profileMany}. */
export interface ProfileManyOptions extends ProfileOptions {
  /** Called after each result, with its index and the count. */
  onProgress?: (result: ProfileResult, done: number, total: number) => void;
  /** What is done ahead while a candidate is measured (default `"pipelined"`). */
  schedule?: ProfileSchedule;
}

// ---------------------------------------------------------------------------------------------
// Stage 1: plan a candidate (validated, with its keys).

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

/** Plans every candidate; bad input names the candidate (when there are several). */
async function planAll(archs: readonly Arch[], settings: ProfileSettings): Promise<Plan[]> {
  const plans: Plan[] = [];
  for (let i = 0; i < archs.length; i++) {
    try {
      plans.push(await planFor(archs[i], settings));
    } catch (e) {
      if (e instanceof InputError && archs.length > 1) {
        throw new InputError(`architecture ${i + 1}: ${e.message}`);
      }
      throw e;
    }
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Stage 2: emit its model files.

/** Model files written for one candidate. */
interface Emitted {
  dir: string;
  forwardPath: string;
  generationPath?: string;
  modelBytes: number;
  emitMs: number;
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

/** An emission that failed, with the first line of its error. */
interface EmitError {
  error: string;
}

async function emitSafely(plan: Plan, tmpRoot: string | undefined): Promise<Emitted | EmitError> {
  try {
    return await emitFor(plan, tmpRoot);
  } catch (e) {
    return { error: errorLine(e) };
  }
}

async function removeModelFiles(emitted: Emitted | EmitError): Promise<void> {
  if (!("error" in emitted)) await Deno.remove(emitted.dir, { recursive: true }).catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Stages 3 to 7: take a child, session and warm-up, gate, timed runs, result.

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

/** Everything {@linkcode measureCandidate} needs to measure one emitted candidate. */
interface CandidateStage {
  plan: Plan;
  emitted: Emitted;
  pool: ChildPool;
  signal?: AbortSignal;
  onEvent?: (event: ProfileEvent) => void;
  /** When the candidate's measurement began (its `timings.totalMs` counts from here). */
  startedAt: number;
  /** Awaited at each gate, besides the pool's spare and background work (the next emission). */
  gate: () => Promise<unknown>;
  /** Whether another candidate is measured after this one (spawn a spare during this one). */
  moreAfter: boolean;
  /**
   * Sends the job that follows job `k` of this candidate to a child ahead of its turn (see
   * {@linkcode ProfileSchedule}); absent with `"serial"`.
   */
  sendAhead?: (k: number) => Promise<void>;
  /** When `sendAhead` is called: once job `k`'s timed runs start, or once its result is in. */
  sendAheadAt: "timing-start" | "result";
}

/**
 * Measures an emitted candidate: each of its jobs in a child of the pool, in order, then one
 * result from their measurements (the first failing job fails the candidate).
 */
async function measureCandidate(stage: CandidateStage): Promise<ProfileResult> {
  const { plan, emitted } = stage;
  const jobs = jobsFor(plan, emitted);
  const measured: (ForwardMeasurement | GenerationMeasurement)[] = [];
  let childReadyMs = 0;
  for (let k = 0; k < jobs.length; k++) {
    const outcome = await runJob(stage, jobs, k);
    if (!outcome.ok) return failure(plan, jobLabel(plan, jobs[k], k) + outcome.reason);
    measured.push(outcome.measurement);
    childReadyMs += outcome.childReadyMs;
  }
  return successOf(stage, measured, childReadyMs);
}

/** Runs job `k` in a child of the pool, from taking the child to the job's outcome. */
async function runJob(
  stage: CandidateStage,
  jobs: readonly ChildJob[],
  k: number,
): Promise<ChildOutcome> {
  const { plan, pool } = stage;
  const sendAhead = () => {
    if (stage.sendAhead) pool.trackSendAhead(stage.sendAhead(k));
  };
  // Take a child: the one given this job ahead, the spare, or a new one.
  const child = pool.take(jobs[k]);
  // The child creates its session and warms up, waits at the gate, runs the timed runs and
  // sends its result (child.ts).
  const outcome = child.run(jobs[k], plan.settings.timeoutMs, stage.signal, {
    onPhase: (phase) => {
      if (phase !== "loaded") stage.onEvent?.({ kind: "phase", archHash: plan.archHash, phase });
    },
    gate: async () => {
      // Before the timed runs: the next model's files and the spare child must be ready, and
      // earlier children must have exited.
      await stage.gate();
      await pool.spareReady();
      await pool.settled();
    },
    onTimingStart: stage.sendAheadAt === "timing-start" ? sendAhead : undefined,
  });
  // The job is sent: spawn the child of the next job while this one starts.
  if (k + 1 < jobs.length || stage.moreAfter) pool.prepareNext();
  const o = await outcome;
  pool.retire(child);
  if (o.ok && stage.sendAheadAt === "result") sendAhead();
  return o;
}

/** Which of a candidate's jobs failed, as the start of its failure's reason. */
function jobLabel(plan: Plan, job: ChildJob, k: number): string {
  const repeats = plan.settings.processRepeats;
  if (job.kind === "generation") return "generation: ";
  return repeats > 1 ? `process ${k + 1}/${repeats}: ` : "";
}

/** The result of a candidate whose jobs all succeeded. */
function successOf(
  stage: CandidateStage,
  measured: readonly (ForwardMeasurement | GenerationMeasurement)[],
  childReadyMs: number,
): ProfileSuccess {
  const { plan, emitted } = stage;
  const forward = measured.filter((m): m is ForwardMeasurement => m.kind === "forward");
  const g = measured.find((m): m is GenerationMeasurement => m.kind === "generation");
  if (forward.length === 0) throw new Error("profile: no forward measurement");
  const f = medianProcess(forward);
  const sum = (key: "sessionMs" | "warmupMs" | "timedMs") =>
    forward.reduce((s, m) => s + m[key], 0) + (g?.[key] ?? 0);
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
      totalMs: performance.now() - stage.startedAt,
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

// ---------------------------------------------------------------------------------------------
// The candidates of one profileMany run, and what is done ahead.

/** What {@linkcode profileMany}'s candidates share: the child pool and the emissions ahead. */
class Pipeline {
  readonly #plans: readonly Plan[];
  readonly #cache: ProfileCache | undefined;
  readonly #options: ProfileManyOptions;
  /** Emit, spawn and send jobs ahead (not `"serial"`). */
  readonly #ahead: boolean;
  /** Send the next job when the timed runs start, held (`"overlapped"`). */
  readonly #overlap: boolean;
  readonly #pool: ChildPool;
  readonly #emissions = new Map<number, Promise<Emitted | EmitError>>();

  constructor(
    plans: readonly Plan[],
    cache: ProfileCache | undefined,
    options: ProfileManyOptions,
    schedule: ProfileSchedule,
  ) {
    this.#plans = plans;
    this.#cache = cache;
    this.#options = options;
    this.#ahead = schedule !== "serial";
    this.#overlap = schedule === "overlapped";
    this.#pool = new ChildPool(options.spawner ?? defaultSpawner, this.#ahead);
  }

  /** Candidate `j`'s model files: the emission started ahead, or one started now. */
  #emission(j: number): Promise<Emitted | EmitError> {
    let p = this.#emissions.get(j);
    if (!p) this.#emissions.set(j, p = emitSafely(this.#plans[j], this.#options.tmpDir));
    return p;
  }

  /** The first candidate from `from` on that is not cached, if any. */
  async #nextUncached(from: number): Promise<number | undefined> {
    for (let j = from; j < this.#plans.length; j++) {
      if (!this.#cache || !(await this.#cache.get(this.#plans[j].cacheKey))) return j;
    }
    return undefined;
  }

  /** Candidate `i`'s result: the cached one, or a fresh measurement. */
  async profile(i: number): Promise<ProfileResult> {
    const plan = this.#plans[i];
    const startedAt = performance.now();
    const hit = await this.#cache?.get(plan.cacheKey);
    if (!hit) return await this.#measure(i, startedAt);
    this.#options.onEvent?.({ kind: "cached", archHash: plan.archHash });
    this.#options.onProgress?.(hit, i + 1, this.#plans.length);
    return hit;
  }

  /** Measures candidate `i` (not cached), whose measurement began at `startedAt`. */
  async #measure(i: number, startedAt: number): Promise<ProfileResult> {
    const plan = this.#plans[i];
    this.#options.onEvent?.({ kind: "emit", archHash: plan.archHash });
    const waitFrom = performance.now();
    const emitted = await this.#emission(i);
    // Overhead is the part of the emission this candidate waited for (all of it, unless it was
    // emitted ahead while the previous candidate was measured).
    if (!("error" in emitted)) emitted.emitMs = performance.now() - waitFrom;
    // The previous candidate may be sending this one's first job ahead: take the child after.
    await this.#pool.sentAhead();
    const next = await this.#nextUncached(i + 1);
    const nextEmission = this.#ahead && next !== undefined ? this.#emission(next) : undefined;
    let endRecording = () => {};
    const recorded = new Promise<void>((resolve) => (endRecording = resolve));
    try {
      const result = "error" in emitted
        ? failure(plan, `emit: ${emitted.error}`)
        : await measureCandidate({
          plan,
          emitted,
          pool: this.#pool,
          signal: this.#options.signal,
          onEvent: this.#options.onEvent,
          startedAt,
          gate: () => nextEmission ?? Promise.resolve(),
          moreAfter: next !== undefined,
          sendAhead: this.#ahead
            ? (k) => this.#sendAhead({ i, emitted, k, next, recorded })
            : undefined,
          sendAheadAt: this.#overlap ? "timing-start" : "result",
        });
      // The result: cached when it is a success, then reported.
      if (result.ok && this.#cache) await this.#cache.put(result);
      this.#options.onProgress?.(result, i + 1, this.#plans.length);
      return result;
    } finally {
      endRecording();
      this.#emissions.delete(i);
      // Removing the files runs in the background; the next timed runs wait for it.
      this.#pool.track(removeModelFiles(emitted));
    }
  }

  /**
   * Sends the job after job `k` of candidate `i` to a child ahead of its turn: the candidate's
   * next job, or else the next candidate's first job. After the latter, once candidate `i` is
   * `recorded` (its timed runs are over, with either schedule: only the next session creation
   * may run beside them), the emission of the candidate after next starts and a spare is spawned.
   */
  async #sendAhead(at: {
    i: number;
    emitted: Emitted;
    k: number;
    next: number | undefined;
    recorded: Promise<void>;
  }): Promise<void> {
    const held = this.#overlap;
    const jobs = jobsFor(this.#plans[at.i], at.emitted);
    if (at.k + 1 < jobs.length) {
      this.#pool.preload({ ...jobs[at.k + 1], held });
      return;
    }
    if (at.next === undefined) return;
    const nextEmitted = await this.#emission(at.next);
    if ("error" in nextEmitted) return;
    const nextJobs = jobsFor(this.#plans[at.next], nextEmitted);
    this.#pool.preload({ ...nextJobs[0], held });
    const after = await this.#nextUncached(at.next + 1);
    await at.recorded;
    if (after !== undefined) this.#emission(after);
    if (nextJobs.length > 1 || after !== undefined) this.#pool.prepareNext();
  }

  /** Stops every child and removes every model file emitted ahead. */
  async close(): Promise<void> {
    await this.#pool.close();
    for (const p of this.#emissions.values()) await removeModelFiles(await p);
  }
}

// ---------------------------------------------------------------------------------------------
// Public API.

/**
 * Measures one architecture on this device (or returns its cached result), with the
 * `"serial"` schedule. Bad settings or an architecture the emitter cannot build throw
 * {@linkcode InputError}; everything that goes wrong while measuring gives `ok: false` with the
 * reason.
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
  const results = profileMany([arch], settings, { ...options, schedule: "serial" });
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
 * const archs = [32, 64].map((d) =>
 *   validateArch({ backbone: "gpt2", nLayer: 2, dModel: d, nHead: 2, dInner: 4 * d })
 * );
 * const results = profileMany(archs, { seqLen: 16 }, { cache: false, schedule: "pipelined" });
 * for await (const r of results) console.log(r.ok && r.latencyMs.p50);
 * ```
 */
export async function* profileMany(
  archs: readonly Arch[],
  settings: Partial<ProfileSettings> = {},
  options: ProfileManyOptions = {},
): AsyncGenerator<ProfileResult> {
  const schedule = options.schedule ?? "pipelined";
  if (!SCHEDULES.includes(schedule)) {
    throw new InputError(`schedule: expected one of ${SCHEDULES.join(", ")}, got ${schedule}`);
  }
  const plans = await planAll(archs, validateProfileSettings(settings));
  const cache = options.cache === false ? undefined : options.cache ?? new ProfileCache();
  const pipeline = new Pipeline(plans, cache, options, schedule);
  try {
    for (let i = 0; i < plans.length; i++) {
      options.signal?.throwIfAborted();
      yield await pipeline.profile(i);
    }
  } finally {
    await pipeline.close();
  }
}

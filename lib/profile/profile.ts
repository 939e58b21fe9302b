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
 * both are done before its timed runs start, so no work of ours runs in parallel with a timed
 * run. The per-candidate overhead left is about max(session + warm-up of i, emission of i+1).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { archHash as hashArch } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import { checkEmittable, emitGpt2, writeOnnx } from "../onnx/mod.ts";
import { InputError } from "../util/errors.ts";
import { ProfileCache, profileCacheKey } from "./cache.ts";
import type {
  ChildJob,
  ChildMessage,
  ChildPhase,
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
}

// ---------------------------------------------------------------------------------------------
// One child.

type ChildOutcome =
  | { ok: true; measurement: ForwardMeasurement | GenerationMeasurement; childReadyMs: number }
  | { ok: false; reason: string };

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
  /** Resolves once the child has imported the runtime (or ended). */
  readonly ready: Promise<void>;

  constructor(process: Deno.ChildProcess) {
    this.#process = process;
    this.ready = new Promise((resolve) => (this.#onReady = resolve));
    this.#reading = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
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
    await this.#process.status;
    await this.#reading;
  }

  #lastStderrLine(): string {
    const lines = this.#stderrTail.trim().split("\n").filter((l) => l.trim() !== "");
    return lines.length ? lines[lines.length - 1].trim().slice(0, 300) : "";
  }

  /**
   * Sends the job and waits for the result, the timeout or the abort. With a `gate`, the child
   * waits after its warm-up until the gate resolves (that wait does not count towards the
   * timeout), so that parallel work in the parent never overlaps the timed runs.
   */
  async run(
    job: ChildJob,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onPhase: (phase: ChildPhase) => void,
    gate?: () => Promise<unknown>,
  ): Promise<ChildOutcome> {
    const sentAt = performance.now();
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
    arm();
    const writer = this.#process.stdin.getWriter();
    const encoder = new TextEncoder();
    const closeStdin = async () => {
      try {
        await writer.close();
      } catch {
        // The child is gone already.
      }
    };
    try {
      try {
        await writer.write(encoder.encode(JSON.stringify({ ...job, gated: !!gate }) + "\n"));
        if (!gate) await closeStdin();
      } catch {
        // The child is gone already: its status tells why, below.
      }
      while (true) {
        const message = await this.#next();
        if (message === undefined) break;
        if (message.event === "phase") {
          phase = message.phase;
          onPhase(message.phase);
          if (message.phase === "wait" && gate) {
            disarm();
            await gate();
            if (stop) break;
            arm();
            try {
              await writer.write(encoder.encode("go\n"));
            } catch {
              // The child is gone: its status tells why, below.
            }
            await closeStdin();
          }
        } else if (message.event === "result") {
          await this.#process.status;
          if (!message.ok) return { ok: false, reason: message.reason };
          const readyAt = this.#readyAt ?? sentAt;
          return {
            ok: true,
            measurement: message.measurement,
            childReadyMs: Math.max(0, readyAt - sentAt),
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
      await closeStdin();
    }
  }
}

/** Hands out children, keeping one spare spawned ahead when asked to. */
class ChildPool {
  #spawner: Spawner;
  #prespawn: boolean;
  #spare: ChildHandle | undefined;

  constructor(spawner: Spawner, prespawn: boolean) {
    this.#spawner = spawner;
    this.#prespawn = prespawn;
  }

  /** A child for one job (the spare if there is one); spawns the next spare. */
  take(): ChildHandle {
    const child = this.#spare ?? new ChildHandle(this.#spawner());
    this.#spare = undefined;
    return child;
  }

  /** Spawns a spare now (call once the current child got its job). */
  prepareNext(): void {
    if (this.#prespawn && !this.#spare) this.#spare = new ChildHandle(this.#spawner());
  }

  /** Resolves once the spare (if any) has imported the runtime. */
  spareReady(): Promise<void> {
    return this.#spare?.ready ?? Promise.resolve();
  }

  async close(): Promise<void> {
    const spare = this.#spare;
    this.#spare = undefined;
    await spare?.dismiss();
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
  if (tmpRoot) await Deno.mkdir(tmpRoot, { recursive: true });
  const dir = await Deno.makeTempDir({ dir: tmpRoot, prefix: `lts-profile-${plan.archHash}-` });
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

/** Measures a prepared candidate with children from the pool. */
async function measure(
  plan: Plan,
  emitted: Emitted | { error: string },
  pool: ChildPool,
  options: ProfileOptions,
  startedAt: number,
  context: { gate: () => Promise<unknown>; moreAfter: boolean },
): Promise<ProfileResult> {
  if ("error" in emitted) return failure(plan, `emit: ${emitted.error}`);
  const s = plan.settings;
  const job = (kind: ChildJob["kind"], modelPath: string): ChildJob => ({
    kind,
    modelPath,
    settings: s,
    vocabSize: plan.arch.vocabSize,
    nHead: plan.arch.nHead,
    dModel: plan.arch.dModel,
  });
  const onPhase = (phase: ChildPhase) =>
    options.onEvent?.({ kind: "phase", archHash: plan.archHash, phase });
  const runOne = async (j: ChildJob, moreAfter: boolean) => {
    const child = pool.take();
    const outcome = child.run(j, s.timeoutMs, options.signal, onPhase, async () => {
      // Before the timed runs: the next model's file and the spare child must be ready.
      await context.gate();
      await pool.spareReady();
    });
    if (moreAfter) pool.prepareNext();
    return await outcome;
  };
  const hasGeneration = emitted.generationPath !== undefined;
  const forward = await runOne(
    job("forward", emitted.forwardPath),
    hasGeneration || context.moreAfter,
  );
  if (!forward.ok) return failure(plan, forward.reason);
  const f = forward.measurement as ForwardMeasurement;
  let generation: GenerationMeasurement | undefined;
  let childReadyMs = forward.childReadyMs;
  if (emitted.generationPath) {
    const g = await runOne(job("generation", emitted.generationPath), context.moreAfter);
    if (!g.ok) return failure(plan, `generation: ${g.reason}`);
    generation = g.measurement as GenerationMeasurement;
    childReadyMs += g.childReadyMs;
  }
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
      sessionMs: f.sessionMs + (generation?.sessionMs ?? 0),
      warmupMs: f.warmupMs + (generation?.warmupMs ?? 0),
      timedMs: f.timedMs + (generation?.timedMs ?? 0),
      totalMs: performance.now() - startedAt,
    },
    cached: false,
    measuredAt: new Date().toISOString(),
  };
  if (generation) result.generation = generation.generation;
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
 * Measures architectures one after another (never two at once), yielding each result as it
 * finishes, in input order. Validates everything first, so bad input throws before any
 * measurement.
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
  const pool = new ChildPool(options.spawner ?? defaultSpawner, options.prespawn ?? true);
  const pending = new Map<number, Promise<Emitted | { error: string }>>();
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
        const emitting = pending.get(i) ?? emitSafely(plan, options.tmpDir);
        pending.delete(i);
        const waitFrom = performance.now();
        const emitted = await emitting;
        // Overhead is the part of the emission this candidate waited for (all of it, unless
        // it was prefetched while the previous candidate loaded and warmed up).
        if (!("error" in emitted)) emitted.emitMs = performance.now() - waitFrom;
        const next = await nextUncached(plans, i + 1, cache);
        let nextEmission: Promise<unknown> = Promise.resolve();
        if (prefetch && next !== undefined) {
          const p = emitSafely(plans[next], options.tmpDir);
          pending.set(next, p);
          nextEmission = p;
        }
        try {
          result = await measure(plan, emitted, pool, options, startedAt, {
            gate: () => nextEmission,
            moreAfter: next !== undefined,
          });
        } finally {
          await cleanup(emitted);
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

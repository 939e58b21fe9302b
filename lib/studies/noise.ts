/**
 * Measurement noise on this device: the same architecture measured in several fresh processes
 * (and, when given, the notebook's own main measurement of it),
 * so that a study's text can tell a real difference from a difference within noise.
 *
 * One process's p50 is stable to about 1 % (the profiler's stopping rule), but p50s of separate
 * processes differ by more (memory layout, weights, the machine's other load): up to ~12 % on
 * one 2-vCPU Xeon here, under 1 % on another machine. A comparison of two single measurements
 * is therefore resolved only when it exceeds the spread measured here, in this run.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import type { ProfileSuccess } from "../profile/result.ts";
import { profileMany } from "../profile/profile.ts";
import type { ProfileSettings } from "../profile/settings.ts";
import { validateProfileSettings } from "../profile/settings.ts";
import type { StudyContext } from "./context.ts";
import { InterruptedError, interruptSignal, isInterrupt } from "./interrupt.ts";
import { describeNoise } from "./wording.ts";

/** The spread of repeated measurements of one architecture. */
export interface MeasurementNoise {
  /** Fresh processes measured (seeds `seed`, `seed + 1`, …). */
  processes: number;
  /** Forward-pass p50 of each process (ms). */
  latencyP50Ms: number[];
  /** (max − min) / median of `latencyP50Ms`: the relative spread between processes. */
  latencySpread: number;
  /** Peak memory of each process (bytes). */
  peakMemoryBytes: number[];
  /** (max − min) / median of `peakMemoryBytes`. */
  memorySpread: number;
  /** With generation settings: the same for prompt and per-token latency (p50 per process). */
  generation?: {
    promptLatencyP50Ms: number[];
    promptLatencySpread: number;
    tokenLatencyP50Ms: number[];
    tokenLatencySpread: number;
  };
}

/**
 * (max − min) / median of positive values; 0 for fewer than two values.
 *
 * @example
 * ```ts
 * import { relativeSpread } from "./noise.ts";
 * import assert from "node:assert/strict";
 * assert.equal(relativeSpread([100, 104, 98]), 0.06);
 * assert.equal(relativeSpread([5]), 0);
 * ```
 */
export function relativeSpread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  if (!(median > 0)) throw new RangeError("relativeSpread: values must be positive");
  return (sorted[sorted.length - 1] - sorted[0]) / median;
}

/**
 * Summarises measurements of one architecture from separate processes.
 *
 * @example
 * ```ts
 * import { summarizeNoise } from "./noise.ts";
 * import assert from "node:assert/strict";
 * const noise = summarizeNoise([
 *   { latencyP50Ms: 10, peakMemoryBytes: 100 },
 *   { latencyP50Ms: 11, peakMemoryBytes: 100 },
 *   { latencyP50Ms: 10.5, peakMemoryBytes: 101 },
 * ]);
 * assert.ok(Math.abs(noise.latencySpread - 1 / 10.5) < 1e-12);
 * ```
 */
export function summarizeNoise(
  runs: readonly {
    latencyP50Ms: number;
    peakMemoryBytes: number;
    promptLatencyP50Ms?: number;
    tokenLatencyP50Ms?: number;
  }[],
): MeasurementNoise {
  const latency = runs.map((r) => r.latencyP50Ms);
  const memory = runs.map((r) => r.peakMemoryBytes);
  const noise: MeasurementNoise = {
    processes: runs.length,
    latencyP50Ms: latency,
    latencySpread: relativeSpread(latency),
    peakMemoryBytes: memory,
    memorySpread: relativeSpread(memory),
  };
  const prompt = runs.map((r) => r.promptLatencyP50Ms);
  const token = runs.map((r) => r.tokenLatencyP50Ms);
  if (prompt.every((x) => x !== undefined) && token.every((x) => x !== undefined)) {
    noise.generation = {
      promptLatencyP50Ms: prompt as number[],
      promptLatencySpread: relativeSpread(prompt as number[]),
      tokenLatencyP50Ms: token as number[],
      tokenLatencySpread: relativeSpread(token as number[]),
    };
  }
  return noise;
}

/**
 * Measures `arch` in `processes` fresh processes (weights and inputs seeded `seed`, `seed + 1`,
 * …; through the study's cache, so a re-run of the notebook measures nothing again) and returns
 * the spread between them. `include` adds measurements of the same architecture the notebook
 * already made (its main measurement of the reference model), so the spread covers them too: a
 * main measurement disturbed by other load then widens the noise instead of hiding in it. A
 * result counted twice (the seed-0 probe read back from the cache) counts once. Throws when a
 * measurement fails: without the noise no comparison can be worded honestly.
 *
 * @example
 * ```ts ignore
 * import { measureNoise } from "./noise.ts";
 * import { studyContext } from "./context.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 256 });
 * const noise = await measureNoise(await studyContext(), arch, { seqLen: 64 });
 * noise.latencySpread; // e.g. 0.03
 * ```
 */
export async function measureNoise(
  ctx: StudyContext,
  arch: Arch,
  settings: Partial<ProfileSettings>,
  options: { processes?: number; include?: readonly ProfileSuccess[] } = {},
): Promise<MeasurementNoise> {
  const processes = options.processes ?? 3;
  if (!Number.isInteger(processes) || processes < 2 || processes > 20) {
    throw new RangeError(`processes: expected an integer from 2 to 20, got ${processes}`);
  }
  const hash = archHash(arch);
  for (const r of options.include ?? []) {
    if (r.archHash !== hash) {
      throw new RangeError(`include: result of ${r.archHash}, not of the reference ${hash}`);
    }
  }
  const base = validateProfileSettings(settings);
  const results: ProfileSuccess[] = [...(options.include ?? [])];
  const signal = interruptSignal();
  for (let k = 0; k < processes; k++) {
    const s = { ...base, seed: base.seed + k };
    try {
      for await (const r of profileMany([arch], s, { cache: ctx.cache, signal })) {
        if (!r.ok) throw new Error(`noise probe ${k + 1}/${processes} failed: ${r.reason}`);
        results.push(r);
      }
    } catch (e) {
      if (!isInterrupt(e, signal)) throw e;
      throw new InterruptedError(
        `noise probes: interrupted after ${k} of ${processes}; running the cell again takes ` +
          "the finished probes from the cache",
      );
    }
  }
  return summarizeNoise(
    distinctMeasurements(results).map((r) => ({
      latencyP50Ms: r.latencyMs.p50,
      peakMemoryBytes: r.peakMemoryBytes,
      promptLatencyP50Ms: r.generation?.promptLatencyMs.p50,
      tokenLatencyP50Ms: r.generation?.tokenLatencyMs?.p50,
    })),
  );
}

/**
 * Drops results that are the same measurement read twice (equal cache key and measurement time).
 *
 * @example
 * ```ts
 * import { distinctMeasurements } from "./noise.ts";
 * import assert from "node:assert/strict";
 * const a = { cacheKey: "k", measuredAt: "t1" }, b = { cacheKey: "k", measuredAt: "t2" };
 * assert.deepEqual(distinctMeasurements([a, b, { ...a }]), [a, b]);
 * ```
 */
export function distinctMeasurements<T extends { cacheKey: string; measuredAt: string }>(
  results: readonly T[],
): T[] {
  const seen = new Set<string>();
  return results.filter((r) => {
    const key = `${r.cacheKey}@${r.measuredAt}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The relative difference below which two latencies of this study are a tie: the spread
 * measured between processes, but never less than the profiler's own stopping tolerance (the
 * p50 of one process is not resolved more finely than that).
 *
 * @example
 * ```ts
 * import { latencyTieThreshold } from "./noise.ts";
 * import assert from "node:assert/strict";
 * assert.equal(latencyTieThreshold({ latencySpread: 0.004 }, { stableTolerance: 0.01 }), 0.01);
 * assert.equal(latencyTieThreshold({ latencySpread: 0.06 }, { stableTolerance: 0.01 }), 0.06);
 * ```
 */
export function latencyTieThreshold(
  noise: Pick<MeasurementNoise, "latencySpread">,
  settings: Pick<ProfileSettings, "stableTolerance">,
): number {
  return Math.max(noise.latencySpread, settings.stableTolerance);
}

/**
 * The noise paragraph of a study: {@linkcode describeNoise}'s sentence, then each process's
 * latency p50 (`digits` decimals) and the tie threshold the study uses (see
 * {@linkcode latencyTieThreshold}); with `memory: true`, also the spread of peak memory.
 *
 * @example
 * ```ts
 * import { describeNoiseProcesses } from "./noise.ts";
 * import assert from "node:assert/strict";
 * const text = describeNoiseProcesses(
 *   { processes: 3, latencySpread: 0.04, latencyP50Ms: [10, 10.4, 10.123] }, "4 × d_model 256",
 *   { tieThreshold: 0.04, digits: 2 },
 * );
 * assert.ok(text.startsWith("Measurement noise: the latency p50 of 4 × d\\_model 256 in 3 fresh processes"));
 * assert.ok(text.endsWith(" Per process: 10.00, 10.40, 10.12 ms; tie threshold 4.0 %."));
 * const withMemory = describeNoiseProcesses(
 *   { processes: 2, latencySpread: 0.01, latencyP50Ms: [5, 5.05], memorySpread: 0.002 }, "M1",
 *   { tieThreshold: 0.01, digits: 1, memory: true },
 * );
 * assert.ok(withMemory.endsWith(" ms; tie threshold 1.0 %; peak memory spread 0.2 %."));
 * ```
 */
export function describeNoiseProcesses(
  noise: Pick<MeasurementNoise, "processes" | "latencySpread" | "latencyP50Ms"> & {
    memorySpread?: number;
  },
  reference: string,
  options: { tieThreshold: number; digits: number; memory?: boolean },
): string {
  let memory = "";
  if (options.memory) {
    if (noise.memorySpread === undefined) {
      throw new Error("describeNoiseProcesses: memory: true needs noise.memorySpread");
    }
    memory = `; peak memory spread ${(100 * noise.memorySpread).toFixed(1)} %`;
  }
  return describeNoise(noise, reference) +
    ` Per process: ${noise.latencyP50Ms.map((x) => x.toFixed(options.digits)).join(", ")} ms; ` +
    `tie threshold ${(100 * options.tieThreshold).toFixed(1)} %${memory}.`;
}

/** The tie thresholds of a generation study: token and prompt latency. */
export interface GenerationTieThresholds {
  tokenNoise: number;
  promptNoise: number;
}

/**
 * The relative differences below which two token latencies, or two prompt latencies, are a
 * tie: the spread between processes, floored at the profiler's stopping tolerance (as
 * {@linkcode latencyTieThreshold} does for forward passes). Throws when the noise was measured
 * without generation settings.
 *
 * @example
 * ```ts
 * import { generationTieThresholds } from "./noise.ts";
 * import assert from "node:assert/strict";
 * const generation = { promptLatencyP50Ms: [], promptLatencySpread: 0.004, tokenLatencyP50Ms: [], tokenLatencySpread: 0.07 };
 * assert.deepEqual(generationTieThresholds({ generation }, { stableTolerance: 0.01 }), {
 *   tokenNoise: 0.07, promptNoise: 0.01,
 * });
 * ```
 */
export function generationTieThresholds(
  noise: Pick<MeasurementNoise, "generation">,
  settings: Pick<ProfileSettings, "stableTolerance">,
): GenerationTieThresholds {
  if (!noise.generation) {
    throw new Error("generationTieThresholds: the noise was measured without generation settings");
  }
  return {
    tokenNoise: Math.max(noise.generation.tokenLatencySpread, settings.stableTolerance),
    promptNoise: Math.max(noise.generation.promptLatencySpread, settings.stableTolerance),
  };
}

/**
 * The noise paragraph of a generation study: token and prompt latency p50 per process and
 * their tie thresholds (see {@linkcode generationTieThresholds}).
 *
 * @example
 * ```ts
 * import { describeGenerationNoise } from "./noise.ts";
 * import assert from "node:assert/strict";
 * const generation = {
 *   promptLatencyP50Ms: [40.04, 41.2], promptLatencySpread: 0.03,
 *   tokenLatencyP50Ms: [10.111, 10.5], tokenLatencySpread: 0.04,
 * };
 * assert.equal(
 *   describeGenerationNoise({ processes: 2, generation }, { tokenNoise: 0.04, promptNoise: 0.03 }),
 *   "Measurement noise: the baseline in 2 fresh processes gave token latency p50s of 10.11, 10.50 ms " +
 *     "(spread 4.0 %) and prompt latency p50s of 40.0, 41.2 ms (spread 3.0 %); differences smaller " +
 *     "than that are called ties.",
 * );
 * ```
 */
export function describeGenerationNoise(
  noise: Pick<MeasurementNoise, "processes" | "generation">,
  thresholds: GenerationTieThresholds,
): string {
  const g = noise.generation;
  if (!g) throw new Error("describeGenerationNoise: the noise was measured without generation");
  return `Measurement noise: the baseline in ${noise.processes} fresh processes gave token latency p50s of ` +
    `${g.tokenLatencyP50Ms.map((x) => x.toFixed(2)).join(", ")} ms (spread ${
      (100 * thresholds.tokenNoise).toFixed(1)
    } %) ` +
    `and prompt latency p50s of ${g.promptLatencyP50Ms.map((x) => x.toFixed(1)).join(", ")} ms ` +
    `(spread ${
      (100 * thresholds.promptNoise).toFixed(1)
    } %); differences smaller than that are called ties.`;
}

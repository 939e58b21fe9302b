/**
 * Algorithm 1 of LiteTransformerSearch: a training-free evolutionary search over three
 * objectives, decoder parameters (maximised; the perplexity proxy), latency and peak memory
 * (both minimised), with every measurement on the target device.
 *
 * Iteration 0 measures a random population. Every later iteration computes the Pareto frontier
 * over everything measured so far, draws parents from it (with replacement, weighted by
 * 1 / (1 + timesUsed / max timesUsed), so parents used least so far are favoured), proposes
 * mutations of uniformly chosen parents and uniform crossovers of two, keeps only valid ones
 * never seen before (by `archHash`), and measures only those. The `"random"` strategy proposes
 * the same number of new random samples instead (as does an evolution iteration whose frontier
 * is empty because every candidate so far failed or broke a budget). When the space runs short
 * of new valid candidates, an iteration proposes fewer (it gives up after 50 · wanted + 100 tries).
 *
 * Determinism and resume: iteration i draws from an RNG derived from (seed, i) alone, and its
 * proposals depend only on the candidates recorded in earlier iterations. Given the records of a
 * killed run (`history`), the search replays them in order (checking each matches) and measures
 * only what is missing, so a resumed run reaches the same candidates and frontier as an
 * uninterrupted one and never measures an architecture twice.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import { decoderParams as countDecoderParams } from "../params/mod.ts";
import { paretoFrontIndices } from "../pareto/front.ts";
import type { Objective } from "../pareto/objective.ts";
import { InputError } from "../util/errors.ts";
import { createRng, type Rng } from "../util/rng.ts";
import { maxCandidates, type SearchOptions } from "./options.ts";
import type {
  CandidateRecord,
  CandidateStatus,
  FrontierPoint,
  IterationSummary,
  LatencyStats,
  Measure,
  MeasureMany,
  Measurement,
  Origin,
  SearchOperators,
  SearchProgress,
} from "./types.ts";

/** Everything {@linkcode runSearch} takes. */
export interface SearchInput {
  operators: SearchOperators;
  measure: Measure;
  /** Optional batch form of `measure`, used for each iteration's new candidates when given. */
  measureMany?: MeasureMany;
  /** Validated options (`validateSearchOptions`). */
  options: SearchOptions;
  /** Decoder-parameter count; default `decoderParams` of `lib/params`. */
  decoderParams?: (arch: Arch) => number;
  /** Records of an earlier, interrupted run with the same options (from its checkpoint). */
  history?: readonly CandidateRecord[];
  /** Called after every newly measured candidate (checkpoint here); awaited. */
  onRecord?: (record: CandidateRecord, records: readonly CandidateRecord[]) => void | Promise<void>;
  /** Called after every iteration, replayed ones included; awaited. */
  onIteration?: (
    summary: IterationSummary,
    summaries: readonly IterationSummary[],
    records: readonly CandidateRecord[],
  ) => void | Promise<void>;
  /** Called after every candidate and iteration. */
  onProgress?: (progress: SearchProgress) => void;
  /** Stops the search (like a kill) before the next measurement. */
  signal?: AbortSignal;
}

/** What {@linkcode runSearch} returns. */
export interface SearchResult {
  /** Every candidate, in proposal order. */
  records: CandidateRecord[];
  /** One summary per iteration. */
  iterations: IterationSummary[];
  /**
   * The final frontier as whole records, by ascending latency (`iterations.at(-1).frontierPoints`
   * holds the same members reduced to their objectives).
   */
  frontier: CandidateRecord[];
}

/** The three search objectives over eligible records. */
export const SEARCH_OBJECTIVES: readonly Objective<CandidateRecord>[] = [
  { key: "decoderParams", goal: "max" },
  { key: (r) => r.latencyMs?.p50 ?? NaN, goal: "min" },
  { key: (r) => r.peakMemoryBytes ?? NaN, goal: "min" },
];

/**
 * The Pareto frontier of the `ok` records (failed and over-budget ones are left out), by
 * ascending latency (then index).
 *
 * @example
 * ```ts
 * import { searchFrontier } from "./algorithm.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const base = { iteration: 0, origin: { kind: "random" as const }, status: "ok" as const,
 *   arch: validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 }) };
 * const frontier = searchFrontier([
 *   { ...base, id: "a", index: 0, decoderParams: 10, latencyMs: { p50: 2 }, peakMemoryBytes: 5 },
 *   { ...base, id: "b", index: 1, decoderParams: 9, latencyMs: { p50: 3 }, peakMemoryBytes: 5 },
 * ]);
 * assert.deepEqual(frontier.map((r) => r.id), ["a"]);
 * ```
 */
export function searchFrontier(
  records: readonly CandidateRecord[],
  dominance: SearchOptions["dominance"] = "standard",
): CandidateRecord[] {
  const eligible = records.filter((r) => r.status === "ok");
  return paretoFrontIndices(eligible, SEARCH_OBJECTIVES, { dominance })
    .map((i) => eligible[i])
    .sort((a, b) => a.latencyMs!.p50 - b.latencyMs!.p50 || a.index - b.index);
}

/**
 * The RNG of one iteration, a function of (seed, iteration) only.
 *
 * @example
 * ```ts
 * import { iterationRng } from "./algorithm.ts";
 * iterationRng(7, 3).float() === iterationRng(7, 3).float(); // true
 * ```
 */
export function iterationRng(seed: number, iteration: number): Rng {
  return createRng(seed).fork(`iteration-${iteration}`);
}

/**
 * Draws `count` parents from the frontier with replacement, each with weight
 * 1 / (1 + used / maxUsed) where `used` counts earlier draws (0 when nothing was drawn yet), and
 * adds the draws to `timesUsed`. Returns the drawn records in draw order.
 *
 * @example
 * ```ts
 * import { drawParents } from "./algorithm.ts";
 * import { createRng } from "../util/rng.ts";
 * const used = new Map([["a", 5]]);
 * const drawn = drawParents([{ id: "a" }, { id: "b" }], used, 4, createRng(1));
 * drawn.length; // 4 (b is favoured: weight 1 vs a's 0.5)
 * ```
 */
export function drawParents<T extends { id: string }>(
  frontier: readonly T[],
  timesUsed: Map<string, number>,
  count: number,
  rng: Rng,
): T[] {
  if (frontier.length === 0) return [];
  const used = frontier.map((p) => timesUsed.get(p.id) ?? 0);
  const maxUsed = Math.max(...used);
  const weights = used.map((u) => 1 / (1 + (maxUsed > 0 ? u / maxUsed : 0)));
  const total = weights.reduce((a, b) => a + b, 0);
  const drawn: T[] = [];
  for (let k = 0; k < count; k++) {
    let r = rng.float() * total;
    let i = 0;
    while (i < weights.length - 1 && r >= weights[i]) r -= weights[i++];
    drawn.push(frontier[i]);
  }
  for (const p of drawn) timesUsed.set(p.id, (timesUsed.get(p.id) ?? 0) + 1);
  return drawn;
}

interface Proposal {
  arch: Arch;
  id: string;
  origin: Origin;
}

function isAbort(e: unknown): boolean {
  return (e instanceof Error || e instanceof DOMException) && e.name === "AbortError";
}

/**
 * The status of a measurement under the options' budgets: `failed`, `over-budget` (with which
 * budget it broke) or `ok`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { judge } from "./algorithm.ts";
 * import { validateSearchOptions } from "./options.ts";
 * const options = validateSearchOptions({ maxLatencyMs: 10 });
 * assert.equal(judge({ ok: true, latencyMs: { p50: 12 }, peakMemoryBytes: 1 }, options).status, "over-budget");
 * ```
 */
export function judge(
  m: Measurement,
  options: SearchOptions,
): { status: CandidateStatus; reason?: string } {
  if (!m.ok) return { status: "failed", reason: m.reason };
  const over: string[] = [];
  if (options.maxLatencyMs !== undefined && m.latencyMs.p50 > options.maxLatencyMs) {
    over.push(`latency p50 ${m.latencyMs.p50} ms is above ${options.maxLatencyMs} ms`);
  }
  if (options.maxMemoryBytes !== undefined && m.peakMemoryBytes > options.maxMemoryBytes) {
    over.push(`peak memory ${m.peakMemoryBytes} B is above ${options.maxMemoryBytes} B`);
  }
  return over.length > 0 ? { status: "over-budget", reason: over.join("; ") } : { status: "ok" };
}

function checkMeasurement(m: unknown): Measurement {
  const bad = (why: string): Measurement => ({ ok: false, reason: `bad measurement: ${why}` });
  if (m === null || typeof m !== "object") return bad("not an object");
  const r = m as Record<string, unknown>;
  if (r.ok === false) return { ok: false, reason: String(r.reason ?? "unknown reason") };
  if (r.ok !== true) return bad("no ok field");
  const lat = r.latencyMs as Record<string, unknown> | undefined;
  if (!lat || typeof lat.p50 !== "number" || !Number.isFinite(lat.p50)) {
    return bad("no latency p50");
  }
  if (typeof r.peakMemoryBytes !== "number" || !Number.isFinite(r.peakMemoryBytes)) {
    return bad("no peak memory");
  }
  const latencyMs = { ...lat } as LatencyStats;
  const peakMemoryBytes = r.peakMemoryBytes;
  if (r.costSource === "predicted") {
    if (typeof r.calibrationId !== "string") return bad("a prediction without its calibrationId");
    return {
      ok: true,
      latencyMs,
      peakMemoryBytes,
      costSource: "predicted",
      calibrationId: r.calibrationId,
    };
  }
  return { ok: true, latencyMs, peakMemoryBytes, costSource: "measured" };
}

const errorText = (e: unknown) => e instanceof Error ? e.message : String(e);

/**
 * Measurements of `archs`, in order: through `measureMany` when given (a stream that throws or
 * ends early fails the current architecture, and the rest go to a new stream), else one
 * `measure` call each (a throw fails that architecture). An `AbortError` is passed on. Every
 * measurement is checked (a malformed one is a failure).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measureInOrder } from "./algorithm.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 });
 * const out = [];
 * for await (const m of measureInOrder([arch], () => Promise.reject(new Error("boom")), undefined)) out.push(m);
 * assert.deepEqual(out, [{ ok: false, reason: "boom" }]);
 * ```
 */
export async function* measureInOrder(
  archs: readonly Arch[],
  measure: Measure,
  measureMany: MeasureMany | undefined,
): AsyncGenerator<Measurement> {
  let i = 0;
  while (i < archs.length) {
    if (!measureMany) {
      let m: Measurement;
      try {
        m = checkMeasurement(await measure(archs[i]));
      } catch (e) {
        if (isAbort(e)) throw e;
        m = { ok: false, reason: errorText(e) };
      }
      i++;
      yield m;
      continue;
    }
    let failure: Measurement | undefined;
    try {
      for await (const m of measureMany(archs.slice(i))) {
        i++;
        yield checkMeasurement(m);
        if (i >= archs.length) break;
      }
      if (i < archs.length) failure = { ok: false, reason: "no result from the profiler" };
    } catch (e) {
      if (isAbort(e)) throw e;
      failure = { ok: false, reason: errorText(e) };
    }
    if (failure) {
      i++;
      yield failure;
    }
  }
}

/**
 * Runs the search (or resumes it from `history`) and returns every candidate and the frontier
 * after each iteration. See the module documentation for the algorithm.
 *
 * @example
 * ```ts
 * import { runSearch } from "./algorithm.ts";
 * import { validateSearchOptions } from "./options.ts";
 * import { decoderParams } from "../params/mod.ts";
 * import { spaceOperators } from "./operators.ts";
 * import { getSpace } from "../space/mod.ts";
 * const result = await runSearch({
 *   operators: spaceOperators(getSpace("lts-gpt2")),
 *   measure: (arch) =>
 *     Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer }, peakMemoryBytes: decoderParams(arch) * 4 }),
 *   options: validateSearchOptions({ iterations: 3, population: 10 }),
 * });
 * result.iterations.at(-1)!.frontierPoints.length;
 * ```
 */
export async function runSearch(input: SearchInput): Promise<SearchResult> {
  const { operators, measure, options } = input;
  const countParams = input.decoderParams ?? countDecoderParams;
  const history = input.history ?? [];
  const records: CandidateRecord[] = [];
  const summaries: IterationSummary[] = [];
  const archById = new Map<string, Arch>();
  const timesUsed = new Map<string, number>();
  const candidatesMax = maxCandidates(options);
  let measuredNow = 0;
  let measureMsTotal = 0;
  let frontier: CandidateRecord[] = [];

  const inBounds = (params: number) =>
    (options.minDecoderParams === undefined || params >= options.minDecoderParams) &&
    (options.maxDecoderParams === undefined || params <= options.maxDecoderParams);

  const progress = (iteration: number, last?: CandidateRecord) => {
    if (!input.onProgress) return;
    const p: SearchProgress = {
      iteration,
      iterations: options.iterations,
      candidates: records.length,
      candidatesMax,
      measuredNow,
      frontierSize: frontier.length,
    };
    if (measuredNow > 0) {
      p.etaMs = (measureMsTotal / measuredNow) * Math.max(0, candidatesMax - records.length);
    }
    if (last) p.last = last;
    input.onProgress(p);
  };

  for (let iteration = 0; iteration < options.iterations; iteration++) {
    const rng = iterationRng(options.seed, iteration);
    const seen = new Set(archById.keys());
    const proposals: Proposal[] = [];
    const tryAdd = (arch: Arch, origin: Origin): boolean => {
      const id = archHash(arch);
      if (seen.has(id) || !inBounds(countParams(arch))) return false;
      seen.add(id);
      proposals.push({ arch, id, origin });
      return true;
    };
    const fill = (count: number, make: () => Proposal | undefined) => {
      let added = 0;
      for (let attempt = 0; added < count && attempt < 50 * count + 100; attempt++) {
        const p = make();
        if (p && tryAdd(p.arch, p.origin)) added++;
      }
    };
    const random = (): Proposal => ({
      arch: operators.sample(rng),
      id: "",
      origin: { kind: "random" },
    });
    let parents: CandidateRecord[] = [];
    if (iteration === 0) fill(options.population, random);
    else if (options.strategy === "random" || frontier.length === 0) {
      fill(options.mutations + options.crossovers, random);
    } else {
      parents = drawParents(frontier, timesUsed, options.parents, rng);
      fill(options.mutations, () => {
        const parent = rng.choice(parents);
        const arch = operators.mutate(archById.get(parent.id)!, rng, options.mutationProb);
        return { arch, id: "", origin: { kind: "mutation", parent: parent.id } };
      });
      fill(options.crossovers, () => {
        const a = rng.choice(parents), b = rng.choice(parents);
        const arch = operators.crossover(archById.get(a.id)!, archById.get(b.id)!, rng);
        return { arch, id: "", origin: { kind: "crossover", parents: [a.id, b.id] } };
      });
    }

    const replayed = Math.max(0, Math.min(proposals.length, history.length - records.length));
    const stream = measureInOrder(
      proposals.slice(replayed).map((p) => p.arch),
      measure,
      input.measureMany,
    );
    try {
      for (const proposal of proposals) {
        const index = records.length;
        let record: CandidateRecord;
        if (index < history.length) {
          record = history[index];
          if (record.id !== proposal.id || record.iteration !== iteration) {
            throw new InputError(
              `resume: candidate ${index} of the checkpoint (${record.id}, iteration ${record.iteration}) ` +
                `is not what these options propose (${proposal.id}, iteration ${iteration})`,
            );
          }
        } else {
          if (input.signal?.aborted) throw input.signal.reason;
          const started = performance.now();
          const next = await stream.next();
          if (next.done) throw new Error("search: the measurement stream ended early");
          const m = next.value;
          measureMsTotal += performance.now() - started;
          measuredNow++;
          record = {
            id: proposal.id,
            index,
            iteration,
            origin: proposal.origin,
            arch: proposal.arch,
            decoderParams: countParams(proposal.arch),
            ...judge(m, options),
          };
          if (m.ok) {
            record.latencyMs = m.latencyMs;
            record.peakMemoryBytes = m.peakMemoryBytes;
            record.costSource = m.costSource ?? "measured";
            if (m.calibrationId !== undefined) record.calibrationId = m.calibrationId;
          }
        }
        records.push(record);
        archById.set(record.id, proposal.arch);
        if (index >= history.length) await input.onRecord?.(record, records);
        progress(iteration, record);
      }
    } finally {
      await stream.return(undefined);
    }

    frontier = searchFrontier(records, options.dominance);
    const count = (s: CandidateStatus) => records.filter((r) => r.status === s).length;
    const proposed = { random: 0, mutation: 0, crossover: 0 };
    for (const p of proposals) proposed[p.origin.kind]++;
    const summary: IterationSummary = {
      iteration,
      proposed,
      parents: parents.map((p) => p.id),
      candidatesSoFar: records.length,
      okSoFar: count("ok"),
      overBudgetSoFar: count("over-budget"),
      failedSoFar: count("failed"),
      frontierPoints: frontier.map(frontierPoint),
    };
    summaries.push(summary);
    await input.onIteration?.(summary, summaries, records);
    progress(iteration);
  }
  if (history.length > records.length) {
    throw new InputError(
      `resume: the checkpoint holds ${history.length} candidates, more than these options propose (${records.length})`,
    );
  }
  return { records, iterations: summaries, frontier };
}

/**
 * The objectives of a frontier record as a {@linkcode FrontierPoint}.
 *
 * @example
 * ```ts
 * import { frontierPoint } from "./algorithm.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const point = frontierPoint({ id: "a", index: 0, iteration: 0, origin: { kind: "random" },
 *   status: "ok", arch: validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 }),
 *   decoderParams: 10, latencyMs: { p50: 2, p90: 3 }, peakMemoryBytes: 5 });
 * assert.deepEqual(point, { id: "a", decoderParams: 10, latencyP50Ms: 2, peakMemoryBytes: 5 });
 * ```
 */
export function frontierPoint(record: CandidateRecord): FrontierPoint {
  return {
    id: record.id,
    decoderParams: record.decoderParams,
    latencyP50Ms: record.latencyMs?.p50 ?? NaN,
    peakMemoryBytes: record.peakMemoryBytes ?? NaN,
  };
}

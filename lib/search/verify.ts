/**
 * Verification of a search run on predicted costs: choose the candidates on or near the
 * predicted frontier, measure them for real, and compute the final frontier from the
 * measurements alone.
 *
 * Selection. A candidate's *slack* is how far the predictions put it behind the frontier, in
 * units of the margin: the largest, over candidates `p` with at least its decoder parameters, of
 * `min(ln(lat/lat_p) / ln(1 + margin.latency), ln(mem/mem_p) / ln(1 + margin.memory))`, and 0
 * when no candidate beats it in both (`Number.EPSILON` when it is dominated only through a tie
 * in one objective, which any error could undo). Slack 0 is the predicted frontier; slack ≤ 1 means
 * predictions as wrong as the margin allows could put it on the true frontier. Every candidate
 * with slack ≤ 1 is a candidate, in one order, of which the first `max` are measured: first the
 * predicted frontier, ordered by the greedy hypervolume subset (`lib/pareto/subset.ts`, on the
 * normalised objectives of `frontierHypervolumes`: each next member is the one that adds the most
 * predicted hypervolume), then the others by slack, lowest first. A 3-D frontier of a long
 * search often has over a thousand members, so the cap usually cuts inside the frontier and keeps
 * the members that keep the most hypervolume; and a smaller `max` always measures a prefix of
 * what a larger one measures (so one run shows what each cap would have found).
 * Candidates predicted over a latency or memory budget, but within the margin of it, are
 * candidates too (a measurement may bring them under it).
 *
 * Files (in the run directory): `verified.jsonl`, one {@linkcode VerifiedRecord} per measured
 * candidate, appended after each (resume measures only what is missing), and
 * `verification.json`, the summary ({@linkcode VerificationSummary}), written atomically at the
 * end.
 *
 * @module
 */
import { join } from "node:path";
import { errorSummary } from "../costmodel/accuracy.ts";
import type { ErrorSummary } from "../costmodel/types.ts";
import { InputError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { nonBlankLines, parseJson } from "../util/lines.ts";
import { describeValue, isPlainObject } from "../util/validate.ts";
import { frontierPoint, judge, measureInOrder, searchFrontier } from "./algorithm.ts";
import { hypervolumeOrder } from "./compare.ts";
import type { VerificationMargin } from "./cost.ts";
import type { SearchOptions } from "./options.ts";
import { validateCandidateRecord } from "./record.ts";
import type {
  CandidateRecord,
  CandidateStatus,
  FrontierPoint,
  LatencyStats,
  Measure,
  MeasureMany,
} from "./types.ts";

/** A candidate chosen for verification, with its slack. */
export interface VerificationPick {
  id: string;
  slack: number;
}

/** One measured candidate of a verification (`verified.jsonl`), joined to its record by `id`. */
export interface VerifiedRecord {
  id: string;
  slack: number;
  /** Judged on the measurement against the search's budgets. */
  status: CandidateStatus;
  latencyMs?: LatencyStats;
  peakMemoryBytes?: number;
  reason?: string;
  /**
   * Wall time (ms) of its measurement, all its processes (absent in lines written before it was
   * recorded; a profile-cache hit counts as the time its read took).
   */
  measureMs?: number;
}

/** What `verification.json` holds. */
export interface VerificationSummary {
  margin: VerificationMargin;
  /** Candidates within the margin (slack ≤ 1), and how many of them were measured (`max`). */
  withinMargin: number;
  measured: number;
  max: number;
  /** Size of the predicted frontier (slack 0). */
  predictedFrontier: number;
  /** The largest slack measured (≤ 1; below 1 when `max` cut the selection). */
  largestSlackMeasured: number;
  /** Predicted against measured, over the verified candidates measured ok (paired by id). */
  accuracy?: { latency: ErrorSummary; memory: ErrorSummary };
  /** The final frontier, from measured values only. */
  frontierPoints: FrontierPoint[];
  /** Wall time (ms) of the measurements, summed over the verified candidates that record it. */
  measureMs: number;
}

/** File names of a verification inside a run directory. */
export const VERIFY_FILES = Object.freeze({
  records: "verified.jsonl",
  summary: "verification.json",
});

/** Normalised log ratio of `x / y` for a margin (0 margin: ±∞ unless equal). */
function marginUnits(x: number, y: number, margin: number): number {
  if (margin > 0) return Math.log(x / y) / Math.log1p(margin);
  return x > y ? Infinity : x < y ? -Infinity : 0;
}

/**
 * The slack of each record with costs (see the module doc), by id.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verificationSlack } from "./verify.ts";
 * const r = (id: string, decoderParams: number, p50: number, peakMemoryBytes: number) =>
 *   ({ id, decoderParams, latencyMs: { p50 }, peakMemoryBytes }) as never;
 * const slack = verificationSlack([r("a", 10, 1, 1), r("b", 10, 1.1, 1.1)], { latency: 0.21, memory: 0.21 });
 * assert.equal(slack.get("a"), 0);
 * assert.ok(Math.abs(slack.get("b")! - 0.5) < 1e-9); // 1.1 = √1.21: half the margin
 * ```
 */
export function verificationSlack(
  records: readonly Pick<
    CandidateRecord,
    "id" | "decoderParams" | "latencyMs" | "peakMemoryBytes"
  >[],
  margin: VerificationMargin,
): Map<string, number> {
  // Sorted by decoder parameters (descending), only candidates ahead in parameters are compared.
  const rows = records.map((r) => ({
    id: r.id,
    params: r.decoderParams,
    lat: r.latencyMs!.p50,
    mem: r.peakMemoryBytes!,
  })).sort((a, b) => b.params - a.params);
  const slack = new Map<string, number>();
  for (let i = 0; i < rows.length; i++) {
    const c = rows[i];
    let s = 0;
    let dominated = false;
    for (let j = 0; j < rows.length && rows[j].params >= c.params; j++) {
      if (j === i) continue;
      const p = rows[j];
      const units = Math.min(
        marginUnits(c.lat, p.lat, margin.latency),
        marginUnits(c.mem, p.mem, margin.memory),
      );
      if (units > s) s = units;
      dominated ||= p.lat <= c.lat && p.mem <= c.mem &&
        (p.params > c.params || p.lat < c.lat || p.mem < c.mem);
    }
    // Dominated only through a tie (equal in one objective): any error could undo it.
    slack.set(c.id, dominated && s === 0 ? Number.EPSILON : s);
  }
  return slack;
}

/** What {@linkcode selectForVerification} takes. */
export interface SelectionOptions {
  margin: VerificationMargin;
  /** The most candidates to measure. */
  max: number;
  /** The search's budgets (a candidate predicted over one but within the margin is eligible). */
  maxLatencyMs?: number;
  maxMemoryBytes?: number;
}

/**
 * The candidates to measure, in order: the predicted frontier by greedy hypervolume, then the
 * others by slack (see the module doc). Only records with
 * predicted costs (`ok`, or `over-budget` within the margin of the budgets) take part.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectForVerification } from "./verify.ts";
 * const r = (id: string, decoderParams: number, p50: number, peakMemoryBytes = 1) =>
 *   ({ id, decoderParams, status: "ok", latencyMs: { p50 }, peakMemoryBytes }) as never;
 * // b is half a margin behind a; c is beyond the margin in both latency and memory.
 * const picks = selectForVerification([r("a", 10, 1), r("b", 10, 1.1), r("c", 10, 3, 2)],
 *   { margin: { latency: 0.21, memory: 0.21 }, max: 10 });
 * assert.deepEqual(picks.map((p) => p.id), ["a", "b"]);
 * ```
 */
export function selectForVerification(
  records: readonly CandidateRecord[],
  options: SelectionOptions,
): VerificationPick[] {
  const ranked = withinMargin(records, options);
  const front = ranked.filter((p) => p.slack === 0);
  const rest = ranked.filter((p) => p.slack > 0);
  if (front.length === 0) return rest.slice(0, options.max);
  const byId = new Map(records.map((r) => [r.id, r]));
  const picks = new Map(front.map((p) => [p.id, p]));
  const ordered = hypervolumeOrder(front.map((p) => frontierPoint(byId.get(p.id)!)), options.max)
    .map((point) => picks.get(point.id)!);
  return [...ordered, ...rest].slice(0, options.max);
}

/** Every candidate within the margin (slack ≤ 1), lowest slack first, without the cap. */
function withinMargin(
  records: readonly CandidateRecord[],
  options: Omit<SelectionOptions, "max">,
): VerificationPick[] {
  const { margin } = options;
  const withinBudget = (r: CandidateRecord) =>
    (options.maxLatencyMs === undefined ||
      r.latencyMs!.p50 <= options.maxLatencyMs * (1 + margin.latency)) &&
    (options.maxMemoryBytes === undefined ||
      r.peakMemoryBytes! <= options.maxMemoryBytes * (1 + margin.memory));
  const pool = records.filter((r) =>
    (r.status === "ok" || r.status === "over-budget") && r.latencyMs !== undefined &&
    r.peakMemoryBytes !== undefined && withinBudget(r)
  );
  const slack = verificationSlack(pool, margin);
  const byId = new Map(pool.map((r) => [r.id, r]));
  return pool.map((r) => ({ id: r.id, slack: slack.get(r.id)! }))
    .filter((p) => p.slack <= 1 + 1e-12)
    .sort((a, b) =>
      a.slack - b.slack || byId.get(b.id)!.decoderParams - byId.get(a.id)!.decoderParams ||
      a.id.localeCompare(b.id)
    );
}

const VERIFIED_FIELDS = new Set([
  "id",
  "slack",
  "status",
  "latencyMs",
  "peakMemoryBytes",
  "reason",
  "measureMs",
]);

/**
 * Parses and checks `verified.jsonl` against the run's candidates (joined by id): each line a
 * {@linkcode VerifiedRecord} of a known candidate, measured once. A torn last line (a kill
 * mid-append) is dropped. Throws {@linkcode InputError} `PATH: line N: FIELD: why`.
 *
 * @example
 * ```ts
 * import { parseVerifiedLines } from "./verify.ts";
 * parseVerifiedLines("", "run/verified.jsonl", new Map()); // []
 * ```
 */
export function parseVerifiedLines(
  text: string,
  path: string,
  candidates: ReadonlyMap<string, CandidateRecord>,
): VerifiedRecord[] {
  const out: VerifiedRecord[] = [];
  const seen = new Set<string>();
  for (const line of nonBlankLines(text, { completeOnly: true })) {
    const where = `${path}: line ${line.lineNumber}`;
    const v = parseJson(line.text, where);
    const bad = (field: string, why: string): never => {
      throw new InputError(`${where}: ${field}: ${why}`);
    };
    if (!isPlainObject(v)) bad("record", `expected a JSON object, got ${describeValue(v)}`);
    const value = v as Record<string, unknown>;
    const extra = Object.keys(value).find((k) => !VERIFIED_FIELDS.has(k));
    if (extra) bad(extra, "unknown field");
    const candidate = typeof value.id === "string" ? candidates.get(value.id) : undefined;
    if (!candidate) bad("id", `${describeValue(value.id)} is not a candidate of this run`);
    if (seen.has(value.id as string)) bad("id", `${value.id} is verified twice`);
    if (typeof value.slack !== "number" || !(value.slack >= 0 && value.slack <= 1 + 1e-9)) {
      bad("slack", `expected a number in [0, 1], got ${describeValue(value.slack)}`);
    }
    if (
      value.measureMs !== undefined &&
      !(typeof value.measureMs === "number" && value.measureMs >= 0 && value.measureMs < 1e9)
    ) {
      bad("measureMs", `expected a duration in ms, got ${describeValue(value.measureMs)}`);
    }
    // The measured fields are checked as a candidate record's are (status, latency, memory, reason).
    try {
      const { id: _id, slack: _slack, measureMs: _ms, ...measured } = value;
      validateCandidateRecord(
        { ...candidateShell(candidate!), ...measured },
        candidate!.index,
        new Set(),
      );
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${where}: ${e.message}`);
      throw e;
    }
    seen.add(value.id as string);
    out.push(value as unknown as VerifiedRecord);
  }
  return out;
}

/** A candidate record without its costs and status (the part a verification does not change). */
function candidateShell(r: CandidateRecord) {
  return {
    id: r.id,
    index: r.index,
    iteration: r.iteration,
    origin: r.origin.kind === "random" ? r.origin : { kind: "random" },
    arch: r.arch,
    decoderParams: r.decoderParams,
  };
}

/**
 * The verified candidates as whole records with their measured costs (`costSource: "measured"`),
 * joined to the run's records by id, in the run's order.
 *
 * @example
 * ```ts
 * import { verifiedCandidates } from "./verify.ts";
 * verifiedCandidates([], []); // []
 * ```
 */
export function verifiedCandidates(
  records: readonly CandidateRecord[],
  verified: readonly VerifiedRecord[],
): CandidateRecord[] {
  const byId = new Map(verified.map((v) => [v.id, v]));
  return records.filter((r) => byId.has(r.id)).map((r) => {
    const v = byId.get(r.id)!;
    const { latencyMs: _l, peakMemoryBytes: _m, calibrationId: _c, reason: _r, ...rest } = r;
    const out: CandidateRecord = { ...rest, status: v.status, costSource: "measured" };
    if (v.latencyMs) out.latencyMs = v.latencyMs;
    if (v.peakMemoryBytes !== undefined) out.peakMemoryBytes = v.peakMemoryBytes;
    if (v.reason !== undefined) out.reason = v.reason;
    return out;
  });
}

/** Accuracy of the predictions on the verified candidates measured ok, paired by id. */
function verificationAccuracy(
  records: readonly CandidateRecord[],
  measured: readonly CandidateRecord[],
): VerificationSummary["accuracy"] {
  const ok = measured.filter((r) => r.latencyMs && r.peakMemoryBytes !== undefined);
  if (ok.length === 0) return undefined;
  const predicted = new Map(records.map((r) => [r.id, r]));
  const pair = (f: (r: CandidateRecord) => number) =>
    errorSummary(
      new Map(ok.map((r) => [r.id, f(predicted.get(r.id)!)])),
      new Map(ok.map((r) => [r.id, f(r)])),
    );
  return { latency: pair((r) => r.latencyMs!.p50), memory: pair((r) => r.peakMemoryBytes!) };
}

/** Progress of a verification, after each measured candidate. */
export interface VerificationProgress {
  /** Measured so far (replayed ones included) out of `total`. */
  done: number;
  total: number;
  /** Measured in this session. */
  measuredNow: number;
  etaMs?: number;
  last: VerifiedRecord;
}

/** What {@linkcode verifyInDir} takes. */
export interface VerifyInput {
  dir: string;
  /** The run's candidates, with predicted costs. */
  records: readonly CandidateRecord[];
  options: SearchOptions;
  margin: VerificationMargin;
  max: number;
  /** The device's measurement (`measureMany` is used when given). */
  measure: Measure;
  measureMany?: MeasureMany;
  onProgress?: (progress: VerificationProgress) => void;
  signal?: AbortSignal;
}

/** What {@linkcode verifyInDir} returns. */
export interface VerificationResult {
  summary: VerificationSummary;
  verified: VerifiedRecord[];
  /** The verified candidates as records with measured costs, and their frontier. */
  measured: CandidateRecord[];
  frontier: CandidateRecord[];
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/**
 * Selects, measures (resuming `verified.jsonl`) and summarises the verification of a run. The
 * caller holds the run directory's lock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyInDir } from "./verify.ts";
 * import { validateSearchOptions } from "./options.ts";
 * const dir = await Deno.makeTempDir();
 * const result = await verifyInDir({ dir, records: [], options: validateSearchOptions({}),
 *   margin: { latency: 0.1, memory: 0.1 }, max: 10,
 *   measure: () => Promise.resolve({ ok: false, reason: "unused" }) });
 * assert.equal(result.summary.measured, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function verifyInDir(input: VerifyInput): Promise<VerificationResult> {
  const { dir, records, options, margin } = input;
  const selection: SelectionOptions = {
    margin,
    max: input.max,
    ...(options.maxLatencyMs === undefined ? {} : { maxLatencyMs: options.maxLatencyMs }),
    ...(options.maxMemoryBytes === undefined ? {} : { maxMemoryBytes: options.maxMemoryBytes }),
  };
  const picks = selectForVerification(records, selection);
  const ranked = withinMargin(records, selection);
  const byId = new Map(records.map((r) => [r.id, r]));
  const path = join(dir, VERIFY_FILES.records);
  const verified = parseVerifiedLines((await readIfExists(path)) ?? "", path, byId);
  const picked = new Set(picks.map((p) => p.id));
  const foreign = verified.find((v) => !picked.has(v.id));
  if (foreign) {
    throw new InputError(
      `${path}: ${foreign.id} is not among the candidates this verification selects (another margin or cap?)`,
    );
  }
  // Rewrite once (dropping a torn last line), then append one line per measurement.
  await writeFileAtomic(path, verified.map((v) => JSON.stringify(v) + "\n").join(""));
  const done = new Set(verified.map((v) => v.id));
  const todo = picks.filter((p) => !done.has(p.id));
  const started = performance.now();
  let lastYield = started;
  let measuredNow = 0;
  const stream = measureInOrder(
    todo.map((p) => byId.get(p.id)!.arch),
    input.measure,
    input.measureMany,
  );
  try {
    for (const pick of todo) {
      if (input.signal?.aborted) throw input.signal.reason;
      const next = await stream.next();
      if (next.done) throw new Error("verify: the measurement stream ended early");
      const m = next.value;
      const now = performance.now();
      const record: VerifiedRecord = { id: pick.id, slack: pick.slack, ...judge(m, options) };
      if (m.ok) {
        record.latencyMs = m.latencyMs;
        record.peakMemoryBytes = m.peakMemoryBytes;
      }
      record.measureMs = Math.round(now - lastYield);
      lastYield = now;
      await Deno.writeTextFile(path, JSON.stringify(record) + "\n", { append: true });
      verified.push(record);
      measuredNow++;
      const elapsed = performance.now() - started;
      input.onProgress?.({
        done: verified.length,
        total: picks.length,
        measuredNow,
        etaMs: (elapsed / measuredNow) * (todo.length - measuredNow),
        last: record,
      });
    }
  } finally {
    await stream.return(undefined);
  }
  const measured = verifiedCandidates(records, verified);
  const frontier = searchFrontier(measured, options.dominance);
  const accuracy = verificationAccuracy(records, measured);
  const summary: VerificationSummary = {
    margin,
    withinMargin: ranked.length,
    measured: picks.length,
    max: input.max,
    predictedFrontier: ranked.filter((p) => p.slack === 0).length,
    largestSlackMeasured: picks.reduce((a, p) => Math.max(a, p.slack), 0),
    ...(accuracy ? { accuracy } : {}),
    frontierPoints: frontier.map(frontierPoint),
    measureMs: verified.reduce((a, v) => a + (v.measureMs ?? 0), 0),
  };
  await writeFileAtomic(join(dir, VERIFY_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
  return { summary, verified, measured, frontier };
}

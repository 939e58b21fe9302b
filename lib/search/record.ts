/**
 * Validation of the candidate records read back from a run folder (`candidates.jsonl`): a run
 * folder may come from someone else, so every record is checked field by field before it is
 * resumed or exported. An id must be the architecture's own hash (16 lowercase hex digits, equal
 * to `archHash` of the validated `arch`), which also keeps ids safe as file names.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import type { ArchConfig } from "../arch/types.ts";
import { compactArch, validateArch } from "../arch/validate.ts";
import { InputError } from "../util/errors.ts";
import { nonBlankLines, parseJson } from "../util/lines.ts";
import { describeValue, isPlainObject, nonNegativeInteger } from "../util/validate.ts";
import type {
  CandidateRecord,
  CandidateStatus,
  CostSource,
  LatencyStats,
  Origin,
} from "./types.ts";

/** A candidate id: `archHash` of its architecture, 16 lowercase hex digits. */
export const CANDIDATE_ID_PATTERN: RegExp = /^[0-9a-f]{16}$/;

/** The statuses a record may have. */
export const CANDIDATE_STATUSES: readonly CandidateStatus[] = ["ok", "over-budget", "failed"];

const RECORD_FIELDS = new Set([
  "id",
  "index",
  "iteration",
  "origin",
  "arch",
  "decoderParams",
  "status",
  "latencyMs",
  "peakMemoryBytes",
  "costSource",
  "calibrationId",
  "reason",
]);

/** The cost sources a record may name. */
export const COST_SOURCES: readonly CostSource[] = ["measured", "predicted"];

const fail = (field: string, why: string): never => {
  throw new InputError(`${field}: ${why}`);
};

function nonNegativeNumber(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    fail(field, `expected a finite non-negative number, got ${describeValue(v)}`);
  }
  return v as number;
}

function candidateId(v: unknown, field: string): string {
  if (typeof v !== "string" || !CANDIDATE_ID_PATTERN.test(v)) {
    fail(field, `expected a candidate id (16 lowercase hex digits), got ${describeValue(v)}`);
  }
  return v as string;
}

function origin(v: unknown, known: ReadonlySet<string>): Origin {
  if (!isPlainObject(v)) return fail("origin", `expected an object, got ${describeValue(v)}`);
  const parent = (x: unknown, field: string) => {
    const id = candidateId(x, field);
    if (!known.has(id)) fail(field, `${id} is not an earlier candidate of this run`);
    return id;
  };
  const extra = (allowed: string[]) => {
    const bad = Object.keys(v).find((k) => !allowed.includes(k));
    if (bad) fail(`origin.${bad}`, "unknown field");
  };
  if (v.kind === "random") {
    extra(["kind"]);
    return { kind: "random" };
  }
  if (v.kind === "mutation") {
    extra(["kind", "parent"]);
    return { kind: "mutation", parent: parent(v.parent, "origin.parent") };
  }
  if (v.kind === "crossover") {
    extra(["kind", "parents"]);
    if (!Array.isArray(v.parents) || v.parents.length !== 2) {
      fail("origin.parents", `expected two candidate ids, got ${describeValue(v.parents)}`);
    }
    const ps = v.parents as unknown[];
    return {
      kind: "crossover",
      parents: [parent(ps[0], "origin.parents[0]"), parent(ps[1], "origin.parents[1]")],
    };
  }
  return fail(
    "origin.kind",
    `expected "random", "mutation" or "crossover", got ${describeValue(v.kind)}`,
  );
}

function latency(v: unknown): LatencyStats {
  if (!isPlainObject(v)) return fail("latencyMs", `expected an object, got ${describeValue(v)}`);
  if (!("p50" in v)) fail("latencyMs.p50", "missing");
  for (const [k, x] of Object.entries(v)) nonNegativeNumber(x, `latencyMs.${k}`);
  return v as LatencyStats;
}

/**
 * Checks one record of `candidates.jsonl`: every field of {@linkcode CandidateRecord} with its
 * type (no unknown ones), `index` equal to `expectedIndex`, `arch` a valid architecture (within
 * the bounds of `validateArch`, returned validated: per-layer arrays), `id` its `archHash`, parents earlier candidates (`known` ids),
 * numbers finite, `status` one of {@linkcode CANDIDATE_STATUSES} with latency and memory when
 * measured and a reason when not ok. Throws {@linkcode InputError} naming the field.
 *
 * @example
 * ```ts
 * import { validateCandidateRecord } from "./record.ts";
 * try {
 *   validateCandidateRecord({ id: "cafe/../../x" }, 0, new Set());
 * } catch (e) {
 *   (e as Error).message; // 'id: expected a candidate id (16 lowercase hex digits), got "cafe/../../x"'
 * }
 * ```
 */
export function validateCandidateRecord(
  value: unknown,
  expectedIndex: number,
  known: ReadonlySet<string>,
): CandidateRecord {
  if (!isPlainObject(value)) {
    return fail("record", `expected a JSON object, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!RECORD_FIELDS.has(key)) fail(key, "unknown field");
  }
  const id = candidateId(value.id, "id");
  const index = nonNegativeInteger(value.index, "index");
  if (index !== expectedIndex) fail("index", `expected ${expectedIndex}, got ${index}`);
  const iteration = nonNegativeInteger(value.iteration, "iteration");
  const arch = validateArch(value.arch, "arch");
  const hash = archHash(arch);
  if (hash !== id) fail("id", `${id} is not the hash of its arch (${hash})`);
  if (known.has(id)) fail("id", `${id} is recorded twice`);
  const record: CandidateRecord = {
    id,
    index,
    iteration,
    origin: origin(value.origin, known),
    arch,
    decoderParams: nonNegativeInteger(value.decoderParams, "decoderParams"),
    status: value.status as CandidateStatus,
  };
  if (!CANDIDATE_STATUSES.includes(value.status as CandidateStatus)) {
    fail(
      "status",
      `expected one of ${CANDIDATE_STATUSES.map((s) => `"${s}"`).join(", ")}, got ${
        describeValue(value.status)
      }`,
    );
  }
  if (value.latencyMs !== undefined) record.latencyMs = latency(value.latencyMs);
  if (value.peakMemoryBytes !== undefined) {
    record.peakMemoryBytes = nonNegativeNumber(value.peakMemoryBytes, "peakMemoryBytes");
  }
  if (value.costSource !== undefined) {
    if (!COST_SOURCES.includes(value.costSource as CostSource)) {
      fail(
        "costSource",
        `expected "measured" or "predicted", got ${describeValue(value.costSource)}`,
      );
    }
    record.costSource = value.costSource as CostSource;
  }
  if (value.calibrationId !== undefined) {
    if (
      typeof value.calibrationId !== "string" || !CANDIDATE_ID_PATTERN.test(value.calibrationId)
    ) {
      fail(
        "calibrationId",
        `expected a calibration id (16 lowercase hex digits), got ${
          describeValue(value.calibrationId)
        }`,
      );
    }
    record.calibrationId = value.calibrationId as string;
  }
  if (record.costSource === "predicted" && record.calibrationId === undefined) {
    fail("calibrationId", "missing (costSource predicted)");
  }
  if (record.costSource !== "predicted" && record.calibrationId !== undefined) {
    fail("calibrationId", "only a predicted cost has one");
  }
  if (value.reason !== undefined) {
    if (typeof value.reason !== "string") {
      fail("reason", `expected a string, got ${describeValue(value.reason)}`);
    }
    record.reason = value.reason as string;
  }
  if (record.status !== "failed") {
    if (record.latencyMs === undefined) fail("latencyMs", `missing (status ${record.status})`);
    if (record.peakMemoryBytes === undefined) {
      fail("peakMemoryBytes", `missing (status ${record.status})`);
    }
  }
  if (record.status !== "ok" && record.reason === undefined) {
    fail("reason", `missing (status ${record.status})`);
  }
  return record;
}

/**
 * Parses and validates the text of `candidates.jsonl` (see {@linkcode validateCandidateRecord}).
 * Every line is written whole and ends with a newline, so a last line without one is a write cut
 * short by a kill: it is dropped (that candidate is measured again on resume). Blank lines are
 * skipped. A bad line throws {@linkcode InputError} `PATH: line N: FIELD: why`.
 *
 * @example
 * ```ts
 * import { parseCandidateLines } from "./record.ts";
 * parseCandidateLines("", "run/candidates.jsonl"); // []
 * ```
 */
export function parseCandidateLines(text: string, path: string): CandidateRecord[] {
  const records: CandidateRecord[] = [];
  const known = new Set<string>();
  nonBlankLines(text, { completeOnly: true }).forEach((line) => {
    const where = `${path}: line ${line.lineNumber}`;
    const value = parseJson(line.text, where);
    try {
      const record = validateCandidateRecord(value, records.length, known);
      records.push(record);
      known.add(record.id);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${where}: ${e.message}`);
      throw e;
    }
  });
  return records;
}

/** A {@linkcode CandidateRecord} as stored in `candidates.jsonl`: its `arch` compact. */
export type CandidateRecordJson = Omit<CandidateRecord, "arch"> & { arch: ArchConfig };

/**
 * The on-disk form of a record (the write edge; {@linkcode parseCandidateLines} is the read
 * edge): the same fields, with `arch` compacted (`compactArch`: a gene equal in every layer is
 * one number).
 *
 * @example
 * ```ts
 * import { candidateJson } from "./record.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: [128, 256] });
 * const json = candidateJson({ id: "0123456789abcdef", index: 0, iteration: 0,
 *   origin: { kind: "random" }, arch, decoderParams: 10, status: "failed", reason: "x" });
 * assert.deepEqual(json.arch, { backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: [128, 256] });
 * ```
 */
export function candidateJson(record: CandidateRecord): CandidateRecordJson {
  return { ...record, arch: compactArch(record.arch) };
}

/**
 * Records as the lines of `candidates.jsonl` (each {@linkcode candidateJson}, one JSON object a
 * line, each ending with a newline).
 *
 * @example
 * ```ts
 * import { candidateLines } from "./record.ts";
 * candidateLines([]); // ""
 * ```
 */
export function candidateLines(records: readonly CandidateRecord[]): string {
  return records.map((r) => JSON.stringify(candidateJson(r)) + "\n").join("");
}

/**
 * Reading `frontier.jsonl` back: one {@linkcode IterationSummary} per line. Lines written before
 * the running totals and the frontier points were renamed (`candidates`, `ok`, `overBudget`,
 * `failed`, `frontier` with a numeric `latencyMs`) are migrated on read, so an old run folder is
 * still read back (and resumed: the file is rewritten in the current form as the replay passes
 * each iteration).
 *
 * @module
 */
import { InputError } from "../util/errors.ts";
import { nonBlankLines, parseJson } from "../util/lines.ts";
import { describeValue, isPlainObject, nonNegativeInteger } from "../util/validate.ts";
import type { FrontierPoint, IterationSummary } from "./types.ts";

const fail = (field: string, why: string): never => {
  throw new InputError(`${field}: ${why}`);
};

function frontierPoint(v: unknown, field: string): FrontierPoint {
  if (!isPlainObject(v)) return fail(field, `expected an object, got ${describeValue(v)}`);
  // Before the rename the median latency was stored as a number named `latencyMs`.
  const latency = "latencyP50Ms" in v ? v.latencyP50Ms : v.latencyMs;
  const number = (x: unknown, name: string) => {
    if (typeof x !== "number" || !Number.isFinite(x)) {
      fail(`${field}.${name}`, `expected a finite number, got ${describeValue(x)}`);
    }
    return x as number;
  };
  if (typeof v.id !== "string") {
    fail(`${field}.id`, `expected a string, got ${describeValue(v.id)}`);
  }
  return {
    id: v.id as string,
    decoderParams: number(v.decoderParams, "decoderParams"),
    latencyP50Ms: number(latency, "latencyP50Ms"),
    peakMemoryBytes: number(v.peakMemoryBytes, "peakMemoryBytes"),
  };
}

/**
 * Checks one line of `frontier.jsonl` and returns it in the current form: the running totals
 * `candidatesSoFar`, `okSoFar`, `overBudgetSoFar`, `failedSoFar` and the `frontierPoints` (each
 * with `latencyP50Ms`). A line in the earlier form (`candidates`, `ok`, `overBudget`, `failed`,
 * `frontier` of points with a numeric `latencyMs`) is migrated. Throws {@linkcode InputError}
 * naming the field.
 *
 * @example
 * ```ts
 * import { validateIterationSummary } from "./summary.ts";
 * import assert from "node:assert/strict";
 * const old = { iteration: 0, proposed: { random: 2, mutation: 0, crossover: 0 }, parents: [],
 *   candidates: 2, ok: 1, overBudget: 0, failed: 1,
 *   frontier: [{ id: "a", decoderParams: 10, latencyMs: 2.5, peakMemoryBytes: 5 }] };
 * const summary = validateIterationSummary(old);
 * assert.equal(summary.failedSoFar, 1);
 * assert.deepEqual(summary.frontierPoints, [{ id: "a", decoderParams: 10, latencyP50Ms: 2.5, peakMemoryBytes: 5 }]);
 * ```
 */
export function validateIterationSummary(value: unknown): IterationSummary {
  if (!isPlainObject(value)) {
    return fail("summary", `expected a JSON object, got ${describeValue(value)}`);
  }
  const legacy = !("frontierPoints" in value) && "frontier" in value;
  const field = (current: string, old: string) => legacy ? old : current;
  const total = (current: string, old: string) =>
    nonNegativeInteger(value[field(current, old)], field(current, old));
  const proposed = value.proposed;
  if (!isPlainObject(proposed)) {
    fail("proposed", `expected an object, got ${describeValue(proposed)}`);
  }
  const p = proposed as Record<string, unknown>;
  const parents = value.parents;
  if (!Array.isArray(parents) || parents.some((x) => typeof x !== "string")) {
    fail("parents", `expected a list of candidate ids, got ${describeValue(parents)}`);
  }
  const points = value[field("frontierPoints", "frontier")];
  if (!Array.isArray(points)) {
    fail(field("frontierPoints", "frontier"), `expected a list, got ${describeValue(points)}`);
  }
  return {
    iteration: nonNegativeInteger(value.iteration, "iteration"),
    proposed: {
      random: nonNegativeInteger(p.random, "proposed.random"),
      mutation: nonNegativeInteger(p.mutation, "proposed.mutation"),
      crossover: nonNegativeInteger(p.crossover, "proposed.crossover"),
    },
    parents: [...parents as string[]],
    candidatesSoFar: total("candidatesSoFar", "candidates"),
    okSoFar: total("okSoFar", "ok"),
    overBudgetSoFar: total("overBudgetSoFar", "overBudget"),
    failedSoFar: total("failedSoFar", "failed"),
    frontierPoints: (points as unknown[]).map((x, i) =>
      frontierPoint(x, `${field("frontierPoints", "frontier")}[${i}]`)
    ),
  };
}

/**
 * Parses and validates the text of `frontier.jsonl` (see {@linkcode validateIterationSummary}).
 * A last line without its newline (a write cut short by a kill) is dropped; blank lines are
 * skipped. A bad line throws {@linkcode InputError} `PATH: line N: FIELD: why`.
 *
 * @example
 * ```ts
 * import { parseIterationLines } from "./summary.ts";
 * import assert from "node:assert/strict";
 * const line = JSON.stringify({ iteration: 0, proposed: { random: 1, mutation: 0, crossover: 0 },
 *   parents: [], candidatesSoFar: 1, okSoFar: 0, overBudgetSoFar: 0, failedSoFar: 1, frontierPoints: [] });
 * assert.equal(parseIterationLines(line + "\n", "run/frontier.jsonl")[0].failedSoFar, 1);
 * assert.throws(() => parseIterationLines("{}\n", "run/frontier.jsonl"), /line 1: proposed/);
 * ```
 */
export function parseIterationLines(text: string, path: string): IterationSummary[] {
  return nonBlankLines(text, { completeOnly: true }).map((line) => {
    const where = `${path}: line ${line.lineNumber}`;
    const value = parseJson(line.text, where);
    try {
      return validateIterationSummary(value);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${where}: ${e.message}`);
      throw e;
    }
  });
}

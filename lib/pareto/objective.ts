/**
 * Objectives: how to read one number from a point, and whether smaller or larger is better.
 * Every Pareto tool in this folder takes a list of these.
 *
 * @module
 */

/** Reads a number from a point: a field name, or a function of the point. */
export type Accessor<T> = (keyof T & string) | ((point: T) => number);

/** One objective: where its value comes from and whether it is minimised or maximised. */
export interface Objective<T> {
  /** Field name or function giving the objective's value for a point. */
  key: Accessor<T>;
  /** `"min"`: smaller is better; `"max"`: larger is better. */
  goal: "min" | "max";
}

/**
 * Reads an accessor's value for a point, as a number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readValue } from "./objective.ts";
 * assert.equal(readValue({ latencyMs: 3 }, "latencyMs"), 3);
 * assert.equal(readValue({ a: 1, b: 2 }, (p) => p.a + p.b), 3);
 * ```
 */
export function readValue<T>(point: T, key: Accessor<T>): number {
  return typeof key === "function" ? key(point) : Number(point[key]);
}

/**
 * The points as rows of numbers oriented for minimisation (maximised objectives negated), one
 * column per objective. Throws a `RangeError` on NaN, so a bad point never silently joins a
 * frontier (±Infinity is allowed).
 *
 * @example
 * ```ts
 * import { minimisationMatrix } from "./objective.ts";
 * minimisationMatrix([{ p: 10, ms: 2 }], [{ key: "p", goal: "max" }, { key: "ms", goal: "min" }]);
 * // [[-10, 2]]
 * ```
 */
export function minimisationMatrix<T>(
  points: readonly T[],
  objectives: readonly Objective<T>[],
): number[][] {
  if (objectives.length === 0) throw new RangeError("pareto: at least one objective is needed");
  return points.map((point, i) =>
    objectives.map((o, j) => {
      const v = readValue(point, o.key);
      if (typeof v !== "number" || Number.isNaN(v)) {
        throw new RangeError(`pareto: point ${i}, objective ${j}: not a number (${v})`);
      }
      return o.goal === "max" ? -v : v;
    })
  );
}

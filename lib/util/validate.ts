/**
 * Small helpers for validating untrusted input with messages that name the field.
 *
 * @module
 */
import { InputError } from "./errors.ts";

/**
 * A short description of a value for error messages (`"abc"`, `an array`, `null`, `3`, `nothing`
 * for a missing value).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeValue } from "./validate.ts";
 * assert.equal(`expected a number, got ${describeValue("3")}`, 'expected a number, got "3"');
 * assert.equal(describeValue(undefined), "nothing");
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/**
 * Whether a parsed JSON value is an object with fields (not null, not an array).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainObject } from "./validate.ts";
 * assert.equal(isPlainObject({ nLayer: 2 }), true);
 * assert.equal(isPlainObject([1, 2]), false);
 * assert.equal(isPlainObject(null), false);
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * Runs a validator and prefixes any {@linkcode InputError} it throws with `where: ` (the file or
 * record the input came from).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError } from "./errors.ts";
 * import { withWhere } from "./validate.ts";
 * assert.equal(withWhere("archs.jsonl: record 2", () => 42), 42);
 * assert.throws(
 *   () => withWhere("archs.jsonl: record 2", () => { throw new InputError("nLayer: missing"); }),
 *   /^InputError: archs\.jsonl: record 2: nLayer: missing$/,
 * );
 * ```
 */
export function withWhere<T>(where: string, validate: () => T): T {
  try {
    return validate();
  } catch (e) {
    if (e instanceof InputError && where) throw new InputError(`${where}: ${e.message}`);
    throw e;
  }
}

/**
 * An integer from `min` to `max` (inclusive), else {@linkcode InputError}
 * `FIELD: expected an integer, got …`, `FIELD: must be at least MIN, got …` or
 * `FIELD: must be at most MAX, got …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { integerInRange } from "./validate.ts";
 * assert.equal(integerInRange(3, "repeats", 1, 100), 3);
 * assert.throws(() => integerInRange(0, "repeats", 1, 100), /^InputError: repeats: must be at least 1, got 0$/);
 * assert.throws(() => integerInRange(1.5, "repeats", 1), /^InputError: repeats: expected an integer, got 1\.5$/);
 * ```
 */
export function integerInRange(
  value: unknown,
  field: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InputError(`${field}: expected an integer, got ${describeValue(value)}`);
  }
  return inRange(value, field, min, max);
}

/**
 * A positive integer of at most `max`, else {@linkcode InputError}
 * `FIELD: expected a positive integer, got …`, `FIELD: must be positive, got …` or
 * `FIELD: must be at most MAX, got …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positiveInteger } from "./validate.ts";
 * assert.equal(positiveInteger(512, "dModel", 16384), 512);
 * assert.throws(() => positiveInteger(-1, "dInner[1]"), /^InputError: dInner\[1\]: must be positive, got -1$/);
 * assert.throws(() => positiveInteger("128", "dModel"), /expected a positive integer, got "128"$/);
 * ```
 */
export function positiveInteger(
  value: unknown,
  field: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new InputError(`${field}: expected a positive integer, got ${describeValue(value)}`);
  }
  if (value <= 0) throw new InputError(`${field}: must be positive, got ${value}`);
  return inRange(value, field, 1, max);
}

/**
 * A safe integer ≥ 0, else {@linkcode InputError} `FIELD: expected a non-negative integer, got …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonNegativeInteger } from "./validate.ts";
 * assert.equal(nonNegativeInteger(0, "index"), 0);
 * assert.throws(() => nonNegativeInteger(-1, "index"), /index: expected a non-negative integer, got -1/);
 * ```
 */
export function nonNegativeInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InputError(`${field}: expected a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A finite number from `min` to `max` (inclusive), else {@linkcode InputError}
 * `FIELD: expected a number, got …`, `FIELD: must be at least MIN, got …` or
 * `FIELD: must be at most MAX, got …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberInRange } from "./validate.ts";
 * assert.equal(numberInRange(0.05, "stableTolerance", 0, 1), 0.05);
 * assert.throws(() => numberInRange(2, "stableTolerance", 0, 1), /must be at most 1, got 2$/);
 * ```
 */
export function numberInRange(
  value: unknown,
  field: string,
  min = -Number.MAX_VALUE,
  max = Number.MAX_VALUE,
): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InputError(`${field}: expected a number, got ${describeValue(value)}`);
  }
  return inRange(value, field, min, max);
}

/**
 * A finite number > 0, else {@linkcode InputError} `FIELD: expected a positive number, got …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { positiveNumber } from "./validate.ts";
 * assert.equal(positiveNumber(12.5, "valid_ppl"), 12.5);
 * assert.throws(() => positiveNumber(0, "valid_ppl"), /valid_ppl: expected a positive number, got 0/);
 * ```
 */
export function positiveNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new InputError(`${field}: expected a positive number, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * A finite number ≥ 0, else {@linkcode InputError} `FIELD: expected a non-negative number, got …`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonNegativeNumber } from "./validate.ts";
 * assert.equal(nonNegativeNumber(0, "FFN"), 0);
 * assert.throws(() => nonNegativeNumber(undefined, "FFN"), /FFN: expected a non-negative number, got nothing/);
 * ```
 */
export function nonNegativeNumber(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new InputError(`${field}: expected a non-negative number, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Checks that a lower bound is not above an upper bound (either may be missing), else
 * {@linkcode InputError} `LOWFIELD: LOW is above HIGHFIELD HIGH`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkOrdered } from "./validate.ts";
 * checkOrdered(1e6, "minDecoderParams", undefined, "maxDecoderParams"); // passes
 * assert.throws(
 *   () => checkOrdered(2e6, "minDecoderParams", 1e6, "maxDecoderParams"),
 *   /^InputError: minDecoderParams: 2000000 is above maxDecoderParams 1000000$/,
 * );
 * ```
 */
export function checkOrdered(
  low: number | undefined,
  lowField: string,
  high: number | undefined,
  highField: string,
): void {
  if (low !== undefined && high !== undefined && low > high) {
    throw new InputError(`${lowField}: ${low} is above ${highField} ${high}`);
  }
}

function inRange(value: number, field: string, min: number, max: number): number {
  if (value < min) throw new InputError(`${field}: must be at least ${min}, got ${value}`);
  if (value > max) throw new InputError(`${field}: must be at most ${max}, got ${value}`);
  return value;
}

/**
 * Small helpers for validating untrusted input with messages that name the field.
 *
 * @module
 */
import { InputError } from "./errors.ts";

/**
 * A short description of a value for error messages (`"abc"`, `an array`, `null`, `3`).
 *
 * @example
 * ```ts
 * import { describeValue } from "./validate.ts";
 * `expected a number, got ${describeValue("3")}`; // 'expected a number, got "3"'
 * ```
 */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

/**
 * Runs a validator and prefixes any {@linkcode InputError} it throws with `where: ` (the file or
 * record the input came from).
 *
 * @example
 * ```ts
 * import { withWhere } from "./validate.ts";
 * withWhere("archs.jsonl: record 2", () => 42); // 42
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

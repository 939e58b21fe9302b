/**
 * Errors that come from bad user input. The CLI prints their message on one line and exits with
 * code 2; anything else is a bug and exits with code 1.
 *
 * @module
 */

/**
 * A problem with what the user gave us (a file, a flag, a field). The message names the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError } from "./errors.ts";
 * const error = new InputError("nHead[3]: 7 does not divide dModel 512");
 * assert.equal(String(error), "InputError: nHead[3]: 7 does not divide dModel 512");
 * ```
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

/**
 * Whether a value is an {@linkcode InputError} (also across module copies).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { InputError, isInputError } from "./errors.ts";
 * assert.ok(isInputError(new InputError("x")));
 * assert.ok(!isInputError(new Error("x")));
 * ```
 */
export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError || (e instanceof Error && e.name === "InputError");
}

/**
 * The first line of an error's message (of any thrown value), cut to `maxChars`: what a one-line
 * report of a failure quotes (`not valid JSON (Unexpected token …)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorLine } from "./errors.ts";
 * assert.equal(errorLine(new Error("cannot read\n  at line 2")), "cannot read");
 * assert.equal(errorLine("plain string"), "plain string");
 * assert.equal(errorLine(new Error("x".repeat(600))).length, 500);
 * ```
 */
export function errorLine(error: unknown, maxChars = 500): string {
  return String((error as Error | undefined)?.message ?? error).split("\n")[0].slice(0, maxChars);
}

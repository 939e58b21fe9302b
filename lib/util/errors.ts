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
 * import { InputError } from "./errors.ts";
 * throw new InputError("nHead[3]: 7 does not divide dModel 512");
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
 * import { InputError, isInputError } from "./errors.ts";
 * isInputError(new InputError("x")); // true
 * ```
 */
export function isInputError(e: unknown): e is InputError {
  return e instanceof InputError || (e instanceof Error && e.name === "InputError");
}

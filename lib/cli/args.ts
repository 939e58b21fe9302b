/**
 * Flag parsing for the CLI on top of `node:util` `parseArgs`, with every problem reported as an
 * {@linkcode InputError} that names the flag.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { errorLine, InputError } from "../util/errors.ts";
import { integerInRange, numberInRange } from "../util/validate.ts";

/** Option spec as `node:util` `parseArgs` takes it. */
export type OptionSpec = Record<
  string,
  { type: "string" | "boolean"; short?: string; multiple?: boolean; default?: string | boolean }
>;

/** Parsed flags and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parses `args` strictly (unknown flags are errors). `--help`/`-h` is always accepted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./args.ts";
 * const { values } = parseFlags(["--seed", "3"], { seed: { type: "string" } });
 * assert.equal(values.seed, "3");
 * ```
 */
export function parseFlags(args: string[], options: OptionSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { help: { type: "boolean", short: "h" }, ...options },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs["values"], positionals };
  } catch (e) {
    // parseArgs explains some errors over several lines; the CLI promises one line.
    const msg = errorLine(e).replace(/\. To specify a positional.*$/, "");
    throw new InputError(msg);
  }
}

/** Bounds for a numeric flag. */
export interface NumberBounds {
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * Reads a numeric flag (`--name value`), with a default when absent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { numberFlag } from "./args.ts";
 * assert.equal(numberFlag({ seed: "7" }, "seed", 0, { integer: true }), 7);
 * ```
 */
export function numberFlag(
  values: ParsedArgs["values"],
  name: string,
  fallback: number,
  bounds?: NumberBounds,
): number;
export function numberFlag(
  values: ParsedArgs["values"],
  name: string,
  fallback: undefined,
  bounds?: NumberBounds,
): number | undefined;
export function numberFlag(
  values: ParsedArgs["values"],
  name: string,
  fallback: number | undefined,
  bounds: NumberBounds = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(Number(raw))) {
    throw new InputError(`--${name}: expected a number, got ${JSON.stringify(raw)}`);
  }
  const check = bounds.integer ? integerInRange : numberInRange;
  return check(Number(raw), `--${name}`, bounds.min, bounds.max);
}

/**
 * Reads a string flag restricted to a set of choices.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { choiceFlag } from "./args.ts";
 * assert.equal(choiceFlag({ dialect: "fast" }, "dialect", ["portable", "fast"] as const, "portable"), "fast");
 * ```
 */
export function choiceFlag<T extends string>(
  values: ParsedArgs["values"],
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !choices.includes(raw as T)) {
    throw new InputError(`--${name}: expected one of ${choices.join(", ")}, got ${String(raw)}`);
  }
  return raw as T;
}

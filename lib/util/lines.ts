/**
 * Splitting text into lines: the non-blank lines of a file with their 1-based numbers (for
 * messages that say `PATH: line N`), and JSON lines.
 *
 * @module
 */
import { errorLine, InputError } from "./errors.ts";

/** A line of a text with its 1-based line number. */
export interface NumberedLine {
  /** 1-based line number in the whole text. */
  lineNumber: number;
  /** The line without its newline. */
  text: string;
}

/** Options of {@linkcode nonBlankLines}. */
export interface NonBlankLinesOptions {
  /**
   * Drop a last line without its newline: a write cut short (by a kill), or a line still being
   * written. Default false.
   */
  completeOnly?: boolean;
}

/**
 * The lines of `text` that hold more than white space, numbered from 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nonBlankLines } from "./lines.ts";
 * assert.deepEqual(nonBlankLines("a\n\nb"), [
 *   { lineNumber: 1, text: "a" },
 *   { lineNumber: 3, text: "b" },
 * ]);
 * assert.deepEqual(nonBlankLines("a\n\nb", { completeOnly: true }), [{ lineNumber: 1, text: "a" }]);
 * ```
 */
export function nonBlankLines(text: string, options: NonBlankLinesOptions = {}): NumberedLine[] {
  const lines = text.split("\n");
  if (options.completeOnly && !text.endsWith("\n")) lines.pop();
  return lines.flatMap((line, i) => line.trim() === "" ? [] : [{ lineNumber: i + 1, text: line }]);
}

/**
 * Parses JSON, or throws {@linkcode InputError} `WHERE: not valid JSON (why)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJson } from "./lines.ts";
 * assert.deepEqual(parseJson('{"a":1}', "run/config.json"), { a: 1 });
 * assert.throws(() => parseJson("{", "run/config.json"), /^InputError: run\/config\.json: not valid JSON/);
 * ```
 */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not valid JSON (${errorLine(e)})`);
  }
}

/**
 * Parses the non-blank lines of a JSON-lines text, each with {@linkcode parseJson}
 * (`WHERE: line N: not valid JSON (why)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonLines } from "./lines.ts";
 * assert.deepEqual(parseJsonLines('{"a":1}\n\n{"a":2}\n', "input"), [{ a: 1 }, { a: 2 }]);
 * assert.deepEqual(parseJsonLines('{"a":1}\n{"a":', "run.jsonl", { completeOnly: true }), [{ a: 1 }]);
 * assert.throws(() => parseJsonLines("{}\nnope\n", "input"), /^InputError: input: line 2: not valid JSON/);
 * ```
 */
export function parseJsonLines(
  text: string,
  where: string,
  options: NonBlankLinesOptions = {},
): unknown[] {
  return nonBlankLines(text, options).map((line) =>
    parseJson(line.text, `${where}: line ${line.lineNumber}`)
  );
}

/**
 * Making the benchmark pack from archai's raw `saved_logs` folder, checked end to end: the
 * folder is loaded (so that nothing the loader rejects is packed), written as pack text, and
 * the text read back must give the same models. This is what `lts benchmark-pack` runs.
 *
 * @module
 */
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { errorLine, InputError } from "../util/errors.ts";
import { type Benchmark, benchmarkFromSource } from "./load.ts";
import { type PackHeader, packText, parsePack } from "./pack.ts";
import { SAVED_LOGS_ORIGIN, type SavedLogsOrigin } from "./paths.ts";
import { openSavedLogs } from "./saved_logs.ts";

/** A pack made by {@linkcode makePack}. */
export interface MadePack {
  /** The pack text, ready to write. */
  text: string;
  header: PackHeader;
  /** The benchmark loaded from the folder (equal to the one loaded from `text`). */
  benchmark: Benchmark;
}

/** Options of {@linkcode makePack}. */
export interface MakePackOptions {
  /** The commit the folder was taken at; default {@linkcode SAVED_LOGS_ORIGIN}'s. */
  commit?: string;
}

/**
 * Makes the pack of a saved-logs folder. The folder must hold archai's MIT `LICENSE` (its
 * copyright line goes into the header). Throws {@linkcode InputError} naming the file for
 * anything the loader rejects, and a plain `Error` if the text read back differs (a bug).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { makePack } from "./make_pack.ts";
 * const made = await makePack("path/to/archai/nlp/nas/saved_logs");
 * assert.equal(made.header.models, 1121);
 * await Deno.writeTextFile("lts-saved-logs.jsonl", made.text);
 * ```
 */
export async function makePack(dir: string, options: MakePackOptions = {}): Promise<MadePack> {
  const origin: SavedLogsOrigin = {
    ...SAVED_LOGS_ORIGIN,
    commit: options.commit ?? SAVED_LOGS_ORIGIN.commit,
  };
  const source = await openSavedLogs(dir);
  const copyright = await licenceCopyright(join(dir, "LICENSE"), origin.licence);
  const benchmark = await benchmarkFromSource(source);
  const text = await packText(source, { origin, copyright });
  const parsed = parsePack(text, "(pack being made)");
  const again = await benchmarkFromSource(parsed);
  if (!isDeepStrictEqual(again.models, benchmark.models)) {
    const i = again.models.findIndex((m, k) => !isDeepStrictEqual(m, benchmark.models[k]));
    const m = benchmark.models[i] ?? again.models[i];
    throw new Error(`the pack does not read back as the folder (first at ${m?.set}/${m?.modelId})`);
  }
  return { text, header: parsed.header, benchmark };
}

/** The copyright line of a licence file, checking that it is the licence the header names. */
async function licenceCopyright(path: string, licence: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new InputError(`${path}: missing (the pack records the folder's ${licence} notice)`);
    }
    throw new InputError(`${path}: cannot read (${errorLine(e)})`);
  }
  if (!text.includes(`${licence} License`)) {
    throw new InputError(`${path}: not the ${licence} License the pack header records`);
  }
  const line = text.split("\n").map((l) => l.trim()).find((l) => /^Copyright\b/i.test(l));
  if (line === undefined) throw new InputError(`${path}: no copyright line`);
  return line;
}

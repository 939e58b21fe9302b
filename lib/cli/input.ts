/**
 * Reading architectures from a file or standard input: one JSON object, a JSON array, JSON
 * lines, or an archai `model_config.yaml`.
 *
 * @module
 */
import { archConfigFromArchaiYaml } from "../arch/archai.ts";
import { type Arch, type Backbone, BACKBONES } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { InputError } from "../util/errors.ts";
import { parseJsonLines } from "../util/lines.ts";

/**
 * Reads the whole text of a path, or of standard input for `-` (or no path).
 *
 * @example
 * ```ts
 * import { readTextInput } from "./input.ts";
 * const text = await readTextInput("deno.json");
 * ```
 */
export async function readTextInput(path: string | undefined): Promise<string> {
  if (path === undefined || path === "-") {
    return await new Response(Deno.stdin.readable).text();
  }
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(`${path}: no such file`);
    if (e instanceof Deno.errors.IsADirectory) throw new InputError(`${path}: is a folder`);
    if (e instanceof Deno.errors.PermissionDenied) throw new InputError(`${path}: not readable`);
    throw new InputError(`${path}: cannot read (${(e as Error).message})`);
  }
}

/**
 * Parses text holding one JSON value, a JSON array, or JSON lines into a list of values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseJsonRecords } from "./input.ts";
 * assert.deepEqual(parseJsonRecords('{"a":1}\n{"a":2}\n', "input"), [{a:1},{a:2}]);
 * ```
 */
export function parseJsonRecords(text: string, source: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === "") throw new InputError(`${source}: empty input`);
  try {
    const value = JSON.parse(trimmed);
    return Array.isArray(value) ? value : [value];
  } catch {
    // Not one JSON document: try JSON lines.
  }
  return parseJsonLines(text, source);
}

function looksLikeYaml(path: string | undefined, text: string): boolean {
  if (path && /\.ya?ml$/i.test(path)) return true;
  const first = text.trimStart()[0];
  return first !== undefined && first !== "{" && first !== "[";
}

/**
 * Guesses the backbone of an archai config from its path (`GPT2` or `TransXL` in a folder name).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backboneFromPath } from "./input.ts";
 * assert.equal(backboneFromPath("saved_logs/random_GPT2_wt103/config_0/j0/model_config.yaml"), "gpt2");
 * ```
 */
export function backboneFromPath(path: string): Backbone | undefined {
  if (/gpt-?2/i.test(path)) return "gpt2";
  if (/trans(former)?-?xl/i.test(path)) return "transformer-xl";
  return undefined;
}

/**
 * Reads and validates every architecture of an input. Validation errors name the record
 * (`record 3: nHead[1]: …`) when there is more than one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readArchs } from "./input.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(
 *   path,
 *   '{"backbone":"gpt2","nLayer":2,"dModel":128,"nHead":2,"dInner":512}\n' +
 *     '{"backbone":"gpt2","nLayer":1,"dModel":64,"nHead":4,"dInner":256}\n',
 * );
 * const archs = await readArchs(path);
 * assert.deepEqual(archs.map((a) => a.nLayer), [2, 1]);
 * await Deno.remove(path);
 * ```
 */
export async function readArchs(
  path: string | undefined,
  options: { backbone?: string } = {},
): Promise<Arch[]> {
  const source = path === undefined || path === "-" ? "stdin" : path;
  const text = await readTextInput(path);
  if (looksLikeYaml(path, text)) {
    const backbone = options.backbone ?? (path ? backboneFromPath(path) : undefined);
    if (backbone === undefined) {
      throw new InputError(
        `${source}: an archai model_config.yaml does not say its backbone; pass --backbone gpt2|transformer-xl`,
      );
    }
    if (!BACKBONES.includes(backbone as Backbone)) {
      throw new InputError(`--backbone: expected gpt2 or transformer-xl, got ${backbone}`);
    }
    return [validateArch(archConfigFromArchaiYaml(text, backbone as Backbone), source)];
  }
  const records = parseJsonRecords(text, source);
  if (records.length === 0) throw new InputError(`${source}: no architectures`);
  return records.map((r, i) =>
    validateArch(r, records.length > 1 ? `${source}: record ${i + 1}` : source)
  );
}

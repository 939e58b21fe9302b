/**
 * Exporting a picked model of a run: its ArchConfig JSON, an archai-style `model_config.yaml`,
 * or an ONNX model (GPT-2 backbone, either dialect, seeded random weights).
 *
 * @module
 */
import { isAbsolute, join, relative, resolve } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { archaiFieldsFromArch, archConfigFromArchaiYaml } from "../arch/archai.ts";
import type { Arch } from "../arch/types.ts";
import { compactArch, validateArch } from "../arch/validate.ts";
import {
  checkOnnxOutput,
  type Dialect,
  emitGpt2,
  writeOnnx,
  type WrittenModel,
} from "../onnx/mod.ts";
import { InputError } from "../util/errors.ts";
import { CANDIDATE_ID_PATTERN } from "./record.ts";
import type { CandidateRecord } from "./types.ts";

/** Export formats. */
export type ExportFormat = "json" | "yaml" | "onnx";

/** The formats, in a fixed order. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ["json", "yaml", "onnx"];

/**
 * The candidate with id `id`, or with a unique id prefix of at least 4 characters. Throws
 * {@linkcode InputError} naming `id` when none or several match.
 *
 * @example
 * ```ts
 * import { findCandidate } from "./export.ts";
 * const records = [{ id: "3f2a9c0d11223344" }, { id: "77aa000000000000" }];
 * findCandidate(records, "3f2a").id; // "3f2a9c0d11223344"
 * ```
 */
export function findCandidate<T extends Pick<CandidateRecord, "id">>(
  records: readonly T[],
  id: string,
): T {
  const exact = records.find((r) => r.id === id);
  if (exact) return exact;
  if (id.length < 4) {
    throw new InputError(`id: ${JSON.stringify(id)} is too short (4 characters or more)`);
  }
  const matches = records.filter((r) => r.id.startsWith(id));
  if (matches.length === 0) throw new InputError(`id: no candidate ${id} in this run`);
  if (matches.length > 1) {
    throw new InputError(`id: ${id} matches ${matches.length} candidates; give more characters`);
  }
  return matches[0];
}

/**
 * Throws {@linkcode InputError} unless `path`, resolved, lies inside `folder` (resolved): the
 * defence against a name that climbs out of it (`../`, an absolute path). Returns the resolved
 * path.
 *
 * @example
 * ```ts
 * import { assertInside } from "./export.ts";
 * assertInside("runs/a/exports", "runs/a/exports/3f2a9c0d11223344.onnx"); // "/…/runs/a/exports/3f2a…"
 * // assertInside("runs/a/exports", "runs/a/exports/../../x.onnx") throws
 * ```
 */
export function assertInside(folder: string, path: string): string {
  const root = resolve(folder);
  const target = resolve(path);
  const rel = relative(root, target);
  if (rel === "" || rel === ".." || rel.startsWith("../") || isAbsolute(rel)) {
    throw new InputError(`${path}: resolves outside ${folder} (refused)`);
  }
  return target;
}

/**
 * Where `export --format onnx` writes a candidate without `--out`: `RUN_DIR/exports/ID.onnx`.
 * The id must be a candidate id (16 lowercase hex digits, as {@linkcode loadRun} accepts) and the
 * path, with its `.data` file, must stay inside `RUN_DIR/exports`; else {@linkcode InputError}.
 *
 * @example
 * ```ts
 * import { defaultOnnxExportPath } from "./export.ts";
 * defaultOnnxExportPath("data/runs/demo", "3f2a9c0d11223344");
 * // "data/runs/demo/exports/3f2a9c0d11223344.onnx"
 * ```
 */
export function defaultOnnxExportPath(runDir: string, id: string): string {
  if (!CANDIDATE_ID_PATTERN.test(id)) {
    throw new InputError(`id: ${JSON.stringify(id)} is not a candidate id (16 hex digits)`);
  }
  const folder = join(runDir, "exports");
  const path = join(folder, `${id}.onnx`);
  assertInside(folder, path);
  assertInside(folder, `${path}.data`);
  return path;
}

async function readIfFile(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    if (e instanceof Deno.errors.IsADirectory) throw new InputError(`--out: ${path} is a folder`);
    if (e instanceof TypeError) return ""; // not text: not ours
    throw e;
  }
}

/**
 * Refuses (an {@linkcode InputError} naming `--out` and the file) to replace an existing file
 * that `export` did not write, unless `force`: for `onnx` a model of ours and its `.data` file
 * (see `checkOnnxOutput`), for `json` an ArchConfig JSON, for `yaml` an archai
 * `model_config.yaml` of a valid architecture.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { checkExportOutput } from "./export.ts";
 * const dir = await Deno.makeTempDir();
 * await checkExportOutput(join(dir, "new-pick.json"), "json", { force: false }); // nothing there
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkExportOutput(
  path: string,
  format: ExportFormat,
  options: { force?: boolean; writesData?: boolean } = {},
): Promise<void> {
  if (format === "onnx") {
    await checkOnnxOutput(path, { force: options.force, writesData: options.writesData ?? true });
    return;
  }
  const text = await readIfFile(path);
  if (text === undefined || options.force) return;
  try {
    if (format === "json") validateArch(JSON.parse(text));
    else {
      let ok = false;
      for (const backbone of ["gpt2", "transformer-xl"] as const) {
        try {
          validateArch(archConfigFromArchaiYaml(text, backbone));
          ok = true;
          break;
        } catch {
          // try the other backbone
        }
      }
      if (!ok) throw new Error("not a model_config");
    }
  } catch {
    throw new InputError(
      `--out: ${path} exists and is not ${
        format === "json" ? "an ArchConfig JSON" : "a model_config.yaml"
      } lts wrote; pass --force to replace it`,
    );
  }
}

/**
 * The compact ArchConfig JSON of an architecture (what every command reads back).
 *
 * @example
 * ```ts
 * import { archJson } from "./export.ts";
 * import { validateArch } from "../arch/validate.ts";
 * archJson(validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256 }));
 * // '{\n  "backbone": "gpt2",\n  "nLayer": 2, …'
 * ```
 */
export function archJson(arch: Arch): string {
  return JSON.stringify(compactArch(arch), null, 2) + "\n";
}

/**
 * An archai-style `model_config.yaml` (snake_case fields, `cutoffs` ending with `n_token`), as the
 * LiteTransformerSearch reference code writes it.
 *
 * @example
 * ```ts
 * import { archaiYaml } from "./export.ts";
 * import { validateArch } from "../arch/validate.ts";
 * archaiYaml(validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256 }));
 * // "n_layer: 2\nd_model: 64\nn_head:\n  - 2\n  - 2\n…"
 * ```
 */
export function archaiYaml(arch: Arch): string {
  return stringifyYaml(archaiFieldsFromArch(arch));
}

/**
 * Writes the ONNX model of an architecture (GPT-2 backbone, any embedding; transformer-xl throws
 * {@linkcode InputError}) with seeded random weights, atomically; large weights go to
 * `<path>.data` beside it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { exportOnnx } from "./export.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256, vocabSize: 1000 });
 * const dir = await Deno.makeTempDir();
 * const written = await exportOnnx(arch, join(dir, "picked.onnx"), { dialect: "fast" });
 * assert.equal(written.onnxPath, join(dir, "picked.onnx"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function exportOnnx(
  arch: Arch,
  path: string,
  options: { dialect?: Dialect; seed?: number; kvCache?: boolean } = {},
): Promise<WrittenModel> {
  return await writeOnnx(emitGpt2(arch, options), path);
}

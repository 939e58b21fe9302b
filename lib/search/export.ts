/**
 * Exporting a picked model of a run: its ArchConfig JSON, an archai-style `model_config.yaml`,
 * or an ONNX model (GPT-2 backbone, either dialect, seeded random weights).
 *
 * @module
 */
import { stringify as stringifyYaml } from "yaml";
import { archaiFieldsFromArch } from "../arch/archai.ts";
import type { Arch } from "../arch/types.ts";
import { compactArch } from "../arch/validate.ts";
import { emitGpt2, type Gpt2Dialect, writeOnnx, type WrittenModel } from "../onnx/mod.ts";
import { InputError } from "../util/errors.ts";
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
 * import { exportOnnx } from "./export.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256, vocabSize: 1000 });
 * const written = await exportOnnx(arch, "data/tmp/picked.onnx", { dialect: "fast" });
 * written.onnxPath; // "data/tmp/picked.onnx"
 * ```
 */
export async function exportOnnx(
  arch: Arch,
  path: string,
  options: { dialect?: Gpt2Dialect; seed?: number; kvCache?: boolean } = {},
): Promise<WrittenModel> {
  return await writeOnnx(emitGpt2(arch, options), path);
}

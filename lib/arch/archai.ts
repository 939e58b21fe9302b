/**
 * Reading archai's `model_config.yaml` (snake_case, as saved by the LiteTransformerSearch
 * reference code) into an {@linkcode ArchConfig}.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { errorLine, InputError } from "../util/errors.ts";
import type { Arch, ArchConfig, Backbone } from "./types.ts";

/**
 * Converts a parsed archai model config object. archai appends `n_token` to `cutoffs` and
 * writes `d_embed: -1` for "same as d_model"; both are undone here. The backbone is not
 * recorded in the file, so the caller names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archConfigFromArchai } from "./archai.ts";
 * const cfg = archConfigFromArchai(
 *   { n_layer: 2, d_model: 128, n_head: [2, 4], d_inner: [300, 400], d_embed: -1, div_val: 1,
 *     cutoffs: [19997, 39997, 199997, 267736], n_token: 267736, tie_weight: true },
 *   "transformer-xl",
 * );
 * assert.equal(cfg.dEmbed, undefined); // d_embed -1: left out, so it defaults to dModel
 * assert.deepEqual(cfg.cutoffs, [19997, 39997, 199997]); // n_token dropped
 * ```
 */
export function archConfigFromArchai(raw: unknown, backbone: Backbone): ArchConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError("model_config: expected a YAML mapping");
  }
  const r = raw as Record<string, unknown>;
  for (const key of ["n_layer", "d_model", "n_head", "d_inner", "n_token"]) {
    if (r[key] === undefined) throw new InputError(`${key}: missing from model_config`);
  }
  const nLayer = r.n_layer as number;
  const dModel = r.d_model as number;
  const vocabSize = r.n_token as number;
  const cfg: ArchConfig = {
    backbone,
    nLayer,
    dModel,
    nHead: r.n_head as number | number[],
    dInner: r.d_inner as number | number[],
    vocabSize,
  };
  if (typeof r.d_embed === "number" && r.d_embed > 0) cfg.dEmbed = r.d_embed;
  if (r.div_val !== undefined) cfg.divVal = r.div_val as number;
  if (Array.isArray(r.cutoffs)) {
    cfg.cutoffs = (r.cutoffs as number[]).filter((c) => typeof c !== "number" || c < vocabSize);
  }
  if (r.tie_weight !== undefined) cfg.tieWeight = r.tie_weight as boolean;
  // archai's GPT-2 wrapper sizes its learned positions by `n_positions`, or by `tgt_len` when the
  // config has none (every published GPT-2 config), so the published totals count tgt_len rows.
  if (backbone === "gpt2") {
    if (typeof r.n_positions === "number") cfg.nPositions = r.n_positions;
    else if (typeof r.tgt_len === "number" && r.tgt_len > 0) cfg.nPositions = r.tgt_len;
  }
  return cfg;
}

/**
 * Parses the text of a `model_config.yaml`. Throws {@linkcode InputError} on bad YAML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archConfigFromArchaiYaml } from "./archai.ts";
 * const cfg = archConfigFromArchaiYaml(
 *   "n_layer: 1\nd_model: 64\nn_head: 2\nd_inner: 128\nn_token: 1000\n",
 *   "gpt2",
 * );
 * assert.equal(cfg.vocabSize, 1000);
 * ```
 */
export function archConfigFromArchaiYaml(text: string, backbone: Backbone): ArchConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new InputError(`model_config: not valid YAML (${errorLine(e)})`);
  }
  return archConfigFromArchai(raw, backbone);
}

/**
 * Converts an {@linkcode ArchConfig}-like normalised architecture to archai's snake_case
 * model-config fields (for export).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { archaiFieldsFromArch } from "./archai.ts";
 * import { validateArch } from "./validate.ts";
 * assert.equal(archaiFieldsFromArch(validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 })).n_layer, 1);
 * ```
 */
export function archaiFieldsFromArch(
  arch: Arch,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    n_layer: arch.nLayer,
    d_model: arch.dModel,
    n_head: [...arch.nHead],
    d_inner: [...arch.dInner],
    d_embed: arch.dEmbed,
    d_head: -1,
    div_val: arch.divVal,
    cutoffs: [...arch.cutoffs, arch.vocabSize],
    n_token: arch.vocabSize,
    tie_weight: arch.tieWeight,
    adaptive: arch.divVal > 1 || arch.dEmbed !== arch.dModel,
  };
  if (arch.backbone === "gpt2") out.n_positions = arch.nPositions;
  return out;
}

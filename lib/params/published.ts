/**
 * Reproducing the parameter counts of the published LiteTransformerSearch benchmark
 * (`params_summary.yaml` of each set in archai's saved logs) from each `model_config.yaml`.
 *
 * Facts of the published data, all checked by `tests/params_test.ts` over every model:
 *
 * - `nonembedding` = {@linkcode decoderParams}, `Attn` = `components.attention`,
 *   `FFN` = `components.ffn`, `AdaEmb` = `embeddingParams`, `total` = `totalParams` with
 *   archai's adaptive softmax, all exact.
 * - The `random_GPT2_lm1b` set was counted with the Transformer-XL model (its `nonembedding`,
 *   `Attn`, `AdaEmb` and `total` all follow the Transformer-XL layout, for all 200 models), so
 *   its counts must be computed with backbone `transformer-xl` even though it is a GPT-2 set.
 *   Every other set follows its own backbone.
 * - GPT-2 configs have no `n_positions`: archai's GPT-2 maps `tgt_len` to `n_positions`, so the
 *   position table holds `tgt_len` rows (32 or 192) and is counted in `AdaEmb`.
 * - The output layer is archai's `ProjectedAdaptiveLogSoftmax` with the config's `tie_projs`.
 *
 * @module
 */
import { archConfigFromArchai } from "../arch/archai.ts";
import type { Arch, Backbone } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { InputError } from "../util/errors.ts";
import { type CountOptions, countParams, type ParamCount } from "./count.ts";

/**
 * For each published set, the backbone whose layout its parameter counts follow.
 * `random_GPT2_lm1b` is the one set whose counts follow the other backbone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PUBLISHED_COUNT_BACKBONE } from "./published.ts";
 * assert.equal(PUBLISHED_COUNT_BACKBONE["random_GPT2_lm1b"], "transformer-xl");
 * ```
 */
export const PUBLISHED_COUNT_BACKBONE: Readonly<Record<string, Backbone>> = {
  "pareto_GPT2_lm1b_arm": "gpt2",
  "pareto_GPT2_lm1b_corei7": "gpt2",
  "pareto_GPT2_lm1b_titanxp": "gpt2",
  "pareto_TransXL_lm1b_arm": "transformer-xl",
  "pareto_TransXL_lm1b_corei7": "transformer-xl",
  "pareto_TransXL_lm1b_titanxp": "transformer-xl",
  "random_GPT2_lm1b": "transformer-xl",
  "random_GPT2_wt103": "gpt2",
  "random_TransXL_lm1b": "transformer-xl",
  "random_TransXL_wt103": "transformer-xl",
  "random_TransXL_wt103_homogeneous": "transformer-xl",
};

/**
 * The backbone a published set names (`GPT2` or `TransXL` in its folder name), whatever its
 * counts follow.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedSetBackbone } from "./published.ts";
 * assert.equal(publishedSetBackbone("random_GPT2_lm1b"), "gpt2");
 * ```
 */
export function publishedSetBackbone(setName: string): Backbone {
  if (/GPT2/i.test(setName)) return "gpt2";
  if (/TransXL/i.test(setName)) return "transformer-xl";
  throw new InputError(`${setName}: not a published set name (expected GPT2 or TransXL in it)`);
}

/**
 * The backbone whose layout a published set's parameter counts follow: its own backbone,
 * except `random_GPT2_lm1b`, counted as Transformer-XL. A benchmark loader should count that
 * set's models with this backbone to reproduce `nonembedding`, and keep
 * {@linkcode publishedSetBackbone} for the model that was trained and measured.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedCountBackbone } from "./published.ts";
 * assert.equal(publishedCountBackbone("random_GPT2_lm1b"), "transformer-xl");
 * assert.equal(publishedCountBackbone("random_GPT2_wt103"), "gpt2");
 * ```
 */
export function publishedCountBackbone(setName: string): Backbone {
  return PUBLISHED_COUNT_BACKBONE[setName] ?? publishedSetBackbone(setName);
}

/**
 * The architecture and count options that reproduce a published model's counts, from its
 * parsed `model_config.yaml` and its set name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedArch } from "./published.ts";
 * const { arch, options } = publishedArch(
 *   { n_layer: 2, d_model: 128, n_head: 2, d_inner: 512, d_embed: -1, div_val: 1, n_token: 50264,
 *     cutoffs: [19997, 39997, 199997, 50264], tie_projs: [false, true, true, true], tgt_len: 192 },
 *   "random_GPT2_wt103",
 * );
 * assert.equal(arch.nPositions, 192);
 * assert.deepEqual(options.tieProjs, [false, true, true, true]);
 * ```
 */
export function publishedArch(
  modelConfig: unknown,
  setName: string,
): { arch: Arch; options: CountOptions } {
  const backbone = publishedCountBackbone(setName);
  const cfg = archConfigFromArchai(modelConfig, backbone);
  const raw = modelConfig as Record<string, unknown>;
  const arch = validateArch(cfg, setName);
  const options: CountOptions = { head: "adaptive-softmax" };
  if (Array.isArray(raw.tie_projs)) options.tieProjs = raw.tie_projs.map((t) => Boolean(t));
  return { arch, options };
}

/** The five numbers of a `params_summary.yaml` entry. */
export interface PublishedParamCount {
  AdaEmb: number;
  Attn: number;
  FFN: number;
  nonembedding: number;
  total: number;
}

/**
 * Computes a published model's `params_summary.yaml` entry from its parsed `model_config.yaml`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedParamCount } from "./published.ts";
 * const count = publishedParamCount(
 *   { n_layer: 5, d_model: 128, n_head: [2, 4, 4, 8, 8], d_inner: [1071, 640, 1286, 800, 1871],
 *     d_embed: 256, div_val: 4, n_token: 50264, cutoffs: [19997, 39997, 199997, 50264],
 *     tie_projs: [false, true, true, true], tie_weight: true, tgt_len: 192 },
 *   "random_GPT2_wt103",
 * );
 * assert.deepEqual(count, { AdaEmb: 6631088, Attn: 330240, FFN: 1457316, nonembedding: 1790372, total: 8505006 });
 * ```
 */
export function publishedParamCount(modelConfig: unknown, setName: string): PublishedParamCount {
  const { arch, options } = publishedArch(modelConfig, setName);
  return publishedFields(countParams(arch, options));
}

/**
 * The `params_summary.yaml` fields of a count made with archai's adaptive softmax.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publishedFields } from "./published.ts";
 * import { countParams } from "./count.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "transformer-xl", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
 * assert.equal(publishedFields(countParams(arch)).nonembedding, 2 * (5 * 64 ** 2 + 7 * 64 + 2 * 64 * 128 + 128));
 * ```
 */
export function publishedFields(count: ParamCount): PublishedParamCount {
  return {
    AdaEmb: count.embeddingParams,
    Attn: count.components.attention,
    FFN: count.components.ffn,
    nonembedding: count.decoderParams,
    total: count.totalParams,
  };
}

/**
 * Parameter counts of one GPT-2 decoder block in the Hugging Face layout (`GPT2Block`):
 * `attn.c_attn` (d → 3d, with bias), `attn.c_proj` (d → d, with bias), `mlp.c_fc`
 * (d → d_inner), `mlp.c_proj` (d_inner → d), and the two LayerNorms `ln_1`, `ln_2`. The model
 * ends with one more LayerNorm `ln_f`.
 *
 * Heads only split the width (d_head = d / n_head), so the count does not depend on them.
 *
 * @module
 */

/** Parameters of one decoder block, split the way archai's `get_params` splits them. */
export interface LayerParams {
  /** Attention weights and biases (no LayerNorm). */
  attention: number;
  /** Feed-forward weights and biases (no LayerNorm). */
  ffn: number;
  /** The block's LayerNorm gains and biases. */
  layerNorm: number;
  /** `attention + ffn + layerNorm`. */
  total: number;
}

/**
 * Parameters of one GPT-2 block: attention 4d² + 4d, feed-forward 2·d·d_inner + d_inner + d,
 * two LayerNorms 4d.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gpt2LayerParams } from "./gpt2.ts";
 * assert.equal(gpt2LayerParams(768, 3072).total, 7087872); // one block of GPT-2 small
 * ```
 */
export function gpt2LayerParams(dModel: number, dInner: number): LayerParams {
  const d = dModel;
  const attention = (d * 3 * d + 3 * d) + (d * d + d);
  const ffn = (d * dInner + dInner) + (dInner * d + d);
  const layerNorm = 2 * (2 * d);
  return { attention, ffn, layerNorm, total: attention + ffn + layerNorm };
}

/**
 * Parameters of GPT-2's final LayerNorm (`ln_f`): 2d.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gpt2FinalLayerNormParams } from "./gpt2.ts";
 * assert.equal(gpt2FinalLayerNormParams(768), 1536);
 * ```
 */
export function gpt2FinalLayerNormParams(dModel: number): number {
  return 2 * dModel;
}

/**
 * Parameters of GPT-2's learned absolute position table (`wpe`): n_positions·d.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gpt2PositionEmbeddingParams } from "./gpt2.ts";
 * assert.equal(gpt2PositionEmbeddingParams(1024, 768), 786432);
 * ```
 */
export function gpt2PositionEmbeddingParams(nPositions: number, dModel: number): number {
  return nPositions * dModel;
}

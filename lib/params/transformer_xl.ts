/**
 * Parameter counts of one Transformer-XL decoder block as archai builds it
 * (`RelPartialLearnableDecoderLayer` of `mem_transformer`, attention type 0, post-LN):
 * `qkv_net` (d → 3·n_head·d_head, no bias), `o_net` (n_head·d_head → d, no bias), the
 * relative-position projection `r_net` (d → n_head·d_head, no bias), the per-layer learned
 * biases `r_w_bias` and `r_r_bias` (n_head·d_head each), a feed-forward `CoreNet`
 * (d → d_inner → d, with biases) and two LayerNorms. There is no final LayerNorm and no
 * position table (positions are sinusoidal).
 *
 * With d_head = d / n_head (archai's `d_head: -1`) a block holds
 * 5d² + 7d + 2·d·d_inner + d_inner parameters, whatever the number of heads.
 *
 * @module
 */
import type { LayerParams } from "./gpt2.ts";

/**
 * Parameters of one Transformer-XL block. `attention` counts q/k/v, output and `r_net`
 * projections plus `r_w_bias` and `r_r_bias` (5d² + 2d), which is what the published
 * benchmark calls `Attn`; `ffn` is 2·d·d_inner + d_inner + d (`FFN`); `layerNorm` is 4d.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { transformerXlLayerParams } from "./transformer_xl.ts";
 * assert.equal(transformerXlLayerParams(512, 8, 2048).total, 5 * 512 ** 2 + 7 * 512 + 2 * 512 * 2048 + 2048);
 * ```
 */
export function transformerXlLayerParams(
  dModel: number,
  nHead: number,
  dInner: number,
): LayerParams {
  const d = dModel;
  const inner = nHead * Math.floor(d / nHead); // n_head·d_head
  const projections = d * 3 * inner + inner * d + d * inner; // qkv_net, o_net, r_net
  const relativeBiases = 2 * inner; // r_w_bias, r_r_bias
  const attention = projections + relativeBiases;
  const ffn = (d * dInner + dInner) + (dInner * d + d);
  const layerNorm = 2 * (2 * d);
  return { attention, ffn, layerNorm, total: attention + ffn + layerNorm };
}

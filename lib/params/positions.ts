/**
 * The parameter convention of the paper's OPT-350M table: decoder parameters plus the learned
 * position embedding (for OPT-scale models, 2048·d_model).
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { decoderParams } from "./count.ts";
import { gpt2PositionEmbeddingParams } from "./gpt2.ts";

/**
 * Decoder parameters plus the learned positions (`nPositions·dModel` for gpt2; Transformer-XL
 * has none), as the paper's OPT-350M table counts them. Equals `countParams(arch).decoderParams
 * + countParams(arch).components.positionEmbedding`.
 *
 * @example
 * ```ts
 * import { decoderParamsWithPositions } from "./positions.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const opt350m = validateArch({
 *   backbone: "gpt2", nLayer: 24, dModel: 1024, nHead: 16, dInner: 4096, vocabSize: 50272,
 *   nPositions: 2048,
 * });
 * assert.equal(decoderParamsWithPositions(opt350m), 302_311_424 + 2048 * 1024);
 * ```
 */
export function decoderParamsWithPositions(arch: Arch): number {
  const positions = arch.backbone === "gpt2"
    ? gpt2PositionEmbeddingParams(arch.nPositions, arch.dModel)
    : 0;
  return decoderParams(arch) + positions;
}

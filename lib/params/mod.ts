/**
 * Parameter counting for GPT-2 and Transformer-XL architectures: the decoder-parameter proxy
 * of LiteTransformerSearch, a breakdown by component and layer, and the published benchmark's
 * conventions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countParams, decoderParams } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 });
 * assert.equal(decoderParams(arch), 85056000);
 * assert.equal(countParams(arch).totalParams, 124439808);
 * ```
 *
 * @module
 */
export * from "./gpt2.ts";
export * from "./transformer_xl.ts";
export * from "./embedding.ts";
export * from "./count.ts";
export * from "./published.ts";
export * from "./positions.ts";

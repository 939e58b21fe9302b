/**
 * Search spaces of decoder-only architectures: the named presets (LiteTransformerSearch's GPT-2
 * and Transformer-XL spaces, its OPT-350M comparison, a text-predictor case study), each also
 * homogeneous; seeded sampling, mutation and crossover that only ever return valid
 * architectures inside the space; membership; and the exact size of a space (also under the
 * reading in which every layer draws its own d_model, `perLayerDModelSpaceSize`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   crossoverArch,
 *   getSpace,
 *   inSpace,
 *   mutateArch,
 *   perLayerDModelSpaceSize,
 *   sampleArch,
 *   spaceSize,
 * } from "./mod.ts";
 * import { createRng } from "../util/rng.ts";
 * const space = getSpace("lts-gpt2", { dInnerRatio: 1.7 });
 * const rng = createRng(42);
 * const a = sampleArch(space, rng);
 * const b = mutateArch(space, a, rng, 0.3);
 * const child = crossoverArch(space, a, b, rng);
 * assert.equal(inSpace(space, child), true);
 * assert.equal(spaceSize(space).log10.toFixed(1), "37.6");
 * assert.equal(perLayerDModelSpaceSize(space).log10.toFixed(1), "54.5"); // d_model drawn per layer too
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./define.ts";
export * from "./genes.ts";
export * from "./presets.ts";
export * from "./contains.ts";
export * from "./ops.ts";
export * from "./size.ts";

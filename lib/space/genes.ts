/**
 * The values each gene may take given `dModel`: the per-layer choices (`nHead`, `dInner`) and
 * the embedding choices (`dEmbed`, `divVal`) that keep an architecture valid and inside a space.
 *
 * @module
 */
import type { SearchSpace } from "./types.ts";

/** Relative slack when comparing `dInner` with `dInnerRatio · dModel` (float ratios). */
const RATIO_SLACK = 1e-12;

/**
 * Whether `dInner` meets the space's lower bound `dInnerRatio · dModel`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSpace } from "./presets.ts";
 * import { meetsDInnerRatio } from "./genes.ts";
 * assert.equal(meetsDInnerRatio(getSpace("lts-gpt2"), 512, 1024), true); // 2.0 · 512 = 1024
 * ```
 */
export function meetsDInnerRatio(space: SearchSpace, dModel: number, dInner: number): boolean {
  return dInner >= space.dInnerRatio * dModel * (1 - RATIO_SLACK);
}

/**
 * The `dInner` values of a space allowed with `dModel`, ascending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSpace } from "./presets.ts";
 * import { dInnerChoices } from "./genes.ts";
 * assert.equal(dInnerChoices(getSpace("lts-gpt2"), 1024)[0], 2048);
 * ```
 */
export function dInnerChoices(space: SearchSpace, dModel: number): number[] {
  return space.dInner.filter((d) => meetsDInnerRatio(space, dModel, d));
}

/**
 * The `nHead` values of a space that divide `dModel`, ascending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineSpace } from "./define.ts";
 * import { nHeadChoices } from "./genes.ts";
 * const space = defineSpace({
 *   name: "x", backbone: "gpt2", nLayer: [1], dModel: [96], nHead: [2, 5, 8], dInner: [256],
 * });
 * assert.deepEqual(nHeadChoices(space, 96), [2, 8]);
 * ```
 */
export function nHeadChoices(space: SearchSpace, dModel: number): number[] {
  return space.nHead.filter((h) => dModel % h === 0);
}

/** One embedding configuration. */
export interface EmbeddingChoice {
  /** Embedding width. */
  dEmbed: number;
  /** Adaptive-embedding factor k. */
  divVal: number;
}

/**
 * Whether an adaptive embedding is valid: with `divVal > 1` the last cluster,
 * `dEmbed / divVal^clusters` wide, must keep at least one unit (the rule of `validateArch`).
 *
 * @example
 * ```ts
 * import { getSpace } from "./presets.ts";
 * import { isValidEmbedding } from "./genes.ts";
 * isValidEmbedding(getSpace("lts-transformer-xl"), 128, 4); // true: 128 / 4³ = 2
 * ```
 */
export function isValidEmbedding(space: SearchSpace, dEmbed: number, divVal: number): boolean {
  return divVal === 1 || Math.floor(dEmbed / divVal ** space.cutoffs.length) >= 1;
}

/**
 * The valid `(dEmbed, divVal)` pairs of a space with `dModel`, `dEmbed` major.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddingChoices, getSpace } from "./mod.ts";
 * embeddingChoices(getSpace("lts-gpt2"), 256).length; // 9 (3 widths × 3 factors)
 * assert.deepEqual(embeddingChoices(getSpace("opt-350m"), 1024), [{ dEmbed: 1024, divVal: 1 }]);
 * ```
 */
export function embeddingChoices(space: SearchSpace, dModel: number): EmbeddingChoice[] {
  const widths = space.dEmbed === "dModel" ? [dModel] : space.dEmbed;
  const out: EmbeddingChoice[] = [];
  for (const dEmbed of widths) {
    for (const divVal of space.divVal) {
      if (isValidEmbedding(space, dEmbed, divVal)) out.push({ dEmbed, divVal });
    }
  }
  return out;
}

/**
 * Number of per-layer gene slots of a space's genome: the largest `nLayer`, or 1 when
 * homogeneous (one block configuration for every layer).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { genomeSlots, getSpace } from "./mod.ts";
 * assert.equal(genomeSlots(getSpace("lts-gpt2")), 16);
 * assert.equal(genomeSlots(getSpace("lts-gpt2", { homogeneous: true })), 1);
 * ```
 */
export function genomeSlots(space: SearchSpace): number {
  return space.homogeneous ? 1 : Math.max(...space.nLayer);
}

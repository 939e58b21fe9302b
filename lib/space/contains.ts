/**
 * Membership: whether a validated architecture lies inside a search space, and if not, why.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { decoderParams } from "../params/mod.ts";
import { isValidEmbedding, meetsDInnerRatio } from "./genes.ts";
import type { SearchSpace } from "./types.ts";

/**
 * Whether a decoder-parameter count is within a space's bounds (inclusive).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSpace } from "./presets.ts";
 * import { withinParamBounds } from "./contains.ts";
 * assert.equal(withinParamBounds(getSpace("text-predictor"), 150e6), true);
 * ```
 */
export function withinParamBounds(space: SearchSpace, params: number): boolean {
  return (space.minDecoderParams === undefined || params >= space.minDecoderParams) &&
    (space.maxDecoderParams === undefined || params <= space.maxDecoderParams);
}

const list = (xs: readonly number[]) => `{${xs.join(", ")}}`;

/**
 * Why an architecture is not in a space (one line naming the field), or `undefined` when it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateArch } from "../arch/validate.ts";
 * import { getSpace } from "./presets.ts";
 * import { whyNotInSpace } from "./contains.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 512, nHead: 8, dInner: 768 });
 * assert.equal(whyNotInSpace(getSpace("lts-gpt2"), arch), "dInner[0]: 768 is below 2·dModel = 1024");
 * ```
 */
export function whyNotInSpace(space: SearchSpace, arch: Arch): string | undefined {
  if (arch.backbone !== space.backbone) {
    return `backbone: ${arch.backbone} is not ${space.backbone}`;
  }
  if (!space.nLayer.includes(arch.nLayer)) {
    return `nLayer: ${arch.nLayer} is not in ${list(space.nLayer)}`;
  }
  if (!space.dModel.includes(arch.dModel)) {
    return `dModel: ${arch.dModel} is not in ${list(space.dModel)}`;
  }
  if (space.dEmbed === "dModel") {
    if (arch.dEmbed !== arch.dModel) {
      return `dEmbed: ${arch.dEmbed} is not dModel ${arch.dModel} (plain embedding)`;
    }
  } else if (!space.dEmbed.includes(arch.dEmbed)) {
    return `dEmbed: ${arch.dEmbed} is not in ${list(space.dEmbed)}`;
  }
  if (!space.divVal.includes(arch.divVal)) {
    return `divVal: ${arch.divVal} is not in ${list(space.divVal)}`;
  }
  if (!isValidEmbedding(space, arch.dEmbed, arch.divVal)) {
    return `divVal: ${arch.divVal} leaves a cluster of width 0 (dEmbed ${arch.dEmbed})`;
  }
  if (arch.vocabSize !== space.vocabSize) {
    return `vocabSize: ${arch.vocabSize} is not ${space.vocabSize}`;
  }
  if (arch.nPositions !== space.nPositions) {
    return `nPositions: ${arch.nPositions} is not ${space.nPositions}`;
  }
  if (arch.cutoffs.join() !== space.cutoffs.join()) {
    return `cutoffs: [${arch.cutoffs}] is not [${space.cutoffs}]`;
  }
  if (arch.tieWeight !== space.tieWeight) {
    return `tieWeight: ${arch.tieWeight} is not ${space.tieWeight}`;
  }
  for (let i = 0; i < arch.nLayer; i++) {
    const h = arch.nHead[i], d = arch.dInner[i];
    if (!space.nHead.includes(h)) return `nHead[${i}]: ${h} is not in ${list(space.nHead)}`;
    if (arch.dModel % h !== 0) return `nHead[${i}]: ${h} does not divide dModel ${arch.dModel}`;
    if (!space.dInner.includes(d)) {
      return `dInner[${i}]: ${d} is not in ${space.dInner[0]}…${space.dInner.at(-1)}`;
    }
    if (!meetsDInnerRatio(space, arch.dModel, d)) {
      return `dInner[${i}]: ${d} is below ${space.dInnerRatio}·dModel = ${
        space.dInnerRatio * arch.dModel
      }`;
    }
    if (space.homogeneous && (h !== arch.nHead[0] || d !== arch.dInner[0])) {
      return `layer ${i}: differs from layer 0 in a homogeneous space`;
    }
  }
  if (space.minDecoderParams !== undefined || space.maxDecoderParams !== undefined) {
    const params = decoderParams(arch);
    if (!withinParamBounds(space, params)) {
      return `decoderParams: ${params} is outside ${space.minDecoderParams ?? 0}…${
        space.maxDecoderParams ?? "∞"
      }`;
    }
  }
  return undefined;
}

/**
 * Whether a validated architecture lies inside a space.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateArch } from "../arch/validate.ts";
 * import { getSpace } from "./presets.ts";
 * import { inSpace } from "./contains.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 24, dModel: 1024, nHead: 16, dInner: 4096,
 *   vocabSize: 50272, nPositions: 2048,
 * });
 * assert.equal(inSpace(getSpace("opt-350m"), arch), true);
 * ```
 */
export function inSpace(space: SearchSpace, arch: Arch): boolean {
  return whyNotInSpace(space, arch) === undefined;
}

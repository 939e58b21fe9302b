/**
 * The exact number of distinct valid architectures in a search space.
 *
 * Without parameter bounds the count is a closed form. Given `dModel`, let `E` be the number of
 * valid embeddings (`dEmbed` × `divVal`, or 1 for a plain embedding) and `L` the number of valid
 * layer configurations (`nHead` dividing `dModel` × `dInner ≥ dInnerRatio · dModel`). Then
 *
 *     count = Σ_dModel Σ_nLayer E · L^nLayer        (heterogeneous)
 *     count = Σ_dModel Σ_nLayer E · L               (homogeneous)
 *
 * With decoder-parameter bounds the count is still exact: decoder parameters are a constant
 * `c(dModel)` plus a sum of per-layer terms `t(dModel, nHead[i], dInner[i])` and do not depend on
 * the embedding. Both are read off `decoderParams` itself (a 1- and a 2-layer probe; additivity is
 * checked), and a dynamic programme over layers counts the per-layer sequences whose total
 * lies within the bounds: the per-layer terms, shifted by their minimum and divided by the
 * gcd of their differences, become small integers (for the preset grids, the index of `dInner`
 * on its step-64 grid), so the distribution of the sum is a short array of bigints per layer
 * count. Nothing is approximated.
 *
 * The LiteTransformerSearch paper says its GPT-2 space holds "more than 10^54" architectures.
 * Which number its ranges give depends on how d_model is read:
 *
 * - **One d_model for the whole model** (this library's reading: an `Arch` has one `dModel`,
 *   the residual stream has one width). Counted exactly by {@linkcode spaceSize}, `lts-gpt2`
 *   holds about 10^37.5 architectures (ratio 2.0; 10^37.6 with the authors' code's 1.7; 10^38.3
 *   with no bound); the homogeneous variant about 10^5.5. With d_model = 128 a layer has
 *   3 heads × 61 widths = 183 configurations, and 9 embeddings × 183^16 ≈ 10^37.2 already
 *   dominates the sum. Counting each gene independently over a fixed 16-slot genome
 *   (15 · 15 · 3 · 3 · 183^16, which over-counts since unused slots do not make distinct
 *   architectures) gives 10^39.5, so the paper's figure cannot come from this reading.
 * - **d_model drawn per layer too** (a possible reading of the paper's Figure 2). Then a layer
 *   has Σ over the 15 d_model values of 3 heads × the widths with d_inner ≥ 2·d_model
 *   = 3 · (61 + 59 + … + 33) = 2115 configurations, and 9 · Σ_{n=2..16} 2115^n ≈ 10^54.2
 *   (10^54.5 with ratio 1.7): the paper's "more than 10^54".
 *   {@linkcode perLayerDModelSpaceSize} counts this reading exactly. Such architectures cannot
 *   be built as one residual stream without projections between layers, and nothing else in
 *   this library (validation, parameter counts, emission, search) supports them.
 *
 * In both readings `d_embed` and k count (×9), and the bound d_inner ≥ 2·d_model removes a
 * factor of about 6 (10^0.8) from the shared-d_model count.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { decoderParams } from "../params/mod.ts";
import { InputError } from "../util/errors.ts";
import { dInnerChoices, embeddingChoices, nHeadChoices } from "./genes.ts";
import type { SearchSpace, SpaceSize } from "./types.ts";

/**
 * `log10` of a non-negative bigint as a float (`-Infinity` for 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bigLog10 } from "./size.ts";
 * assert.equal(bigLog10(10n ** 60n), 60);
 * ```
 */
export function bigLog10(n: bigint): number {
  if (n < 0n) throw new RangeError("bigLog10: negative");
  if (n === 0n) return -Infinity;
  const text = n.toString();
  if (text.length <= 15) return Math.log10(Number(n));
  return Math.log10(Number(text.slice(0, 17))) + (text.length - 17);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

/** Decoder-parameter model of one `dModel`: constant part and per-layer terms. */
interface ParamModel {
  constantParams: number;
  /** Per-layer parameter term → number of (nHead, dInner) pairs giving it. */
  layerTerms: Map<number, number>;
}

function probeArch(
  space: SearchSpace,
  dModel: number,
  layers: [number, number][],
  embed: { dEmbed: number; divVal: number },
): Arch {
  return {
    backbone: space.backbone,
    nLayer: layers.length,
    dModel,
    nHead: layers.map(([h]) => h),
    dInner: layers.map(([, d]) => d),
    dEmbed: embed.dEmbed,
    divVal: embed.divVal,
    cutoffs: [...space.cutoffs],
    vocabSize: space.vocabSize,
    nPositions: space.nPositions,
    tieWeight: space.tieWeight,
  };
}

function paramModel(
  space: SearchSpace,
  dModel: number,
  heads: number[],
  inners: number[],
): ParamModel {
  const embeds = embeddingChoices(space, dModel);
  const count = (layers: [number, number][], embed = embeds[0]) =>
    decoderParams(probeArch(space, dModel, layers, embed));
  const first: [number, number] = [heads[0], inners[0]];
  const last: [number, number] = [heads.at(-1)!, inners.at(-1)!];
  const one = count([first]);
  const term0 = count([first, first]) - one;
  const constantParams = one - term0;
  const layerTerms = new Map<number, number>();
  for (const h of heads) {
    for (const d of inners) {
      const term = count([[h, d]]) - constantParams;
      layerTerms.set(term, (layerTerms.get(term) ?? 0) + 1);
    }
  }
  // The dynamic programme relies on these; fail loudly rather than count wrong.
  const mixed = count([first, last]);
  const expected = constantParams + term0 + (count([last]) - constantParams);
  if (mixed !== expected) {
    throw new Error(`spaceSize: decoderParams is not a sum of per-layer terms (dModel ${dModel})`);
  }
  if (embeds.some((e) => count([first], e) !== one)) {
    throw new Error(`spaceSize: decoderParams depends on the embedding (dModel ${dModel})`);
  }
  return { constantParams, layerTerms };
}

/** Run-length form of a polynomial's coefficients: `[start, end, coefficient]`, inclusive. */
type Runs = [number, number, bigint][];

function toRuns(coefficients: bigint[]): Runs {
  const runs: Runs = [];
  for (let u = 0; u < coefficients.length; u++) {
    const c = coefficients[u];
    if (c === 0n) continue;
    const last = runs.at(-1);
    if (last && last[1] === u - 1 && last[2] === c) last[1] = u;
    else runs.push([u, u, c]);
  }
  return runs;
}

/** Product of a polynomial (dense coefficients) and one given as runs. */
function multiply(dp: bigint[], runs: Runs, maxDegree: number): bigint[] {
  const prefix: bigint[] = [0n];
  for (const c of dp) prefix.push(prefix[prefix.length - 1] + c);
  const degree = Math.min(dp.length - 1 + runs[runs.length - 1][1], maxDegree);
  const out: bigint[] = new Array(degree + 1);
  for (let k = 0; k <= degree; k++) {
    let sum = 0n;
    for (const [start, end, c] of runs) {
      const lo = Math.max(0, k - end), hi = Math.min(dp.length - 1, k - start);
      if (lo <= hi) sum += c * (prefix[hi + 1] - prefix[lo]);
    }
    out[k] = sum;
  }
  return out;
}

function boundedCount(space: SearchSpace, model: ParamModel): bigint {
  const lo = space.minDecoderParams === undefined ? -Infinity : Math.ceil(space.minDecoderParams);
  const hi = space.maxDecoderParams === undefined ? Infinity : Math.floor(space.maxDecoderParams);
  const { constantParams: c0, layerTerms } = model;
  const nLayers = new Set(space.nLayer);
  let count = 0n;
  if (space.homogeneous) {
    for (const n of nLayers) {
      for (const [term, multiplicity] of layerTerms) {
        const total = c0 + n * term;
        if (total >= lo && total <= hi) count += BigInt(multiplicity);
      }
    }
    return count;
  }
  const terms = [...layerTerms.keys()];
  const base = Math.min(...terms);
  const step = terms.reduce((g, t) => gcd(g, t - base), 0) || 1;
  const coefficients: bigint[] = [];
  for (const [term, multiplicity] of layerTerms) {
    coefficients[(term - base) / step] = BigInt(multiplicity);
  }
  const runs = toRuns(Array.from(coefficients, (c) => c ?? 0n));
  let dp: bigint[] = [1n];
  const maxLayers = Math.max(...nLayers);
  for (let n = 1; n <= maxLayers; n++) {
    // Per-layer terms are non-negative, so a partial sum above the bound stays above it.
    const offset = c0 + n * base;
    const maxDegree = base >= 0 && hi !== Infinity ? Math.floor((hi - offset) / step) : Infinity;
    if (maxDegree < 0) break;
    dp = multiply(dp, runs, maxDegree);
    if (!nLayers.has(n)) continue;
    const from = Math.max(0, lo === -Infinity ? 0 : Math.ceil((lo - offset) / step));
    const to = Math.min(
      dp.length - 1,
      hi === Infinity ? dp.length - 1 : Math.floor((hi - offset) / step),
    );
    for (let u = from; u <= to; u++) count += dp[u];
  }
  return count;
}

/**
 * The exact number of distinct valid architectures of a space, and its `log10`.
 *
 * @example
 * ```ts
 * import { getSpace } from "./presets.ts";
 * import { spaceSize } from "./size.ts";
 * const { count, log10 } = spaceSize(getSpace("lts-gpt2", { homogeneous: true }));
 * count.toString(); // an exact decimal integer
 * ```
 */
export function spaceSize(space: SearchSpace): SpaceSize {
  const bounded = space.minDecoderParams !== undefined || space.maxDecoderParams !== undefined;
  let count = 0n;
  for (const dModel of space.dModel) {
    const heads = nHeadChoices(space, dModel), inners = dInnerChoices(space, dModel);
    const embeds = BigInt(embeddingChoices(space, dModel).length);
    if (heads.length === 0 || inners.length === 0 || embeds === 0n) continue;
    let layerCount: bigint;
    if (bounded) {
      layerCount = boundedCount(space, paramModel(space, dModel, heads, inners));
    } else {
      const perLayer = BigInt(heads.length * inners.length);
      layerCount = 0n;
      for (const n of space.nLayer) {
        layerCount += space.homogeneous ? perLayer : perLayer ** BigInt(n);
      }
    }
    count += embeds * layerCount;
  }
  return { count, log10: bigLog10(count) };
}

/**
 * The exact number of architectures of a space if every layer drew its own `dModel` as well as
 * its own `nHead` and `dInner` (a reading of the LiteTransformerSearch paper's Figure 2; see
 * the module doc), and its `log10`. Each layer independently takes a `dModel` of the space, an
 * `nHead` of the space dividing it and a `dInner` of the space with `dInner ≥ dInnerRatio ·`
 * that layer's `dModel`; the embedding (`dEmbed` × `divVal`, the valid pairs as in
 * {@linkcode embeddingChoices}) is chosen once per model:
 *
 *     count = E · Σ_nLayer (Σ_dModel |nHead choices| · |dInner choices|)^nLayer
 *
 * With a single `dModel` this equals {@linkcode spaceSize}. Such architectures are not
 * `Arch`es (which have one `dModel`), so this is a count only. Throws {@linkcode InputError}
 * for a homogeneous space, decoder-parameter bounds, or `dEmbed: "dModel"`, none of which has
 * a per-layer-d_model meaning here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSpace } from "./presets.ts";
 * import { perLayerDModelSpaceSize, spaceSize } from "./size.ts";
 * assert.equal(perLayerDModelSpaceSize(getSpace("lts-gpt2")).log10.toFixed(2), "54.16"); // the paper's "more than 10^54"
 * assert.equal(spaceSize(getSpace("lts-gpt2")).log10.toFixed(2), "37.52"); // one d_model per model
 * ```
 */
export function perLayerDModelSpaceSize(space: SearchSpace): SpaceSize {
  if (space.homogeneous) {
    throw new InputError(
      "perLayerDModelSpaceSize: a homogeneous space has one block for all layers",
    );
  }
  if (space.minDecoderParams !== undefined || space.maxDecoderParams !== undefined) {
    throw new InputError(
      "perLayerDModelSpaceSize: decoder-parameter bounds are not supported (decoder parameters " +
        "of a per-layer d_model are not defined here)",
    );
  }
  if (space.dEmbed === "dModel") {
    throw new InputError(
      'perLayerDModelSpaceSize: dEmbed "dModel" names no width when every layer has its own d_model',
    );
  }
  // Embedding validity does not depend on dModel when the widths are fixed.
  const embeds = BigInt(embeddingChoices(space, space.dModel[0]).length);
  let perLayer = 0n;
  for (const dModel of space.dModel) {
    perLayer += BigInt(nHeadChoices(space, dModel).length * dInnerChoices(space, dModel).length);
  }
  let count = 0n;
  for (const n of new Set(space.nLayer)) count += embeds * perLayer ** BigInt(n);
  return { count, log10: bigLog10(count) };
}

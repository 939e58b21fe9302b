/**
 * The aspect-ratio study: architectures of (about) the same decoder-parameter budget, from wide
 * and shallow to narrow and deep. Every layer is the same block (d_inner = ratio·d_model, a fixed
 * head count); the number of layers is derived from the budget for each width.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { gpt2FinalLayerNormParams, gpt2LayerParams } from "../params/gpt2.ts";
import { InputError } from "../util/errors.ts";

/** Options of {@linkcode aspectRatioArchs}. */
export interface AspectRatioOptions {
  /** Widths to try (each must be divisible by `nHead`). */
  dModels: readonly number[];
  /** d_inner = dInnerRatio·d_model; default 2 (the paper's lower bound). */
  dInnerRatio?: number;
  /** Heads in every layer; default 8. */
  nHead?: number;
  /** Keep an architecture only if its decoder params are within this relative distance of the
   * budget; default 0.1 (10 %). */
  tolerance?: number;
  /** Largest number of layers; default 64. */
  maxLayers?: number;
  /** Extra fixed fields (vocabulary, positions) of every architecture. */
  base?: { vocabSize?: number; nPositions?: number };
}

/** One architecture of the study. */
export interface AspectRatioArch {
  budgetDecoderParams: number;
  arch: Arch;
  dModel: number;
  nLayer: number;
  /** d_model / n_layer: large is wide and shallow, small is narrow and deep. */
  aspectRatio: number;
  decoderParams: number;
  /** (decoderParams − budget) / budget. */
  budgetError: number;
}

/**
 * GPT-2 architectures close to a decoder-parameter budget, one per width whose derived depth
 * lands within the tolerance, sorted from narrow-deep to wide-shallow.
 *
 * @example
 * ```ts
 * import { aspectRatioArchs } from "./aspect_ratio.ts";
 * const rows = aspectRatioArchs(20e6, { dModels: [256, 384, 512, 768] });
 * rows.map((r) => [r.dModel, r.nLayer]); // e.g. [[256, 38], [384, 17], [512, 9], [768, 4]]
 * ```
 */
export function aspectRatioArchs(
  budgetDecoderParams: number,
  options: AspectRatioOptions,
): AspectRatioArch[] {
  const { dInnerRatio = 2, nHead = 8, tolerance = 0.1, maxLayers = 64 } = options;
  if (!(budgetDecoderParams > 0)) {
    throw new InputError(`budgetDecoderParams: must be positive, got ${budgetDecoderParams}`);
  }
  if (!(dInnerRatio > 0)) throw new InputError(`dInnerRatio: must be positive, got ${dInnerRatio}`);
  const rows: AspectRatioArch[] = [];
  for (const dModel of options.dModels) {
    const dInner = Math.round(dInnerRatio * dModel);
    const perLayer = gpt2LayerParams(dModel, dInner).total;
    const nLayer = Math.round((budgetDecoderParams - gpt2FinalLayerNormParams(dModel)) / perLayer);
    if (nLayer < 1 || nLayer > maxLayers) continue;
    const decoderParams = nLayer * perLayer + gpt2FinalLayerNormParams(dModel);
    const budgetError = (decoderParams - budgetDecoderParams) / budgetDecoderParams;
    if (Math.abs(budgetError) > tolerance) continue;
    const arch = validateArch(
      { backbone: "gpt2", nLayer, dModel, nHead, dInner, ...options.base },
      `aspect ratio d_model ${dModel}`,
    );
    rows.push({
      budgetDecoderParams,
      arch,
      dModel,
      nLayer,
      aspectRatio: dModel / nLayer,
      decoderParams,
      budgetError,
    });
  }
  return rows.sort((a, b) => a.aspectRatio - b.aspectRatio);
}

/** Max/min of a measured value within one group. */
export interface Spread {
  group: number | string;
  n: number;
  min: number;
  max: number;
  /** max / min. */
  ratio: number;
}

/**
 * The spread (max/min) of a value per group, e.g. latency per parameter budget.
 *
 * @example
 * ```ts
 * import { spreadBy } from "./aspect_ratio.ts";
 * spreadBy([{ b: 1, ms: 2 }, { b: 1, ms: 5 }], (r) => r.b, (r) => r.ms);
 * // [{ group: 1, n: 2, min: 2, max: 5, ratio: 2.5 }]
 * ```
 */
export function spreadBy<T>(
  rows: readonly T[],
  group: (row: T) => number | string,
  value: (row: T) => number,
): Spread[] {
  const groups = new Map<number | string, number[]>();
  for (const row of rows) {
    const v = value(row);
    if (!Number.isFinite(v)) continue;
    const key = group(row);
    const list = groups.get(key) ?? [];
    list.push(v);
    groups.set(key, list);
  }
  return [...groups].map(([key, values]) => {
    const min = Math.min(...values), max = Math.max(...values);
    return { group: key, n: values.length, min, max, ratio: max / min };
  });
}

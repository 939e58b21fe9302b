/**
 * Token embeddings and output layers: the plain table, archai's adaptive input
 * (`AdaptiveEmbedding`), a plain language-model head, and archai's projected adaptive softmax
 * (`ProjectedAdaptiveLogSoftmax`).
 *
 * Vocabulary clusters: `cutoffs` split the token ids into clusters [0, c₀), [c₀, c₁), …,
 * [c_last, vocabSize). With the adaptive factor k = `divVal` > 1, cluster i has width
 * ⌊dEmbed / kⁱ⌋ and its own projection to dModel. With k = 1 there is one table of width
 * dEmbed, projected to dModel only when dEmbed ≠ dModel (the cutoffs then only shape the
 * adaptive softmax).
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";

/** The fields of an architecture that the embedding and the output layer depend on. */
export type EmbeddingShape = Pick<
  Arch,
  "dModel" | "dEmbed" | "divVal" | "cutoffs" | "vocabSize" | "tieWeight"
>;

/** One vocabulary cluster: token ids [start, end) embedded with `width` features. */
export interface VocabCluster {
  start: number;
  end: number;
  width: number;
}

/**
 * The vocabulary clusters of the adaptive softmax (and of the adaptive input when
 * `divVal` > 1), head cluster first.
 *
 * @example
 * ```ts
 * import { vocabClusters } from "./embedding.ts";
 * vocabClusters({ dModel: 128, dEmbed: 256, divVal: 4, cutoffs: [19997, 39997], vocabSize: 50264, tieWeight: true });
 * // [{ start: 0, end: 19997, width: 256 }, { start: 19997, end: 39997, width: 64 },
 * //  { start: 39997, end: 50264, width: 16 }]
 * ```
 */
export function vocabClusters(shape: EmbeddingShape): VocabCluster[] {
  const ends = [...shape.cutoffs.filter((c) => c < shape.vocabSize), shape.vocabSize];
  return ends.map((end, i) => ({
    start: i === 0 ? 0 : ends[i - 1],
    end,
    width: shape.divVal > 1 ? Math.floor(shape.dEmbed / shape.divVal ** i) : shape.dEmbed,
  }));
}

/** Parameters of a token embedding: lookup tables and projections to dModel. */
export interface TokenEmbeddingParams {
  /** Lookup tables, Σ tokens·width. */
  tables: number;
  /** Projections from each table's width to dModel. */
  projections: number;
  /** `tables + projections`. */
  total: number;
}

/**
 * Parameters of the token embedding. Plain (`divVal` 1): V·dEmbed, plus a dModel·dEmbed
 * projection when dEmbed ≠ dModel. Adaptive (`divVal` k > 1): for each cluster i of
 * (end − start) tokens, (end − start)·⌊dEmbed/kⁱ⌋ + dModel·⌊dEmbed/kⁱ⌋ (archai projects every
 * cluster, the head cluster included, even when its width equals dModel).
 *
 * @example
 * ```ts
 * import { tokenEmbeddingParams } from "./embedding.ts";
 * tokenEmbeddingParams({ dModel: 768, dEmbed: 768, divVal: 1, cutoffs: [19997, 39997], vocabSize: 50257, tieWeight: true });
 * // { tables: 38597376, projections: 0, total: 38597376 }
 * ```
 */
export function tokenEmbeddingParams(shape: EmbeddingShape): TokenEmbeddingParams {
  let tables: number;
  let projections: number;
  if (shape.divVal > 1) {
    const clusters = vocabClusters(shape);
    tables = clusters.reduce((sum, c) => sum + (c.end - c.start) * c.width, 0);
    projections = clusters.reduce((sum, c) => sum + shape.dModel * c.width, 0);
  } else {
    tables = shape.vocabSize * shape.dEmbed;
    projections = shape.dEmbed !== shape.dModel ? shape.dModel * shape.dEmbed : 0;
  }
  return { tables, projections, total: tables + projections };
}

/** Parameters of an output layer that are not shared with the token embedding. */
export interface SoftmaxParams {
  /** Output weight tables (0 when tied to the embedding). */
  weights: number;
  /** Output projections from dModel (0 where tied to the embedding's). */
  projections: number;
  /** Output biases (one per token; 0 for a plain head). */
  biases: number;
  /** Tail-cluster logits of the head cluster: weights and biases (adaptive softmax only). */
  clusters: number;
  /** Sum of the above. */
  total: number;
}

/**
 * Parameters of a plain language-model head in the Hugging Face layout (`lm_head`, no bias):
 * nothing when tied to the embedding, otherwise a copy of the embedding's shapes (tables and
 * projections) read backwards.
 *
 * @example
 * ```ts
 * import { lmHeadParams } from "./embedding.ts";
 * lmHeadParams({ dModel: 768, dEmbed: 768, divVal: 1, cutoffs: [], vocabSize: 50257, tieWeight: false }).total;
 * // 38597376
 * ```
 */
export function lmHeadParams(shape: EmbeddingShape): SoftmaxParams {
  if (shape.tieWeight) return { weights: 0, projections: 0, biases: 0, clusters: 0, total: 0 };
  const { tables, projections } = tokenEmbeddingParams(shape);
  return { weights: tables, projections, biases: 0, clusters: 0, total: tables + projections };
}

/**
 * archai's default `tie_projs`: the head cluster has its own output projection, every tail
 * cluster reuses the embedding's (`[false, true, true, …]`, one flag per cluster).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultTieProjs } from "./embedding.ts";
 * assert.deepEqual(defaultTieProjs(3), [false, true, true]);
 * ```
 */
export function defaultTieProjs(nClusters: number): boolean[] {
  return Array.from({ length: nClusters }, (_, i) => i > 0);
}

/**
 * Parameters of archai's `ProjectedAdaptiveLogSoftmax` that are not shared with the token
 * embedding: the tail-cluster logits (n_tail·dEmbed weights + n_tail biases, where
 * n_tail = clusters − 1), one bias per token, the output tables when `tieWeight` is false, and
 * the output projections not tied to the embedding's. `tieProjs[i]` says whether cluster i
 * reuses the embedding's projection (archai `tie_projs`; missing entries take the default
 * `[false, true, …]`). Projections: with `divVal` 1 and dEmbed ≠ dModel, every untied cluster
 * has its own dModel·dEmbed; with `divVal` 1 and dEmbed = dModel there are none; with
 * `divVal` k > 1, untied cluster i has dModel·⌊dEmbed/kⁱ⌋.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { adaptiveSoftmaxParams } from "./embedding.ts";
 * const params = adaptiveSoftmaxParams(
 *   { dModel: 128, dEmbed: 256, divVal: 4, cutoffs: [19997, 39997], vocabSize: 50264, tieWeight: true },
 *   [false, true, true],
 * );
 * assert.equal(params.total, 32768 + 514 + 50264); // head projection + tail logits + biases
 * ```
 */
export function adaptiveSoftmaxParams(
  shape: EmbeddingShape,
  tieProjs?: readonly boolean[],
): SoftmaxParams {
  const clusters = vocabClusters(shape);
  const tied = (i: number) => tieProjs?.[i] ?? i > 0;
  const nTail = clusters.length - 1;
  const clusterParams = nTail * shape.dEmbed + nTail;
  const biases = shape.vocabSize;
  let weights = 0;
  let projections = 0;
  if (shape.divVal > 1) {
    if (!shape.tieWeight) {
      weights = clusters.reduce((sum, c) => sum + (c.end - c.start) * c.width, 0);
    }
    clusters.forEach((c, i) => {
      if (!tied(i)) projections += shape.dModel * c.width;
    });
  } else {
    if (!shape.tieWeight) weights = shape.vocabSize * shape.dEmbed;
    if (shape.dEmbed !== shape.dModel) {
      clusters.forEach((_, i) => {
        if (!tied(i)) projections += shape.dModel * shape.dEmbed;
      });
    }
  }
  return {
    weights,
    projections,
    biases,
    clusters: clusterParams,
    total: weights + projections + biases + clusterParams,
  };
}

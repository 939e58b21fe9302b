/**
 * Parameter counts of a whole architecture, with a breakdown that lets a notebook follow any
 * of the usual conventions:
 *
 * - `decoderParams` — the paper's training-free proxy: every decoder block plus the final
 *   LayerNorm (GPT-2 only); no token or position embedding, no output layer. It equals the
 *   published benchmark's `nonembedding`.
 * - `decoderParams + components.positionEmbedding` — the convention of the paper's OPT-350M
 *   table, which counts learned positions as decoder parameters.
 * - `totalParams` — every distinct trainable tensor once (tied tensors once).
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import {
  adaptiveSoftmaxParams,
  lmHeadParams,
  type SoftmaxParams,
  tokenEmbeddingParams,
} from "./embedding.ts";
import {
  gpt2FinalLayerNormParams,
  gpt2LayerParams,
  gpt2PositionEmbeddingParams,
  type LayerParams,
} from "./gpt2.ts";
import { transformerXlLayerParams } from "./transformer_xl.ts";

/** Output layers the count knows. */
export type HeadKind = "lm-head" | "adaptive-softmax";

/** Options of {@linkcode countParams}. */
export interface CountOptions {
  /**
   * The output layer. `"lm-head"`: a plain head without bias (Hugging Face `GPT2LMHeadModel`),
   * free when tied. `"adaptive-softmax"`: archai's `ProjectedAdaptiveLogSoftmax` (tail-cluster
   * logits, one bias per token, projections per `tieProjs`), as both backbones had in the
   * published benchmark. Default: `"lm-head"` for gpt2, `"adaptive-softmax"` for transformer-xl.
   */
  head?: HeadKind;
  /**
   * archai `tie_projs`, one flag per vocabulary cluster (head first): whether the adaptive
   * softmax reuses the embedding's projection. Default `[false, true, …]`; the published
   * lm1b runs used all `false`.
   */
  tieProjs?: readonly boolean[];
}

/** Where the parameters are. Plain numbers, ready for JSON. */
export interface ParamComponents {
  /** Token embedding: tables and projections to dModel. */
  tokenEmbedding: number;
  /** Learned absolute positions (gpt2: nPositions·dModel; transformer-xl: 0). */
  positionEmbedding: number;
  /** One entry per decoder block. */
  layers: LayerParams[];
  /** Σ `layers[i].attention` (the published `Attn`). */
  attention: number;
  /** Σ `layers[i].ffn` (the published `FFN`). */
  ffn: number;
  /** Σ `layers[i].layerNorm`. */
  layerNorm: number;
  /** GPT-2's `ln_f` (2·dModel); 0 for transformer-xl. */
  finalLayerNorm: number;
  /** Output-layer parameters not shared with the embedding (= `softmaxParams`). */
  softmax: number;
  /** The output layer's parts. */
  softmaxDetail: SoftmaxParams & { kind: HeadKind };
}

/** A parameter count with its breakdown. */
export interface ParamCount {
  /** Σ decoder blocks + final LayerNorm: the proxy (published `nonembedding`). */
  decoderParams: number;
  /** Token embedding + learned positions (published `AdaEmb`). */
  embeddingParams: number;
  /** Output-layer parameters not shared with the embedding. */
  softmaxParams: number;
  /** `decoderParams + embeddingParams + softmaxParams`. */
  totalParams: number;
  components: ParamComponents;
}

function layerParams(arch: Arch): LayerParams[] {
  return arch.dInner.map((dInner, i) =>
    arch.backbone === "gpt2"
      ? gpt2LayerParams(arch.dModel, dInner)
      : transformerXlLayerParams(arch.dModel, arch.nHead[i], dInner)
  );
}

function finalLayerNorm(arch: Arch): number {
  return arch.backbone === "gpt2" ? gpt2FinalLayerNormParams(arch.dModel) : 0;
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/**
 * The decoder parameter count used as the search proxy: all decoder blocks plus the final
 * LayerNorm; no token or position embedding, no output layer.
 *
 * @example
 * ```ts
 * import { decoderParams } from "./count.ts";
 * import { validateArch } from "../arch/validate.ts";
 * decoderParams(validateArch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 }));
 * // 85056000
 * ```
 */
export function decoderParams(arch: Arch): number {
  return sum(layerParams(arch).map((l) => l.total)) + finalLayerNorm(arch);
}

/**
 * Counts the parameters of an architecture, with a breakdown by component and by layer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countParams } from "./count.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const gpt2Small = validateArch({
 *   backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072, vocabSize: 50257,
 * });
 * assert.equal(countParams(gpt2Small).totalParams, 124439808); // as Hugging Face reports for "gpt2"
 * ```
 */
export function countParams(arch: Arch, options: CountOptions = {}): ParamCount {
  const kind: HeadKind = options.head ??
    (arch.backbone === "gpt2" ? "lm-head" : "adaptive-softmax");
  const layers = layerParams(arch);
  const finalNorm = finalLayerNorm(arch);
  const tokenEmbedding = tokenEmbeddingParams(arch).total;
  const positionEmbedding = arch.backbone === "gpt2"
    ? gpt2PositionEmbeddingParams(arch.nPositions, arch.dModel)
    : 0;
  const head = kind === "lm-head"
    ? lmHeadParams(arch)
    : adaptiveSoftmaxParams(arch, options.tieProjs);
  const decoder = sum(layers.map((l) => l.total)) + finalNorm;
  const embedding = tokenEmbedding + positionEmbedding;
  return {
    decoderParams: decoder,
    embeddingParams: embedding,
    softmaxParams: head.total,
    totalParams: decoder + embedding + head.total,
    components: {
      tokenEmbedding,
      positionEmbedding,
      layers,
      attention: sum(layers.map((l) => l.attention)),
      ffn: sum(layers.map((l) => l.ffn)),
      layerNorm: sum(layers.map((l) => l.layerNorm)),
      finalLayerNorm: finalNorm,
      softmax: head.total,
      softmaxDetail: { kind, ...head },
    },
  };
}

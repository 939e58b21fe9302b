/**
 * A plain TypeScript GPT-2 forward pass, written from the model's definition (not from the ONNX
 * graph), for checking emitted models on tiny architectures: Hugging Face's GPT-2 with a plain
 * embedding and tied LM head, or archai's `AdaptiveEmbedding` (projected to dModel, scaled by
 * √dModel) with its tied `ProjectedAdaptiveLogSoftmax` (log-probabilities over the whole
 * vocabulary; `tie_projs` `[false, true, …]`). It is slow (no blocking, double precision); keep
 * it to models of a few hundred thousand parameters.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { vocabClusters } from "../params/embedding.ts";

/** GPT-2's `layer_norm_epsilon`. */
const LAYER_NORM_EPSILON = 1e-5;

/** Looks up a weight by its Hugging Face state-dict name. */
export type WeightLookup = (name: string) => Float32Array;

function layerNorm(
  x: Float64Array,
  rows: number,
  d: number,
  gain: Float32Array,
  bias: Float32Array,
) {
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[r * d + j];
    mean /= d;
    let variance = 0;
    for (let j = 0; j < d; j++) variance += (x[r * d + j] - mean) ** 2;
    variance /= d;
    const inv = 1 / Math.sqrt(variance + LAYER_NORM_EPSILON);
    for (let j = 0; j < d; j++) out[r * d + j] = (x[r * d + j] - mean) * inv * gain[j] + bias[j];
  }
  return out;
}

/** `x [rows, k] · w [k, m] + bias [m]` (Conv1D layout, as GPT-2 stores it). */
function affine(x: Float64Array, rows: number, k: number, w: Float32Array, bias: Float32Array) {
  const m = bias.length;
  const out = new Float64Array(rows * m);
  for (let r = 0; r < rows; r++) {
    const o = r * m;
    for (let j = 0; j < m; j++) out[o + j] = bias[j];
    for (let i = 0; i < k; i++) {
      const xi = x[r * k + i];
      const wo = i * m;
      for (let j = 0; j < m; j++) out[o + j] += xi * w[wo + j];
    }
  }
  return out;
}

/**
 * GPT-2's `gelu_new`: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { geluTanh } from "./reference.ts";
 * assert.ok(Math.abs(geluTanh(1) - 0.8412) < 1e-4);
 * ```
 */
export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}

function attention(qkv: Float64Array, seq: number, d: number, heads: number): Float64Array {
  const dHead = d / heads;
  const scale = 1 / Math.sqrt(dHead);
  const out = new Float64Array(seq * d);
  const scores = new Float64Array(seq);
  for (let h = 0; h < heads; h++) {
    const qo = h * dHead, ko = d + h * dHead, vo = 2 * d + h * dHead;
    for (let s = 0; s < seq; s++) {
      let max = -Infinity;
      for (let t = 0; t <= s; t++) {
        let dot = 0;
        for (let j = 0; j < dHead; j++) dot += qkv[s * 3 * d + qo + j] * qkv[t * 3 * d + ko + j];
        scores[t] = dot * scale;
        if (scores[t] > max) max = scores[t];
      }
      let sum = 0;
      for (let t = 0; t <= s; t++) sum += scores[t] = Math.exp(scores[t] - max);
      for (let t = 0; t <= s; t++) {
        const p = scores[t] / sum;
        for (let j = 0; j < dHead; j++) out[s * d + h * dHead + j] += p * qkv[t * 3 * d + vo + j];
      }
    }
  }
  return out;
}

/** Options of {@linkcode referenceLogits}. */
export interface ReferenceOptions {
  /**
   * `"lm-head"` (plain embeddings only) or `"adaptive-softmax"`; default: the lm-head for a
   * plain embedding (`divVal` 1, dEmbed = dModel), else the adaptive softmax.
   */
  head?: "lm-head" | "adaptive-softmax";
}

/** `P [rows, cols]` (row-major) times a vector of length `cols`: `P · x`. */
function matVec(p: Float32Array, rows: number, x: ArrayLike<number>): Float64Array {
  const cols = x.length;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let dot = 0;
    for (let k = 0; k < cols; k++) dot += p[r * cols + k] * x[k];
    out[r] = dot;
  }
  return out;
}

/** `xᵀ · P` for `P [rows, cols]` and x of length rows. */
function vecMat(x: ArrayLike<number>, p: Float32Array, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < x.length; r++) {
    for (let k = 0; k < cols; k++) out[k] += x[r] * p[r * cols + k];
  }
  return out;
}

function logSoftmax(x: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const log = max + Math.log(sum);
  return x.map((v) => v - log);
}

/** One token's input embedding (length dModel), without the position. */
function tokenEmbedding(arch: Arch, weight: WeightLookup, token: number): ArrayLike<number> {
  const d = arch.dModel;
  if (arch.divVal === 1 && arch.dEmbed === d) {
    return weight("transformer.wte.weight").subarray(token * d, (token + 1) * d);
  }
  // archai AdaptiveEmbedding: the token's cluster table row, F.linear with emb_projs (P·row).
  let cluster = 0, start = 0, width = arch.dEmbed;
  if (arch.divVal > 1) {
    const clusters = vocabClusters(arch);
    cluster = clusters.findIndex((c) => token >= c.start && token < c.end);
    ({ start, width } = clusters[cluster]);
  }
  const table = weight(`transformer.wte.emb_layers.${cluster}.weight`);
  const row = table.subarray((token - start) * width, (token - start + 1) * width);
  const projected = matVec(weight(`transformer.wte.emb_projs.${cluster}`), d, row);
  return projected.map((v) => v * Math.sqrt(d));
}

/**
 * archai's ProjectedAdaptiveLogSoftmax without a target (log-probabilities of every token) for
 * one hidden state h (length dModel), tied: output tables = input tables, head projection
 * `crit.out_projs.0`, tail projections = the embedding's.
 */
function adaptiveLogProbs(arch: Arch, weight: WeightLookup, h: Float64Array): Float64Array {
  const clusters = vocabClusters(arch);
  const adaptive = arch.divVal > 1;
  const projected = !(arch.divVal === 1 && arch.dEmbed === arch.dModel);
  const out = new Float64Array(arch.vocabSize);
  // _compute_logit: (h · proj) · Wᵀ + b, proj [dModel, width].
  const logits = (i: number, x: Float64Array, extraRows = 0): Float64Array => {
    const c = clusters[i];
    const width = c.width;
    const table = weight(
      adaptive
        ? `transformer.wte.emb_layers.${i}.weight`
        : (projected ? "transformer.wte.emb_layers.0.weight" : "transformer.wte.weight"),
    );
    const bias = weight(`crit.out_layers_biases.${adaptive ? i : 0}`);
    const rowOffset = adaptive ? 0 : c.start;
    const n = c.end - c.start;
    const result = new Float64Array(n + extraRows);
    for (let t = 0; t < n; t++) {
      let dot = bias[rowOffset + t];
      for (let k = 0; k < width; k++) dot += x[k] * table[(rowOffset + t) * width + k];
      result[t] = dot;
    }
    return result;
  };
  const projection = (i: number): string | null => {
    if (!projected) return null;
    if (i === 0) return "crit.out_projs.0";
    return `transformer.wte.emb_projs.${adaptive ? i : 0}`;
  };
  const hidden = (i: number) => {
    const name = projection(i);
    return name === null ? h : vecMat(h, weight(name), clusters[i].width);
  };
  const nTail = clusters.length - 1;
  const x0 = hidden(0);
  const headLogits = logits(0, x0, nTail);
  if (nTail > 0) {
    const clusterWeight = weight("crit.cluster_weight");
    const clusterBias = weight("crit.cluster_bias");
    const shortlist = clusters[0].end;
    for (let j = 0; j < nTail; j++) {
      let dot = clusterBias[j];
      for (let k = 0; k < arch.dEmbed; k++) dot += x0[k] * clusterWeight[j * arch.dEmbed + k];
      headLogits[shortlist + j] = dot;
    }
  }
  const head = logSoftmax(headLogits);
  out.set(head.subarray(0, clusters[0].end), 0);
  for (let i = 1; i < clusters.length; i++) {
    const tail = logSoftmax(logits(i, hidden(i)));
    const clusterLogProb = head[clusters[0].end + i - 1];
    out.set(tail.map((v) => v + clusterLogProb), clusters[i].start);
  }
  return out;
}

/**
 * The output of a GPT-2 for token rows `inputIds[b][s]`, positions 0..seq−1, as a flat
 * `[batch, seq, vocab]` array: logits of the tied LM head, or with the adaptive softmax
 * log-probabilities (see the module notes). Weights are looked up by the emitter's names
 * (Hugging Face's, archai's for adaptive parts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { referenceLogits } from "./reference.ts";
 * import { gpt2Initializers, tensorValues } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 8, nHead: 2, dInner: 16, vocabSize: 10, nPositions: 4 });
 * const weights = new Map(gpt2Initializers(arch, 0).map((w) => [w.name, tensorValues(w)]));
 * const logits = referenceLogits(arch, (n) => weights.get(n)!, [[1, 2, 3]]);
 * assert.equal(logits.length, 30); // batch 1 · 3 positions · vocabulary 10
 * ```
 */
export function referenceLogits(
  arch: Arch,
  weight: WeightLookup,
  inputIds: readonly (readonly number[])[],
  options: ReferenceOptions = {},
): Float32Array {
  const d = arch.dModel;
  const vocab = arch.vocabSize;
  const plain = arch.divVal === 1 && arch.dEmbed === d;
  const head = options.head ?? (plain ? "lm-head" : "adaptive-softmax");
  if (head === "lm-head" && !plain) {
    throw new RangeError("referenceLogits: lm-head needs a plain embedding");
  }
  const seq = inputIds[0]?.length ?? 0;
  const wpe = weight("transformer.wpe.weight");
  const logits = new Float32Array(inputIds.length * seq * vocab);
  inputIds.forEach((row, b) => {
    if (row.length !== seq) throw new RangeError("referenceLogits: ragged inputIds");
    let x = new Float64Array(seq * d);
    for (let s = 0; s < seq; s++) {
      const token = tokenEmbedding(arch, weight, row[s]);
      for (let j = 0; j < d; j++) x[s * d + j] = token[j] + wpe[s * d + j];
    }
    for (let i = 0; i < arch.nLayer; i++) {
      const p = `transformer.h.${i}`;
      const di = arch.dInner[i];
      const a = layerNorm(x, seq, d, weight(`${p}.ln_1.weight`), weight(`${p}.ln_1.bias`));
      const qkv = affine(
        a,
        seq,
        d,
        weight(`${p}.attn.c_attn.weight`),
        weight(`${p}.attn.c_attn.bias`),
      );
      const ctx = attention(qkv, seq, d, arch.nHead[i]);
      const proj = affine(
        ctx,
        seq,
        d,
        weight(`${p}.attn.c_proj.weight`),
        weight(`${p}.attn.c_proj.bias`),
      );
      x = x.map((v, k) => v + proj[k]);
      const m = layerNorm(x, seq, d, weight(`${p}.ln_2.weight`), weight(`${p}.ln_2.bias`));
      const fc = affine(m, seq, d, weight(`${p}.mlp.c_fc.weight`), weight(`${p}.mlp.c_fc.bias`));
      const out = affine(
        fc.map(geluTanh),
        seq,
        di,
        weight(`${p}.mlp.c_proj.weight`),
        weight(`${p}.mlp.c_proj.bias`),
      );
      x = x.map((v, k) => v + out[k]);
    }
    const h = layerNorm(
      x,
      seq,
      d,
      weight("transformer.ln_f.weight"),
      weight("transformer.ln_f.bias"),
    );
    for (let s = 0; s < seq; s++) {
      const o = (b * seq + s) * vocab;
      if (head === "adaptive-softmax") {
        logits.set(adaptiveLogProbs(arch, weight, h.subarray(s * d, (s + 1) * d)), o);
        continue;
      }
      const wte = weight("transformer.wte.weight");
      for (let t = 0; t < vocab; t++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += h[s * d + j] * wte[t * d + j];
        logits[o + t] = dot;
      }
    }
  });
  return logits;
}

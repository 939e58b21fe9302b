/**
 * A plain TypeScript GPT-2 forward pass, written from the model's definition (not from the ONNX
 * graph), for checking emitted models on tiny architectures. It is slow (no blocking, double
 * precision); keep it to models of a few hundred thousand parameters.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";

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
 * import { geluTanh } from "./reference.ts";
 * geluTanh(1); // 0.8411…
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

/**
 * Logits of a GPT-2 (tied LM head, plain embeddings) for token rows `inputIds[b][s]`, positions
 * 0..seq−1, as a flat `[batch, seq, vocab]` array.
 *
 * @example
 * ```ts
 * import { referenceLogits } from "./reference.ts";
 * import { gpt2Initializers, tensorValues } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 8, nHead: 2, dInner: 16, vocabSize: 10, nPositions: 4 });
 * const weights = new Map(gpt2Initializers(arch, 0).map((w) => [w.name, tensorValues(w)]));
 * const logits = referenceLogits(arch, (n) => weights.get(n)!, [[1, 2, 3]]); // length 30
 * ```
 */
export function referenceLogits(
  arch: Arch,
  weight: WeightLookup,
  inputIds: readonly (readonly number[])[],
): Float32Array {
  const d = arch.dModel;
  const vocab = arch.vocabSize;
  const seq = inputIds[0]?.length ?? 0;
  const wte = weight("transformer.wte.weight");
  const wpe = weight("transformer.wpe.weight");
  const logits = new Float32Array(inputIds.length * seq * vocab);
  inputIds.forEach((row, b) => {
    if (row.length !== seq) throw new RangeError("referenceLogits: ragged inputIds");
    let x = new Float64Array(seq * d);
    for (let s = 0; s < seq; s++) {
      for (let j = 0; j < d; j++) x[s * d + j] = wte[row[s] * d + j] + wpe[s * d + j];
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
      for (let t = 0; t < vocab; t++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += h[s * d + j] * wte[t * d + j];
        logits[o + t] = dot;
      }
    }
  });
  return logits;
}

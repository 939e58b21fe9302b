/**
 * The cost model's terms: an architecture decomposed into the parts whose cost is calibrated.
 * Latency is additive over the graph's parts (the blocks run one after another):
 *
 *     latency = base + base_d·d + embedding + Σ_layers block(d, n_headᵢ, d_innerᵢ)
 *
 * where d is d_model, and a block's cost is a linear combination of its work terms: the
 * attention projections (d²), the feed-forward matmuls (d·d_inner, with a d_inner·√d term for
 * the matmul efficiency that grows with d), the element-wise work (d, d_inner, d^1.5), and an
 * intercept and a d-slope per head count (the attention kernel's per-head work at the fixed
 * sequence length). The embedding part is, for a plain table tied to the LM head,
 * `plain + plainVocabDModel · vocab · d` (gather and the head's matrix-vector product), and
 * otherwise an intercept per (d_embed, k) — the head's cluster tables, which do not depend on d
 * — plus `embedProjection · d · Σ cluster widths` (the projections to and from d_model). One
 * global fit over every calibration model: measured per-d_model tables were tried first and
 * amplified the measurement noise (33 % of held-out models within ±5 % against 68 % for this
 * form, on the same measurements; bench/RESULTS.md).
 *
 * Peak memory is a linear function of exact byte counts: the blocks' fp32 weights, the
 * embedding's (tables, projections, positions, the head's own parameters), and the largest
 * activations (the feed-forward hidden state, the attention scores, the adaptive input's
 * per-cluster projections), plus a constant for the session.
 *
 * Every function here is pure and runs in microseconds: a prediction never emits a model.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { countParams } from "../params/count.ts";
import { vocabClusters } from "../params/embedding.ts";
import { isPlainEmbedding } from "../onnx/adaptive.ts";

/** Named term values of one architecture (a sparse row of the regression). */
export type Terms = Record<string, number>;

/** The shape a calibration covers: the d_model values measured and the head counts measured. */
export interface TermBasis {
  /** d_model values of the calibration models, ascending (predictions stay inside their range). */
  knots: readonly number[];
  /** Head counts whose terms are calibrated. */
  heads: readonly number[];
}

/** The measurement shape the terms depend on (fixed within one calibration). */
export interface TermShape {
  seqLen: number;
  batch: number;
}

/** The name of the embedding intercept term of a (d_embed, k) pair. */
export function embeddingTerm(dEmbed: number, divVal: number): string {
  return `embed:${dEmbed}x${divVal}`;
}

/**
 * Why the terms of `arch` cannot be computed over `basis` (a d_model outside the knots, a head
 * count never calibrated, another backbone), or `undefined` when they can.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uncoveredReason } from "./terms.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 16, dInner: 512 });
 * assert.match(uncoveredReason(arch, { knots: [128, 256], heads: [2, 4] }) ?? "", /nHead 16/);
 * ```
 */
export function uncoveredReason(arch: Arch, basis: TermBasis): string | undefined {
  if (arch.backbone !== "gpt2") return `backbone ${arch.backbone}: only gpt2 is calibrated`;
  const { knots } = basis;
  if (!(arch.dModel >= knots[0] && arch.dModel <= knots[knots.length - 1])) {
    return `dModel ${arch.dModel} is outside the calibrated ${knots[0]}–${knots[knots.length - 1]}`;
  }
  const missing = [...new Set(arch.nHead)].filter((h) => !basis.heads.includes(h));
  if (missing.length > 0) {
    return `nHead ${missing.join(", ")} not calibrated (calibrated: ${basis.heads.join(", ")})`;
  }
  return undefined;
}

/**
 * The latency terms of an architecture (see the module doc). Throws when it is not covered
 * ({@linkcode uncoveredReason}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { latencyTerms } from "./terms.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: [2, 4], dInner: [256, 512] });
 * const t = latencyTerms(arch, { knots: [128, 256], heads: [2, 4] });
 * assert.equal(t.base, 1);
 * assert.equal(t.layer, 2);
 * assert.equal(t.heads2, 1);
 * assert.equal(t.ffn, 128 * 768);
 * assert.equal(t.plain, 1);
 * ```
 */
export function latencyTerms(arch: Arch, basis: TermBasis): Terms {
  const why = uncoveredReason(arch, basis);
  if (why) throw new Error(`latency terms: ${why}`);
  const terms: Terms = {};
  const add = (name: string, value: number) => (terms[name] = (terms[name] ?? 0) + value);
  const d = arch.dModel;
  add("base", 1);
  add("baseDModel", d);
  for (let l = 0; l < arch.nLayer; l++) {
    const h = arch.nHead[l], inner = arch.dInner[l];
    add("layer", 1);
    add("attentionProjections", d * d);
    add("ffn", d * inner);
    add("ffnSqrtDModel", inner * Math.sqrt(d));
    add("dInner", inner);
    add("dModel", d);
    add("dModel1.5", d ** 1.5);
    add(`heads${h}`, 1);
    add(`heads${h}DModel`, d);
  }
  if (isPlainEmbedding(arch)) {
    add("plain", 1);
    add("plainVocabDModel", arch.vocabSize * d);
  } else {
    const widths = vocabClusters(arch).reduce((s, c) => s + c.width, 0);
    add(embeddingTerm(arch.dEmbed, arch.divVal), 1);
    add("embedProjection", d * widths);
  }
  return terms;
}

/**
 * The peak-memory terms of an architecture, in bytes (fp32 weights and activations), plus the
 * constant `session` (1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memoryTerms } from "./terms.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 512 });
 * const t = memoryTerms(arch, { seqLen: 192, batch: 1 });
 * assert.equal(t.session, 1);
 * assert.equal(t.ffnActivationBytes, 4 * 192 * 512);
 * ```
 */
export function memoryTerms(arch: Arch, shape: TermShape): Terms {
  const count = countParams(arch);
  const layers = count.components.layers.reduce((s, l) => s + l.total, 0);
  const tokens = shape.batch * shape.seqLen;
  const clusters = isPlainEmbedding(arch) ? 0 : vocabClusters(arch).length;
  return {
    session: 1,
    blockWeightBytes: 4 * layers,
    embeddingWeightBytes: 4 * (count.totalParams - layers),
    ffnActivationBytes: 4 * tokens * Math.max(...arch.dInner),
    attentionActivationBytes: 4 * tokens * shape.seqLen * Math.max(...arch.nHead),
    embeddingActivationBytes: 4 * tokens * arch.dModel * clusters,
  };
}

/**
 * Σ coefficient · term value; `undefined` when a term has no coefficient (not calibrated).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { evaluateTerms } from "./terms.ts";
 * assert.equal(evaluateTerms({ a: 2, b: 3 }, { a: 1, b: 10 }), 32);
 * assert.equal(evaluateTerms({ a: 2, c: 1 }, { a: 1 }), undefined);
 * ```
 */
export function evaluateTerms(
  terms: Terms,
  coefficients: Readonly<Record<string, number>>,
): number | undefined {
  let sum = 0;
  for (const [name, value] of Object.entries(terms)) {
    const c = coefficients[name];
    if (c === undefined) {
      if (value === 0) continue;
      return undefined;
    }
    sum += c * value;
  }
  return sum;
}

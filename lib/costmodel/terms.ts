/**
 * The cost model's terms: an architecture decomposed into the parts whose cost is calibrated.
 * Latency is additive over the graph's parts (the blocks run one after another):
 *
 *     latency = base + base_d·d + embedding + Σ_layers block(d, n_headᵢ, d_innerᵢ)
 *
 * where d is d_model, and a block's cost is a linear combination of its work terms: the
 * attention projections (d²), the feed-forward matmuls (d·d_inner), the element-wise work (d,
 * d_inner), a curvature in d_inner (d_inner², the feed-forward's cost per unit of width changes
 * with the width), and an intercept and a d-slope per head count (the attention kernel's
 * per-head work at the fixed sequence length).
 *
 * The matmul kernels are not smooth in d: on the 2-vCPU EPYC of 2026-12-04 a d_model of 1024
 * ran 3–5 % slower than a smooth fit through the other widths, which pulled every prediction
 * between 768 and 960 3–5 % high. So a block at a calibrated d_model (a knot of the
 * {@linkcode TermBasis}) also has its own d² and d·d_inner terms (`knot:<d>:attention`,
 * `knot:<d>:ffn`): the widths the calibration measured use their own measurements, and the
 * others the smooth form, which no single width can bend.
 *
 * The embedding part is, for a plain table tied to the LM head, `plain + plainVocabDModel ·
 * vocab · d` (gather and the head's matrix-vector product). An adaptive embedding is smooth in
 * its widths too, so that one calibration covers every d_embed (the paper's d_embed = d_model
 * included): an intercept (`adaptive`), one per table (`tableCount`, its gather and its share of
 * the head), the head's product of the last hidden state with every table (`outputTableMacs`,
 * Σ tokens · width; twice for k = 1, whose head scores the whole table for the head and the tail
 * clusters), and the work of the graph's projections as emitted (`lib/onnx/adaptive.ts`): every
 * input table projected to d for every token (`inputProjection`, d · Σ table widths), the
 * `Where` that keeps each token's own cluster (`clusterSelect`, d per extra table), and the
 * head's projections of the last hidden state (`headProjection`, d · Σ widths of its distinct
 * projections). For k > 1, `headProjection` equals `inputProjection`; only k = 1 tells them
 * apart.
 *
 * The form was chosen on held-out measurements (bench/costmodel_forms.ts, bench/RESULTS.md): on
 * the stored 2026-12-04 measurements, version 2 (one intercept per (d_embed, k), no knot terms)
 * reached 93 % of 100 held-out models within ±5 %, largest error 9.4 %, bias +1.7 %; this form
 * 93 %, largest error 6.9 %, bias +0.5 %, and 84–88 % instead of 74–75 % on the older
 * calibration's held-out sets. One global fit over every calibration model.
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
import { embeddingLayout, isPlainEmbedding } from "../onnx/adaptive.ts";

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

/** The names of the per-knot block terms of a calibrated d_model (see the module doc). */
export function knotTerms(dModel: number): { attention: string; ffn: string } {
  return { attention: `knot:${dModel}:attention`, ffn: `knot:${dModel}:ffn` };
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
 * assert.equal(t.dInnerSquared, 256 ** 2 + 512 ** 2);
 * assert.equal(t["knot:128:ffn"], t.ffn); // 128 is a calibrated d_model
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
    add("dInner", inner);
    add("dInnerSquared", inner * inner);
    add("dModel", d);
    add(`heads${h}`, 1);
    add(`heads${h}DModel`, d);
  }
  if (basis.knots.includes(d)) {
    const names = knotTerms(d);
    add(names.attention, terms.attentionProjections);
    add(names.ffn, terms.ffn);
  }
  if (isPlainEmbedding(arch)) {
    add("plain", 1);
    add("plainVocabDModel", arch.vocabSize * d);
  } else {
    const layout = embeddingLayout(arch);
    const width = new Map(layout.tables.map((t) => [t.name, t.width]));
    const tableEntries = vocabClusters(arch).reduce((s, c) => s + (c.end - c.start) * c.width, 0);
    add("adaptive", 1);
    add("tableCount", layout.tables.length);
    add("outputTableMacs", (arch.divVal === 1 ? 2 : 1) * tableEntries);
    add("inputProjection", d * layout.tables.reduce((s, t) => s + t.width, 0));
    add("clusterSelect", d * (layout.tables.length - 1));
    const headProjections = new Map<string, number>();
    for (const c of layout.clusters) {
      if (c.projection !== null) headProjections.set(c.projection, width.get(c.table)!);
    }
    add("headProjection", d * [...headProjections.values()].reduce((s, w) => s + w, 0));
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
  // Every input table is projected to d_model for every token (k = 1: one table).
  const clusters = isPlainEmbedding(arch) ? 0 : embeddingLayout(arch).tables.length;
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

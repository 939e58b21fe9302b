/**
 * archai's adaptive token embedding (`AdaptiveEmbedding`) and tied projected adaptive
 * log-softmax (`ProjectedAdaptiveLogSoftmax`) as ONNX subgraphs, with archai's state-dict names.
 *
 * Vocabulary clusters come from `lib/params` ({@linkcode vocabClusters}): cluster i covers token
 * ids [lᵢ, rᵢ) (cutoffs, head cluster first) with width ⌊dEmbed/kⁱ⌋ for k = `divVal` > 1, or
 * one table of width dEmbed for k = 1.
 *
 * Input (`transformer.wte`, archai `AdaptiveEmbedding`):
 * - k = 1: `transformer.wte.emb_layers.0.weight` `[vocab, dEmbed]` and, when dEmbed ≠ dModel,
 *   `transformer.wte.emb_projs.0` `[dModel, dEmbed]`: `e = W[t] · Pᵀ` (torch `F.linear`).
 * - k > 1: per cluster `transformer.wte.emb_layers.{i}.weight` `[rᵢ − lᵢ, widthᵢ]` and
 *   `transformer.wte.emb_projs.{i}` `[dModel, widthᵢ]` (every cluster projected, the head one
 *   included). The graph looks every token up in every cluster (index clamped into the
 *   cluster), projects, and keeps the projection of the token's own cluster (`Where`): an extra
 *   N·Σ widthᵢ·dModel multiply-adds for N tokens instead of archai's data-dependent gathers.
 * - Both scale the result by `emb_scale` = √dModel (archai's √d_proj), before the learned
 *   positions are added.
 *
 * Output (`crit`, archai `ProjectedAdaptiveLogSoftmax`, tied: `tie_weight` true and the default
 * `tie_projs` `[false, true, true, …]`): the output tables are the input tables (no second
 * copy); the head cluster has its own projection `crit.out_projs.0` `[dModel, width₀]` (none when
 * k = 1 and dEmbed = dModel); tail cluster i reuses `transformer.wte.emb_projs.{i}` (k = 1: the
 * single `emb_projs.0`); `crit.cluster_weight` `[nTail, dEmbed]` and `crit.cluster_bias`
 * `[nTail]` score the tail clusters in the head; output biases `crit.out_layers_biases.{i}`
 * (k = 1: one `[vocab]` vector). archai's `_compute_logit` with a projection is
 * `(h · P) · Wᵀ + b`. Without a target, the module's output is the full log-probability table:
 * head: `log_softmax([shortlist logits, cluster logits])`; token t of tail cluster i:
 * `head_logprob[c₀ + i − 1] + log_softmax(tail logits)[t − lᵢ]`. With k = 1 and two different
 * projections (head vs tail), the tail-cluster and head logits are each computed against the
 * whole table and sliced (the table is not copied): 2·N·vocab·dEmbed multiply-adds instead of
 * N·vocab·dEmbed.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { vocabClusters } from "../params/embedding.ts";
import type { GraphBuilder, Initializer } from "./graph.ts";
import { type EmitContext, reshapeToLogits } from "./context.ts";
import { GPT2_INIT_STD, seededInitializer, type UniformInit, uniformWithStd } from "./weights.ts";

/**
 * Output layers the emitter writes: `"lm-head"` (Hugging Face's bias-free head tied to
 * `transformer.wte.weight`; output `logits`) or `"adaptive-softmax"` (archai's tied projected
 * adaptive log-softmax; output `logits` holds log-probabilities).
 */
export type Gpt2Head = "lm-head" | "adaptive-softmax";

/** The output layers, in a fixed order. */
export const GPT2_HEADS: readonly Gpt2Head[] = ["lm-head", "adaptive-softmax"];

/** Std of archai's projection initialisation (`proj_init_std`). */
export const PROJECTION_INIT_STD = 0.01;

/**
 * Whether an architecture has Hugging Face GPT-2's plain token table (`divVal` 1 and
 * dEmbed = dModel): one `transformer.wte.weight` `[vocab, dModel]`, no projection, no scale.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPlainEmbedding } from "./adaptive.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const base = { backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256 } as const;
 * assert.equal(isPlainEmbedding(validateArch(base)), true);
 * assert.equal(isPlainEmbedding(validateArch({ ...base, dEmbed: 128 })), false);
 * ```
 */
export function isPlainEmbedding(arch: Pick<Arch, "divVal" | "dEmbed" | "dModel">): boolean {
  return arch.divVal === 1 && arch.dEmbed === arch.dModel;
}

/**
 * The output layer emitted by default: `"lm-head"` for a plain embedding (Hugging Face GPT-2),
 * `"adaptive-softmax"` otherwise (archai's GPT-2 with `AdaptiveEmbedding`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultGpt2Head } from "./adaptive.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const base = { backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256 } as const;
 * assert.equal(defaultGpt2Head(validateArch(base)), "lm-head");
 * assert.equal(defaultGpt2Head(validateArch({ ...base, dEmbed: 128, divVal: 2 })), "adaptive-softmax");
 * ```
 */
export function defaultGpt2Head(arch: Pick<Arch, "divVal" | "dEmbed" | "dModel">): Gpt2Head {
  return isPlainEmbedding(arch) ? "lm-head" : "adaptive-softmax";
}

/** One input table of the token embedding and its projection to dModel. */
export interface EmbeddingTable {
  /** Initializer name of the table. */
  name: string;
  /** First token id of the table. */
  start: number;
  /** One past the last token id. */
  end: number;
  /** Features per token. */
  width: number;
  /** Initializer name of the projection `[dModel, width]`, or null (plain table). */
  projection: string | null;
}

/** One vocabulary cluster of the adaptive softmax, with the weights that score it. */
export interface SoftmaxCluster {
  /** First token id. */
  start: number;
  /** One past the last token id. */
  end: number;
  /** The (tied) output table: the input table holding these tokens. */
  table: string;
  /** Row of `table` holding token `start`. */
  tableOffset: number;
  /** Output bias vector and the entry of token `start` in it. */
  bias: string;
  /** Entry of `bias` for token `start`. */
  biasOffset: number;
  /** Projection `[dModel, width]` applied to the hidden state, or null. */
  projection: string | null;
}

/** Which weight plays which part in the token embedding and the output layer. */
export interface EmbeddingLayout {
  /** The output layer. */
  head: Gpt2Head;
  /** Input tables in token order (one for `divVal` 1). */
  tables: EmbeddingTable[];
  /** Factor applied to projected embeddings (√dModel; 1 for the plain table). */
  embScale: number;
  /** Adaptive-softmax clusters, head first (empty for the lm-head). */
  clusters: SoftmaxCluster[];
  /** `crit.cluster_weight` / `crit.cluster_bias`, or null without tail clusters. */
  clusterWeight: string | null;
  clusterBias: string | null;
}

/** Initializer name of input table i (archai `emb_layers`). */
export const embLayerName = (i: number): string => `transformer.wte.emb_layers.${i}.weight`;
/** Initializer name of input projection i (archai `emb_projs`). */
export const embProjName = (i: number): string => `transformer.wte.emb_projs.${i}`;
/** Initializer name of output bias vector i (archai `out_layers_biases`). */
export const outBiasName = (i: number): string => `crit.out_layers_biases.${i}`;
/** Initializer name of output projection i (archai `out_projs`; only the head's is untied). */
export const outProjName = (i: number): string => `crit.out_projs.${i}`;

/**
 * Names and roles of the token-embedding and output-layer weights of an architecture under a
 * head (default {@linkcode defaultGpt2Head}). The plain table keeps Hugging Face's
 * `transformer.wte.weight`; projected or adaptive embeddings use archai's names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { embeddingLayout } from "./adaptive.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256, dEmbed: 32, divVal: 2,
 *   vocabSize: 150, cutoffs: [20, 60],
 * });
 * assert.deepEqual(embeddingLayout(arch).tables.map((t) => t.width), [32, 16, 8]);
 * assert.equal(embeddingLayout(arch).clusters[1].projection, "transformer.wte.emb_projs.1");
 * ```
 */
export function embeddingLayout(
  arch: Arch,
  head: Gpt2Head = defaultGpt2Head(arch),
): EmbeddingLayout {
  const plain = isPlainEmbedding(arch);
  const vocab = vocabClusters(arch);
  let tables: EmbeddingTable[];
  if (plain) {
    tables = [{
      name: "transformer.wte.weight",
      start: 0,
      end: arch.vocabSize,
      width: arch.dModel,
      projection: null,
    }];
  } else if (arch.divVal === 1) {
    tables = [{
      name: embLayerName(0),
      start: 0,
      end: arch.vocabSize,
      width: arch.dEmbed,
      projection: embProjName(0),
    }];
  } else {
    tables = vocab.map((c, i) => ({
      name: embLayerName(i),
      start: c.start,
      end: c.end,
      width: c.width,
      projection: embProjName(i),
    }));
  }
  const layout: EmbeddingLayout = {
    head,
    tables,
    embScale: plain ? 1 : Math.sqrt(arch.dModel),
    clusters: [],
    clusterWeight: null,
    clusterBias: null,
  };
  if (head === "lm-head") return layout;
  layout.clusters = vocab.map((c, i) => {
    const table = arch.divVal === 1 ? tables[0] : tables[i];
    // tie_projs [false, true, …]: the head cluster has its own projection (when one is needed).
    const projection = table.projection === null
      ? null
      : i === 0
      ? outProjName(0)
      : table.projection;
    return {
      start: c.start,
      end: c.end,
      table: table.name,
      tableOffset: c.start - table.start,
      bias: outBiasName(arch.divVal === 1 ? 0 : i),
      biasOffset: arch.divVal === 1 ? c.start : 0,
      projection,
    };
  });
  if (vocab.length > 1) {
    layout.clusterWeight = "crit.cluster_weight";
    layout.clusterBias = "crit.cluster_bias";
  }
  return layout;
}

const BIAS: UniformInit = { center: 0, halfWidth: 0.02 };

/**
 * The token-embedding weights, in archai's state-dict order (`emb_layers.*` then `emb_projs.*`;
 * just `transformer.wte.weight` for a plain table). Tables: std 0.02; projections: std 0.01
 * (archai's `proj_init_std`); uniform, never zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenEmbeddingInitializers } from "./adaptive.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 4, dInner: 128, dEmbed: 32 });
 * assert.deepEqual(tokenEmbeddingInitializers(arch, 0).map((w) => w.dims), [[50257, 32], [64, 32]]);
 * ```
 */
export function tokenEmbeddingInitializers(arch: Arch, seed = 0): Initializer[] {
  const { tables } = embeddingLayout(arch, "lm-head");
  const table = uniformWithStd(0, GPT2_INIT_STD);
  const projection = uniformWithStd(0, PROJECTION_INIT_STD);
  return [
    ...tables.map((t) => seededInitializer(t.name, [t.end - t.start, t.width], seed, table)),
    ...tables.flatMap((t) =>
      t.projection
        ? [seededInitializer(t.projection, [arch.dModel, t.width], seed, projection)]
        : []
    ),
  ];
}

/**
 * The output-layer weights of the tied adaptive softmax that are not shared with the token
 * embedding, in archai's state-dict order: `crit.cluster_weight` `[nTail, dEmbed]` (std 0.02),
 * `crit.cluster_bias` `[nTail]`, `crit.out_layers_biases.{i}`, and the head cluster's own
 * `crit.out_projs.0` `[dModel, width₀]` (std 0.01) when the embedding is projected. Empty for the
 * lm-head.
 *
 * @example
 * ```ts
 * import { outputLayerInitializers } from "./adaptive.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 4, dInner: 128, dEmbed: 32, divVal: 2,
 *   vocabSize: 150, cutoffs: [20, 60],
 * });
 * outputLayerInitializers(arch, 0).map((w) => w.name);
 * // ["crit.cluster_weight", "crit.cluster_bias", "crit.out_layers_biases.0", …, "crit.out_projs.0"]
 * ```
 */
export function outputLayerInitializers(
  arch: Arch,
  seed = 0,
  head: Gpt2Head = defaultGpt2Head(arch),
): Initializer[] {
  const layout = embeddingLayout(arch, head);
  if (head === "lm-head") return [];
  const list: Initializer[] = [];
  const nTail = layout.clusters.length - 1;
  if (layout.clusterWeight && layout.clusterBias) {
    list.push(
      seededInitializer(
        layout.clusterWeight,
        [nTail, arch.dEmbed],
        seed,
        uniformWithStd(0, GPT2_INIT_STD),
      ),
      seededInitializer(layout.clusterBias, [nTail], seed, BIAS),
    );
  }
  if (arch.divVal === 1) list.push(seededInitializer(outBiasName(0), [arch.vocabSize], seed, BIAS));
  else {
    layout.clusters.forEach((c, i) => {
      list.push(seededInitializer(outBiasName(i), [c.end - c.start], seed, BIAS));
    });
  }
  const headProjection = layout.clusters[0].projection;
  if (headProjection === outProjName(0)) {
    list.push(
      seededInitializer(
        headProjection,
        [arch.dModel, layout.tables[0].width],
        seed,
        uniformWithStd(0, PROJECTION_INIT_STD),
      ),
    );
  }
  return list;
}

/**
 * Token embeddings `[batch, sequence, dModel]` of `input_ids` `[batch, sequence]` for a projected
 * or adaptive embedding (archai `AdaptiveEmbedding`, scaled by √dModel); see the module notes.
 *
 * @example
 * ```ts
 * import { adaptiveTokenEmbedding, embeddingLayout, tokenEmbeddingInitializers } from "./adaptive.ts";
 * import { GraphBuilder } from "./graph.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 4, dInner: 128, dEmbed: 32 });
 * const g = new GraphBuilder("emb");
 * const ids = g.input("input_ids", "int64", ["batch", "sequence"]);
 * const inits = new Map(tokenEmbeddingInitializers(arch).map((i) => [i.name, i]));
 * const w = (name: string) => g.initializer(name, inits.get(name)!.dims, inits.get(name)!.fill);
 * const embedded = adaptiveTokenEmbedding({ g, arch, w }, ids, embeddingLayout(arch));
 * g.output(embedded, "float32", ["batch", "sequence", 64]);
 * ```
 */
export function adaptiveTokenEmbedding(
  c: EmitContext,
  inputIds: string,
  layout: EmbeddingLayout,
): string {
  const { g, arch } = c;
  const flatIds = g.op("Reshape", [inputIds, g.int64s([-1])]);
  const column = layout.tables.length > 1 ? g.op("Unsqueeze", [flatIds, g.int64s([1])]) : "";
  let embedded = "";
  layout.tables.forEach((t, i) => {
    if (t.projection === null) throw new Error("adaptiveTokenEmbedding: plain table");
    const local = layout.tables.length === 1 ? flatIds : g.op("Clip", [
      g.op("Sub", [flatIds, g.int64s([t.start], true)]),
      g.int64s([0], true),
      g.int64s([t.end - t.start - 1], true),
    ]);
    const rows = g.op("Gather", [c.w(t.name), local], { axis: { int: 0 } });
    const projected = g.op("Gemm", [rows, c.w(t.projection)], {
      transB: { int: 1 },
      alpha: { float: layout.embScale },
    });
    embedded = i === 0 ? projected : g.op("Where", [
      g.op("Less", [column, g.int64s([t.start], true)]),
      embedded,
      projected,
    ]);
  });
  const shape = g.op("Concat", [g.op("Shape", [inputIds]), g.int64s([arch.dModel])], {
    axis: { int: 0 },
  });
  return g.op("Reshape", [embedded, shape]);
}

function columns(g: GraphBuilder, x: string, start: number, end: number): string {
  return g.op("Slice", [x, g.int64s([start]), g.int64s([end]), g.int64s([1])]);
}

/**
 * Log-probabilities `[batch, sequence, vocab]` (graph output `logits`) of archai's tied
 * projected adaptive log-softmax over hidden states `[batch, sequence, dModel]`; see the module
 * notes.
 *
 * @example
 * ```ts
 * import {
 *   adaptiveLogSoftmax,
 *   embeddingLayout,
 *   outputLayerInitializers,
 *   tokenEmbeddingInitializers,
 * } from "./adaptive.ts";
 * import { GraphBuilder } from "./graph.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({
 *   backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 4, dInner: 128, dEmbed: 32, divVal: 2,
 *   vocabSize: 150, cutoffs: [20, 60],
 * });
 * const g = new GraphBuilder("head");
 * const h = g.input("h", "float32", ["batch", "sequence", 64]);
 * const inits = [...tokenEmbeddingInitializers(arch), ...outputLayerInitializers(arch)];
 * for (const i of inits) g.initializer(i.name, i.dims, i.fill);
 * const logProbs = adaptiveLogSoftmax({ g, arch, w: (name) => name }, h, embeddingLayout(arch));
 * g.output(logProbs, "float32", ["batch", "sequence", 150]); // logProbs is "logits"
 * ```
 */
export function adaptiveLogSoftmax(
  c: EmitContext,
  hidden: string,
  layout: EmbeddingLayout,
): string {
  const { g, arch } = c;
  const flat = g.op("Reshape", [hidden, g.int64s([-1, arch.dModel])]);
  const projected = new Map<string | null, string>();
  const project = (name: string | null) => {
    let out = projected.get(name);
    if (out === undefined) {
      out = name === null ? flat : g.op("MatMul", [flat, c.w(name)]);
      projected.set(name, out);
    }
    return out;
  };
  // Logits of cluster i over its tokens: whole-table products are shared between clusters that
  // read the same table through the same projection (divVal 1), then sliced.
  const wholeTable = new Map<string | null, string>();
  const clusterLogits = (i: number): string => {
    const k = layout.clusters[i];
    const x = project(k.projection);
    const rows = k.end - k.start;
    if (arch.divVal > 1) {
      return g.op("Gemm", [x, c.w(k.table), c.w(k.bias)], { transB: { int: 1 } });
    }
    let all = wholeTable.get(k.projection);
    if (all === undefined) {
      all = g.op("Gemm", [x, c.w(k.table), c.w(k.bias)], { transB: { int: 1 } });
      wholeTable.set(k.projection, all);
    }
    return rows === arch.vocabSize ? all : columns(g, all, k.tableOffset, k.tableOffset + rows);
  };
  const head = layout.clusters[0];
  const shortlist = head.end - head.start;
  let logProbs: string;
  if (layout.clusters.length === 1) {
    logProbs = g.op("LogSoftmax", [clusterLogits(0)], { axis: { int: -1 } });
  } else {
    if (!layout.clusterWeight || !layout.clusterBias) throw new Error("no cluster weights");
    const tailScores = g.op("Gemm", [
      project(head.projection),
      c.w(layout.clusterWeight),
      c.w(layout.clusterBias),
    ], { transB: { int: 1 } });
    const headLogits = g.op("Concat", [clusterLogits(0), tailScores], { axis: { int: 1 } });
    const headLogProbs = g.op("LogSoftmax", [headLogits], { axis: { int: -1 } });
    const parts = [columns(g, headLogProbs, 0, shortlist)];
    for (let i = 1; i < layout.clusters.length; i++) {
      const tail = g.op("LogSoftmax", [clusterLogits(i)], { axis: { int: -1 } });
      const clusterLogProb = columns(g, headLogProbs, shortlist + i - 1, shortlist + i);
      parts.push(g.op("Add", [tail, clusterLogProb]));
    }
    logProbs = g.op("Concat", parts, { axis: { int: 1 } });
  }
  return reshapeToLogits(c, logProbs, hidden);
}

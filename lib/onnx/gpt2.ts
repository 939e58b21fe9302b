/**
 * GPT-2 decoder emission: an ONNX graph of a (possibly heterogeneous) GPT-2 with seeded random
 * weights named as in Hugging Face's GPT-2 state dict.
 *
 * Two dialects compute the same function:
 * - `portable`: ONNX opset 17, default domain only (checker-valid): LayerNormalization, MatMul,
 *   Add, Softmax with an additive causal mask, GELU from Tanh/Mul/Add.
 * - `fast`: opset 23 plus ONNX Runtime's `com.microsoft` contrib ops: the opset-23 `Attention`
 *   op with past/present, `SkipLayerNormalization` (residual add + bias + LayerNorm) and
 *   `FastGelu` (bias + GELU), as measured fastest on ONNX Runtime 1.30's CPU provider.
 *
 * GELU is GPT-2's own (`gelu_new`, the tanh approximation) in both dialects:
 * `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
 *
 * Token embedding and output layer (see `adaptive.ts`): a plain embedding (`divVal` 1,
 * dEmbed = dModel) is Hugging Face's `transformer.wte.weight` with the LM head tied to it (a
 * `Gemm` with `transB`, no second copy of the table; output `logits`). Any other embedding is
 * archai's `AdaptiveEmbedding` (dEmbed-wide table(s) projected to dModel, scaled by √dModel)
 * with its tied `ProjectedAdaptiveLogSoftmax`, whose output (still named `logits`) holds
 * log-probabilities. The head can be chosen (`head`): a plain embedding may also take the
 * adaptive softmax.
 *
 * Tied weights (the table read by both the embedding `Gather` and the head `Gemm`; archai's
 * shared tables and projections) are also declared as graph inputs with the initializer as
 * default (`declareSharedWeights`): ONNX Runtime then keeps the one buffer instead of
 * pre-packing a transposed private copy for the head, so "no second copy" holds at run time
 * too. Measured on GPT-2 small (2-vCPU Xeon, ORT 1.30): peak memory −147 MiB (one V·d table),
 * session creation −30 %, per-token and prompt latency within run-to-run noise.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { InputError } from "../util/errors.ts";
import { nonNegativeInteger } from "../util/validate.ts";
import {
  adaptiveLogSoftmax,
  adaptiveTokenEmbedding,
  defaultGpt2Head,
  embeddingLayout,
  GPT2_HEADS,
  type Gpt2Head,
  isPlainEmbedding,
  outputLayerInitializers,
  tokenEmbeddingInitializers,
} from "./adaptive.ts";
import { declareSharedWeights, GraphBuilder, type Initializer, type OnnxModel } from "./graph.ts";
import { type EmitContext, reshapeToLogits } from "./context.ts";
import { GPT2_INIT_STD, seededInitializer, type UniformInit, uniformWithStd } from "./weights.ts";

/** The emission dialects. */
export type Dialect = "portable" | "fast";

/** The dialects, default first. */
export const DIALECTS: readonly Dialect[] = ["portable", "fast"];

/**
 * Version of the graphs {@linkcode emitGpt2} writes. It changes whenever a change of the emitter
 * can change what a measurement of the same architecture gives (the profile cache keys on it).
 * 2: tied weights are declared as graph inputs with defaults, so ONNX Runtime holds them once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GPT2_GRAPH_VERSION } from "./gpt2.ts";
 * assert.equal(GPT2_GRAPH_VERSION, 2);
 * ```
 */
export const GPT2_GRAPH_VERSION = 2;

/** Options of {@linkcode emitGpt2}. */
export interface Gpt2EmitOptions {
  /** Default `"portable"`. */
  dialect?: Dialect;
  /**
   * Adds `position_ids` and per-layer `past_key_{i}`/`past_value_{i}` inputs and
   * `present_key_{i}`/`present_value_{i}` outputs; default false.
   */
  kvCache?: boolean;
  /** Weight seed; default 0. */
  seed?: number;
  /** Logits of the last position only (`[batch, 1, vocab]`); default false. */
  lastTokenOnly?: boolean;
  /**
   * Output layer: `"lm-head"` (plain embeddings only) or `"adaptive-softmax"` (log-probabilities);
   * default {@linkcode defaultGpt2Head}: the lm-head for a plain embedding, else the adaptive
   * softmax.
   */
  head?: Gpt2Head;
}

/** LayerNorm epsilon of GPT-2. */
export const GPT2_LAYER_NORM_EPSILON = 1e-5;

/** Additive mask value for attention to a future position. */
export const MASKED_SCORE: number = -1e9;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * Throws an `InputError` unless the architecture can be emitted with that output layer: a gpt2
 * backbone with a tied output layer (`tieWeight`); the lm-head only over a plain embedding
 * (`divVal` 1, dEmbed = dModel). Projected (dEmbed ≠ dModel) and adaptive (`divVal` > 1)
 * embeddings are emitted with archai's tied adaptive softmax.
 *
 * @example
 * ```ts
 * import { checkEmittable } from "./gpt2.ts";
 * import { validateArch } from "../arch/mod.ts";
 * checkEmittable(validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256 }));
 * checkEmittable(validateArch({
 *   backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256, dEmbed: 128, divVal: 4,
 * }));
 * ```
 */
export function checkEmittable(arch: Arch, options: { head?: Gpt2Head } = {}): void {
  if (arch.backbone !== "gpt2") {
    throw new InputError(
      `backbone: emission supports only gpt2, got ${arch.backbone} (relative positions are not emitted)`,
    );
  }
  if (!arch.tieWeight) {
    throw new InputError(
      "tieWeight: emission supports only an output layer tied to the embedding",
    );
  }
  const head = options.head ?? defaultGpt2Head(arch);
  if (!GPT2_HEADS.includes(head)) {
    throw new InputError(`head: expected one of ${GPT2_HEADS.join(", ")}, got ${head}`);
  }
  if (head === "lm-head" && !isPlainEmbedding(arch)) {
    throw new InputError(
      `head: the lm-head needs a plain embedding (divVal 1, dEmbed = dModel), got divVal ${arch.divVal}, dEmbed ${arch.dEmbed}, dModel ${arch.dModel}; use adaptive-softmax`,
    );
  }
}

/**
 * The weights of a GPT-2, in graph order. Decoder blocks, positions and the plain table carry
 * Hugging Face state-dict names and shapes (`transformer.h.{i}.attn.c_attn.weight` is `[d, 3d]`,
 * Conv1D layout); projected or adaptive embeddings and the adaptive softmax carry archai's
 * (`transformer.wte.emb_layers.{i}.weight`, `crit.cluster_weight`, …; see `adaptive.ts`). Tied
 * weights appear once. Initialisation follows GPT-2's scale: std 0.02 (output projections
 * 0.02/√(2·nLayer), embedding projections 0.01), LayerNorm weights 1 ± 0.1, biases ± 0.02, all
 * uniform and never zero.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gpt2Initializers } from "./gpt2.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256 });
 * assert.equal(gpt2Initializers(arch, 0).map((w) => w.name)[0], "transformer.wte.weight");
 * assert.equal(gpt2Initializers(arch, 0, { head: "adaptive-softmax" }).at(-1)?.name, "crit.out_layers_biases.0");
 * ```
 */
export function gpt2Initializers(
  arch: Arch,
  seed = 0,
  options: { head?: Gpt2Head } = {},
): Initializer[] {
  const d = arch.dModel;
  const weight = uniformWithStd(0, GPT2_INIT_STD);
  const projection = uniformWithStd(0, GPT2_INIT_STD / Math.sqrt(2 * arch.nLayer));
  const bias: UniformInit = { center: 0, halfWidth: 0.02 };
  const gain: UniformInit = { center: 1, halfWidth: 0.1 };
  const list: Initializer[] = tokenEmbeddingInitializers(arch, seed);
  const add = (name: string, dims: number[], init: UniformInit) =>
    list.push(seededInitializer(name, dims, seed, init));
  add("transformer.wpe.weight", [arch.nPositions, d], weight);
  for (let i = 0; i < arch.nLayer; i++) {
    const p = `transformer.h.${i}`;
    const di = arch.dInner[i];
    add(`${p}.ln_1.weight`, [d], gain);
    add(`${p}.ln_1.bias`, [d], bias);
    add(`${p}.attn.c_attn.weight`, [d, 3 * d], weight);
    add(`${p}.attn.c_attn.bias`, [3 * d], bias);
    add(`${p}.attn.c_proj.weight`, [d, d], projection);
    add(`${p}.attn.c_proj.bias`, [d], bias);
    add(`${p}.ln_2.weight`, [d], gain);
    add(`${p}.ln_2.bias`, [d], bias);
    add(`${p}.mlp.c_fc.weight`, [d, di], weight);
    add(`${p}.mlp.c_fc.bias`, [di], bias);
    add(`${p}.mlp.c_proj.weight`, [di, d], projection);
    add(`${p}.mlp.c_proj.bias`, [d], bias);
  }
  add("transformer.ln_f.weight", [d], gain);
  add("transformer.ln_f.bias", [d], bias);
  list.push(...outputLayerInitializers(arch, seed, options.head ?? defaultGpt2Head(arch)));
  return list;
}

/**
 * Whether an initializer lies outside the decoder (not counted as decoder parameters): the
 * token embedding (`transformer.wte.*`), the learned positions (`transformer.wpe.weight`) or
 * the adaptive softmax (`crit.*`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isEmbeddingWeight } from "./gpt2.ts";
 * assert.equal(isEmbeddingWeight("transformer.wpe.weight"), true);
 * assert.equal(isEmbeddingWeight("transformer.wte.emb_projs.1"), true);
 * assert.equal(isEmbeddingWeight("crit.cluster_weight"), true);
 * assert.equal(isEmbeddingWeight("transformer.ln_f.weight"), false);
 * ```
 */
export function isEmbeddingWeight(name: string): boolean {
  return name === "transformer.wte.weight" || name === "transformer.wpe.weight" ||
    name.startsWith("transformer.wte.") || name.startsWith("crit.");
}

/** Causal additive mask `[seq, total]`: 0 where key t ≤ past + query s, else MASKED_SCORE. */
function causalMask(c: EmitContext, seqLen: string, pastLen: string | undefined): string {
  const { g } = c;
  const zero = g.int64s([0], true);
  const one = g.int64s([1], true);
  const start = pastLen ?? zero;
  const total = pastLen ? g.op("Add", [pastLen, seqLen]) : seqLen;
  const rows = g.op("Unsqueeze", [g.op("Range", [start, total, one]), g.int64s([1])]);
  const cols = g.op("Range", [zero, total, one]);
  const allowed = g.op("LessOrEqual", [cols, rows]);
  return g.op("Where", [allowed, g.float32(0), g.float32(MASKED_SCORE)], {}, "");
}

function layerNorm(c: EmitContext, x: string, prefix: string): string {
  return c.g.op("LayerNormalization", [x, c.w(`${prefix}.weight`), c.w(`${prefix}.bias`)], {
    axis: { int: -1 },
    epsilon: { float: GPT2_LAYER_NORM_EPSILON },
  });
}

function linear(c: EmitContext, x: string, prefix: string): string {
  return c.g.op("Add", [c.g.op("MatMul", [x, c.w(`${prefix}.weight`)]), c.w(`${prefix}.bias`)]);
}

function geluTanh(c: EmitContext, x: string): string {
  const { g } = c;
  const cube = g.op("Mul", [g.op("Mul", [x, x]), x]);
  const inner = g.op("Add", [x, g.op("Mul", [cube, g.float32(0.044715)])]);
  const t = g.op("Tanh", [g.op("Mul", [inner, g.float32(SQRT_2_OVER_PI)])]);
  return g.op("Mul", [g.op("Mul", [x, g.float32(0.5)]), g.op("Add", [t, g.float32(1)])]);
}

/** `[B, S, H·Dh]` → `[B, H, S, Dh]`. */
function splitHeads(c: EmitContext, x: string, heads: number, dHead: number): string {
  const r = c.g.op("Reshape", [x, c.g.int64s([0, 0, heads, dHead])]);
  return c.g.op("Transpose", [r], { perm: { ints: [0, 2, 1, 3] } });
}

function portableAttention(c: EmitContext, h: string, i: number, mask: string): string {
  const { g, arch } = c;
  const d = arch.dModel;
  const heads = arch.nHead[i];
  const dHead = d / heads;
  const qkv = linear(c, h, `transformer.h.${i}.attn.c_attn`);
  const [q, k, v] = g.node("Split", [qkv, g.int64s([d, d, d])], { axis: { int: 2 } }, {
    outputs: 3,
  });
  let keys = splitHeads(c, k, heads, dHead);
  let values = splitHeads(c, v, heads, dHead);
  if (c.kvCache) {
    [keys] = g.node("Concat", [`past_key_${i}`, keys], { axis: { int: 2 } }, {
      outputs: [`present_key_${i}`],
    });
    [values] = g.node("Concat", [`past_value_${i}`, values], { axis: { int: 2 } }, {
      outputs: [`present_value_${i}`],
    });
  }
  const keysT = g.op("Transpose", [keys], { perm: { ints: [0, 1, 3, 2] } });
  const scores = g.op("Mul", [
    g.op("MatMul", [splitHeads(c, q, heads, dHead), keysT]),
    g.float32(1 / Math.sqrt(dHead)),
  ]);
  const probs = g.op("Softmax", [g.op("Add", [scores, mask])], { axis: { int: -1 } });
  const context = g.op("Transpose", [g.op("MatMul", [probs, values])], {
    perm: { ints: [0, 2, 1, 3] },
  });
  const merged = g.op("Reshape", [context, g.int64s([0, 0, d])]);
  return linear(c, merged, `transformer.h.${i}.attn.c_proj`);
}

function portableDecoder(c: EmitContext, x: string, mask: string): string {
  const { g, arch } = c;
  for (let i = 0; i < arch.nLayer; i++) {
    g.scope = `h.${i}`;
    const p = `transformer.h.${i}`;
    x = g.op("Add", [x, portableAttention(c, layerNorm(c, x, `${p}.ln_1`), i, mask)]);
    const hidden = geluTanh(c, linear(c, layerNorm(c, x, `${p}.ln_2`), `${p}.mlp.c_fc`));
    x = g.op("Add", [x, linear(c, hidden, `${p}.mlp.c_proj`)]);
  }
  g.scope = "";
  return x;
}

/** Residual add + bias + LayerNorm in one contrib op; returns [normalised, sum]. */
function skipLayerNorm(
  c: EmitContext,
  x: string,
  skip: string,
  bias: string,
  ln: string,
): string[] {
  const [normed, , , sum] = c.g.node(
    "SkipLayerNormalization",
    [x, skip, c.w(`${ln}.weight`), c.w(`${ln}.bias`), bias],
    { epsilon: { float: GPT2_LAYER_NORM_EPSILON } },
    { domain: "com.microsoft", outputs: 4 },
  );
  return [normed, sum];
}

function fastDecoder(c: EmitContext, x: string, mask: string): string {
  const { g, arch } = c;
  const d = arch.dModel;
  let normed = layerNorm(c, x, "transformer.h.0.ln_1");
  for (let i = 0; i < arch.nLayer; i++) {
    g.scope = `h.${i}`;
    const p = `transformer.h.${i}`;
    const heads = arch.nHead[i];
    const qkv = linear(c, normed, `${p}.attn.c_attn`);
    const [q, k, v] = g.node("Split", [qkv, g.int64s([d, d, d])], { axis: { int: 2 } }, {
      outputs: 3,
    });
    const inputs = [q, k, v, mask];
    const outputs = [g.scope + "/attention"];
    if (c.kvCache) {
      inputs.push(`past_key_${i}`, `past_value_${i}`);
      outputs.push(`present_key_${i}`, `present_value_${i}`);
    }
    const [context] = g.node("Attention", inputs, {
      q_num_heads: { int: heads },
      kv_num_heads: { int: heads },
    }, { outputs });
    const attnOut = g.op("MatMul", [context, c.w(`${p}.attn.c_proj.weight`)]);
    [normed, x] = skipLayerNorm(c, x, attnOut, c.w(`${p}.attn.c_proj.bias`), `${p}.ln_2`);
    const fc = g.op("MatMul", [normed, c.w(`${p}.mlp.c_fc.weight`)]);
    const hidden = g.op("FastGelu", [fc, c.w(`${p}.mlp.c_fc.bias`)], {}, "com.microsoft");
    const mlpOut = g.op("MatMul", [hidden, c.w(`${p}.mlp.c_proj.weight`)]);
    const nextLn = i + 1 < arch.nLayer ? `transformer.h.${i + 1}.ln_1` : "transformer.ln_f";
    [normed, x] = skipLayerNorm(c, x, mlpOut, c.w(`${p}.mlp.c_proj.bias`), nextLn);
  }
  g.scope = "";
  return normed;
}

/** Logits `[B, S, V]` from normalised hidden states `[B, S, d]`, tied to the embedding. */
function tiedHead(c: EmitContext, h: string): string {
  const { g, arch } = c;
  const flat = g.op("Reshape", [h, g.int64s([-1, arch.dModel])]);
  const logits2d = g.op("Gemm", [flat, c.w("transformer.wte.weight")], { transB: { int: 1 } });
  return reshapeToLogits(c, logits2d, h);
}

function lastPosition(c: EmitContext, x: string): string {
  const { g } = c;
  return g.op("Slice", [x, g.int64s([-1]), g.int64s([2 ** 62]), g.int64s([1])]);
}

/**
 * Emits a GPT-2 decoder as an in-memory ONNX model (weights filled on demand; write it with
 * `writeOnnx`). Inputs: `input_ids` `[batch, sequence]` int64 (plus `position_ids` and
 * `past_key_{i}`/`past_value_{i}` `[batch, nHead[i], past_sequence, dModel/nHead[i]]` with
 * `kvCache`); outputs: `logits` `[batch, sequence, vocab]` (`[batch, 1, vocab]` with
 * `lastTokenOnly`) and, with `kvCache`, `present_key_{i}`/`present_value_{i}`. Query position
 * s attends keys 0..past+s. With the adaptive softmax (the default for projected or adaptive
 * embeddings) `logits` holds log-probabilities over the whole vocabulary (metadata
 * `lts.output`). Throws `InputError` for architectures it cannot emit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { emitGpt2 } from "./gpt2.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: [4, 2], dInner: 256 });
 * const model = emitGpt2(arch, { dialect: "fast", kvCache: true, seed: 1 });
 * assert.deepEqual(model.outputs.map((o) => o.name).slice(0, 3), ["logits", "present_key_0", "present_value_0"]);
 * const adaptive = validateArch({
 *   backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256, dEmbed: 128, divVal: 4,
 * });
 * assert.equal(emitGpt2(adaptive).metadata["lts.output"], "log-probabilities");
 * ```
 */
export function emitGpt2(arch: Arch, options: Gpt2EmitOptions = {}): OnnxModel {
  checkEmittable(arch, options);
  const head = options.head ?? defaultGpt2Head(arch);
  const layout = embeddingLayout(arch, head);
  const dialect = options.dialect ?? "portable";
  if (!DIALECTS.includes(dialect)) throw new InputError(`dialect: unknown ${dialect}`);
  const kvCache = options.kvCache ?? false;
  const seed = nonNegativeInteger(options.seed ?? 0, "seed");
  const g = new GraphBuilder("gpt2");
  const weights = new Map<string, Initializer>();
  for (const init of gpt2Initializers(arch, seed, { head })) weights.set(init.name, init);
  const used = new Set<string>();
  const w = (name: string): string => {
    const init = weights.get(name);
    if (!init) throw new Error(`emitGpt2: no weight ${name}`);
    if (!used.has(name)) {
      used.add(name);
      g.initializer(name, init.dims, init.fill);
    }
    return name;
  };
  const c: EmitContext = { g, arch, w, kvCache };
  const inputIds = g.input("input_ids", "int64", ["batch", "sequence"]);
  const positionIds = kvCache ? g.input("position_ids", "int64", ["batch", "sequence"]) : "";
  if (kvCache) {
    for (let i = 0; i < arch.nLayer; i++) {
      const shape = ["batch", arch.nHead[i], "past_sequence", arch.dModel / arch.nHead[i]];
      g.input(`past_key_${i}`, "float32", shape);
      g.input(`past_value_${i}`, "float32", shape);
    }
  }
  const seqLen = g.op("Gather", [g.op("Shape", [inputIds]), g.int64s([1], true)], {
    axis: { int: 0 },
  });
  const pastLen = kvCache
    ? g.op("Gather", [g.op("Shape", ["past_key_0"]), g.int64s([2], true)], { axis: { int: 0 } })
    : undefined;
  const positions = kvCache
    ? positionIds
    : g.op("Range", [g.int64s([0], true), seqLen, g.int64s([1], true)]);
  const tokens = isPlainEmbedding(arch)
    ? g.op("Gather", [w("transformer.wte.weight"), inputIds], { axis: { int: 0 } })
    : adaptiveTokenEmbedding(c, inputIds, layout);
  const places = g.op("Gather", [w("transformer.wpe.weight"), positions], { axis: { int: 0 } });
  const embedded = g.op("Add", [tokens, places]);
  const mask = causalMask(c, seqLen, pastLen);
  let hidden: string;
  if (dialect === "portable") {
    let x = portableDecoder(c, embedded, mask);
    if (options.lastTokenOnly) x = lastPosition(c, x);
    hidden = layerNorm(c, x, "transformer.ln_f");
  } else {
    hidden = fastDecoder(c, embedded, mask);
    if (options.lastTokenOnly) hidden = lastPosition(c, hidden);
  }
  if (head === "lm-head") tiedHead(c, hidden);
  else adaptiveLogSoftmax(c, hidden, layout);
  g.output("logits", "float32", ["batch", options.lastTokenOnly ? 1 : "sequence", arch.vocabSize]);
  if (kvCache) {
    for (let i = 0; i < arch.nLayer; i++) {
      const shape = ["batch", arch.nHead[i], "total_sequence", arch.dModel / arch.nHead[i]];
      g.output(`present_key_${i}`, "float32", shape);
      g.output(`present_value_${i}`, "float32", shape);
    }
  }
  const portable = dialect === "portable";
  return declareSharedWeights(g.build({
    irVersion: portable ? 8 : 11,
    opsets: portable
      ? [{ domain: "", version: 17 }]
      : [{ domain: "", version: 23 }, { domain: "com.microsoft", version: 1 }],
    metadata: {
      "lts.backbone": arch.backbone,
      "lts.dialect": dialect,
      "lts.seed": String(seed),
      "lts.kv_cache": String(kvCache),
      "lts.last_token_only": String(options.lastTokenOnly ?? false),
      "lts.head": head,
      "lts.output": head === "lm-head" ? "logits" : "log-probabilities",
      "lts.arch": JSON.stringify(arch),
      "lts.graph_version": String(GPT2_GRAPH_VERSION),
    },
  }));
}

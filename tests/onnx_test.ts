import assert from "node:assert/strict";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type { Arch } from "../lib/arch/types.ts";
import { validateArch } from "../lib/arch/validate.ts";
import {
  checkEmittable,
  declareSharedWeights,
  decodeModel,
  defaultGpt2Head,
  elementCount,
  embeddingLayout,
  emitGpt2,
  encodeModel,
  EXTERNAL_ALIGNMENT_BYTES,
  externalLayout,
  fillUniform,
  GPT2_GRAPH_VERSION,
  type Gpt2EmitOptions,
  gpt2Initializers,
  GraphBuilder,
  isEmbeddingWeight,
  referenceLogits,
  sharedInitializers,
  tensorValues,
  writeOnnx,
} from "../lib/onnx/mod.ts";
import { countParams, decoderParams } from "../lib/params/mod.ts";
import { getSpace, sampleArch } from "../lib/space/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import { createRng } from "../lib/util/rng.ts";
import { runCliProcess } from "./helpers.ts";

// Tiny heterogeneous models: different heads and inner widths per layer.
const TINY: Arch = validateArch({
  backbone: "gpt2",
  nLayer: 3,
  dModel: 48,
  nHead: [4, 2, 6],
  dInner: [96, 160, 64],
  vocabSize: 211,
  nPositions: 32,
});
const SEED = 11;
const IDS = [[5, 17, 3, 200, 42, 7, 99], [1, 2, 3, 4, 5, 6, 7]];

// Tiny adaptive models: vocabulary 150 in clusters [0, 20), [20, 60), [60, 150).
const ADAPTIVE_BASE = {
  backbone: "gpt2",
  nLayer: 2,
  dModel: 48,
  nHead: [4, 6],
  dInner: [96, 64],
  vocabSize: 150,
  nPositions: 32,
  cutoffs: [20, 60],
} as const;
/** k = 2, dEmbed < dModel: cluster widths 32, 16, 8. */
const ADAPTIVE2: Arch = validateArch({ ...ADAPTIVE_BASE, dEmbed: 32, divVal: 2 });
/** k = 4, dEmbed > dModel: cluster widths 64, 16, 4. */
const ADAPTIVE4: Arch = validateArch({ ...ADAPTIVE_BASE, dEmbed: 64, divVal: 4 });
/** k = 1, dEmbed ≠ dModel: one [150, 32] table projected to 48. */
const PROJECTED: Arch = validateArch({ ...ADAPTIVE_BASE, dEmbed: 32 });
/** Tokens from every cluster, both edges included. */
const ADAPTIVE_IDS = [[0, 19, 20, 59, 60, 149, 7], [100, 3, 44, 21, 77, 12, 140]];

const tmp = await Deno.makeTempDir({ prefix: "lts_onnx_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

const ortTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Session options of the tests: ONNX Runtime's warnings (tied weights as inputs) are expected. */
const QUIET: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, logSeverityLevel: 3 };

const sessions = new Map<string, ort.InferenceSession>();
async function session(
  arch: Arch,
  options: Gpt2EmitOptions,
  external: boolean | "auto" = "auto",
): Promise<ort.InferenceSession> {
  const key = JSON.stringify([arch, options, external]);
  const cached = sessions.get(key);
  if (cached) return cached;
  const path = join(tmp, `m${sessions.size}.onnx`);
  await writeOnnx(emitGpt2(arch, options), path, { externalData: external });
  const s = await ort.InferenceSession.create(path, QUIET);
  sessions.set(key, s);
  return s;
}

const int64 = (rows: number[][]) =>
  new ort.Tensor("int64", BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);

interface Step {
  logits: Float32Array;
  dims: readonly number[];
  present: Record<string, ort.Tensor>;
}

/** Runs one step; with a KV cache, `past` holds the present tensors of the previous step. */
async function run(
  s: ort.InferenceSession,
  arch: Arch,
  ids: number[][],
  kv?: { pastLength: number; past?: Record<string, ort.Tensor> },
): Promise<Step> {
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(ids) };
  if (kv) {
    feeds.position_ids = int64(ids.map((row) => row.map((_, s) => kv.pastLength + s)));
    for (let i = 0; i < arch.nLayer; i++) {
      for (const kind of ["key", "value"]) {
        const dims = [ids.length, arch.nHead[i], 0, arch.dModel / arch.nHead[i]];
        feeds[`past_${kind}_${i}`] = kv.past?.[`present_${kind}_${i}`] ??
          new ort.Tensor("float32", new Float32Array(0), dims);
      }
    }
  }
  const out = await s.run(feeds);
  const present: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(out)) if (k.startsWith("present_")) present[k] = v;
  return { logits: out.logits.data as Float32Array, dims: out.logits.dims, present };
}

/** Logits of rows [b][s] → the slice of positions [from, to). */
function positions(step: Step, from: number, to: number): Float32Array[] {
  const [batch, seq, vocab] = step.dims;
  return Array.from(
    { length: batch },
    (_, b) => step.logits.slice((b * seq + from) * vocab, (b * seq + to) * vocab),
  );
}

Deno.test("weights: seeded, distinct per tensor and seed, never zero, GPT-2 scale", () => {
  const a = new Float32Array(100_000), b = new Float32Array(100_000);
  fillUniform(a, 3, "w", { center: 0, halfWidth: 0.02 * Math.sqrt(3) });
  fillUniform(b, 3, "w", { center: 0, halfWidth: 0.02 * Math.sqrt(3) });
  assert.deepEqual(a, b);
  fillUniform(b, 4, "w", { center: 0, halfWidth: 0.02 * Math.sqrt(3) });
  assert.ok(maxAbsDiff(a, b) > 0.01);
  fillUniform(b, 3, "v", { center: 0, halfWidth: 0.02 * Math.sqrt(3) });
  assert.ok(maxAbsDiff(a, b) > 0.01);
  let sum = 0, sumSq = 0;
  for (const v of a) {
    assert.notEqual(v, 0);
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / a.length;
  const std = Math.sqrt(sumSq / a.length - mean ** 2);
  assert.ok(Math.abs(mean) < 5e-4, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.02) < 5e-4, `std ${std}`);

  // Chunked generation does not depend on the length asked for.
  const long = new Float32Array(200_003), short = new Float32Array(70_001);
  fillUniform(long, 5, "t", { center: 1, halfWidth: 0.1 });
  fillUniform(short, 5, "t", { center: 1, halfWidth: 0.1 });
  assert.deepEqual(short, long.subarray(0, 70_001));
  assert.ok(long.every((v) => v > 0.9 && v < 1.1));

  const inits = gpt2Initializers(TINY, SEED);
  const values = inits.map(tensorValues);
  const firsts = new Set(values.map((v) => v[0]));
  assert.equal(firsts.size, inits.length, "every tensor starts differently");
  for (const [k, init] of inits.entries()) {
    assert.ok(values[k].every((v) => v !== 0), `${init.name} has a zero`);
    if (init.name.endsWith("ln_1.weight") || init.name.endsWith("ln_f.weight")) {
      assert.ok(values[k].every((v) => v > 0.85 && v < 1.15), init.name);
    }
  }
});

Deno.test("gpt2: HF state-dict names and shapes; decoder initializers = decoderParams", () => {
  for (const dialect of ["portable", "fast"] as const) {
    for (const kvCache of [false, true]) {
      const model = emitGpt2(TINY, { dialect, kvCache, seed: SEED });
      const shapes = new Map(model.initializers.map((w) => [w.name, w.dims]));
      const d = TINY.dModel;
      assert.deepEqual(shapes.get("transformer.wte.weight"), [211, d]);
      assert.deepEqual(shapes.get("transformer.wpe.weight"), [32, d]);
      assert.deepEqual(shapes.get("transformer.h.1.attn.c_attn.weight"), [d, 3 * d]);
      assert.deepEqual(shapes.get("transformer.h.1.attn.c_attn.bias"), [3 * d]);
      assert.deepEqual(shapes.get("transformer.h.1.attn.c_proj.weight"), [d, d]);
      assert.deepEqual(shapes.get("transformer.h.1.mlp.c_fc.weight"), [d, 160]);
      assert.deepEqual(shapes.get("transformer.h.1.mlp.c_proj.weight"), [160, d]);
      assert.deepEqual(shapes.get("transformer.ln_f.bias"), [d]);
      assert.equal(model.initializers.length, 2 + 12 * TINY.nLayer + 2);
      let decoder = 0;
      for (const w of model.initializers) {
        assert.match(w.name, /^transformer\./);
        if (!isEmbeddingWeight(w.name)) decoder += elementCount(w.dims);
      }
      assert.equal(decoder, decoderParams(TINY), `${dialect} kv ${kvCache}`);
    }
  }
  const small = validateArch({
    backbone: "gpt2",
    nLayer: 12,
    dModel: 768,
    nHead: 12,
    dInner: 3072,
  });
  const decoder = gpt2Initializers(small).filter((w) => !isEmbeddingWeight(w.name))
    .reduce((n, w) => n + elementCount(w.dims), 0);
  assert.equal(decoder, decoderParams(small));
  assert.equal(decoder, 85_056_000);
});

Deno.test("gpt2: tied weights are declared as inputs with defaults, held once by the runtime", async () => {
  for (const dialect of ["portable", "fast"] as const) {
    for (const kvCache of [false, true]) {
      const model = emitGpt2(TINY, { dialect, kvCache, seed: SEED });
      assert.deepEqual(sharedInitializers(model), ["transformer.wte.weight"]);
      const declared = model.inputs.filter((i) =>
        model.initializers.some((w) => w.name === i.name)
      );
      assert.deepEqual(declared, [
        { name: "transformer.wte.weight", elemType: "float32", shape: [211, TINY.dModel] },
      ]);
      assert.equal(model.metadata["lts.graph_version"], String(GPT2_GRAPH_VERSION));
    }
  }
  // The runtime does not list the tied table among the inputs a caller feeds.
  const s = await session(TINY, { dialect: "fast", kvCache: true, seed: SEED });
  assert.ok(!s.inputNames.includes("transformer.wte.weight"));
  assert.ok(s.inputNames.includes("input_ids"));
  // archai's adaptive head: every table and projection shared with the embedding is declared.
  const adaptive = emitGpt2(ADAPTIVE2, { kvCache: true });
  const shared = sharedInitializers(adaptive);
  for (const name of ["transformer.wte.emb_layers.0.weight", "transformer.wte.emb_projs.1"]) {
    assert.ok(shared.includes(name), name);
    assert.ok(adaptive.inputs.some((i) => i.name === name), name);
  }
  assert.ok(!shared.includes("transformer.wpe.weight"), "read once: stays a constant");
  // Idempotent, and a weight read by one node only is left alone.
  assert.deepEqual(declareSharedWeights(adaptive).inputs, adaptive.inputs);
});

Deno.test("gpt2: portable uses opset 17 only; fast uses fused attention and contrib ops", () => {
  const ops = (options: Gpt2EmitOptions) => {
    const model = emitGpt2(TINY, { ...options, kvCache: true });
    const count = new Map<string, number>();
    for (const n of model.nodes) {
      const key = `${n.domain}:${n.opType}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    return { model, count };
  };
  const portable = ops({ dialect: "portable" });
  assert.deepEqual(portable.model.opsets, [{ domain: "", version: 17 }]);
  assert.ok([...portable.count.keys()].every((k) => k.startsWith(":")));
  assert.equal(portable.count.get(":LayerNormalization"), 2 * TINY.nLayer + 1);
  assert.equal(portable.count.get(":Softmax"), TINY.nLayer);
  assert.equal(portable.count.get(":Tanh"), TINY.nLayer);
  const fast = ops({ dialect: "fast" });
  assert.deepEqual(fast.model.opsets.map((o) => o.domain), ["", "com.microsoft"]);
  assert.equal(fast.count.get(":Attention"), TINY.nLayer);
  assert.equal(fast.count.get("com.microsoft:SkipLayerNormalization"), 2 * TINY.nLayer);
  assert.equal(fast.count.get("com.microsoft:FastGelu"), TINY.nLayer);
  assert.equal(fast.count.get(":Softmax"), undefined);
  for (const { model } of [portable, fast]) {
    assert.equal(model.nodes.filter((n) => n.opType === "Gemm").length, 1, "tied head");
    assert.equal(
      model.nodes.some((n) =>
        n.inputs.includes("transformer.wte.weight") &&
        n.opType === "Transpose"
      ),
      false,
    );
  }
});

Deno.test("gpt2: gpt2 with a tied output layer is emitted; the lm-head needs a plain table", () => {
  const base = { backbone: "gpt2", nLayer: 2, dModel: 32, nHead: 2, dInner: 64 } as const;
  checkEmittable(validateArch(base));
  checkEmittable(validateArch(base), { head: "adaptive-softmax" });
  checkEmittable(validateArch({ ...base, divVal: 2, vocabSize: 300, cutoffs: [100] }));
  checkEmittable(validateArch({ ...base, dEmbed: 64 }));
  const bad = [
    [{ ...base, backbone: "transformer-xl" }, {}, /^backbone: emission supports only gpt2/],
    [{ ...base, tieWeight: false }, {}, /^tieWeight:/],
    [
      { ...base, divVal: 2, vocabSize: 300, cutoffs: [100] },
      { head: "lm-head" },
      /^head: the lm-head needs a plain embedding .*divVal 2, dEmbed 32, dModel 32/,
    ],
    [{ ...base, dEmbed: 64 }, { head: "lm-head" }, /^head: .*dEmbed 64, dModel 32/],
    [base, { head: "softmax" }, /^head: expected one of lm-head, adaptive-softmax/],
  ] as const;
  for (const [config, options, message] of bad) {
    assert.throws(() => emitGpt2(validateArch(config), options as Gpt2EmitOptions), (e) => {
      assert.ok(isInputError(e));
      assert.match((e as Error).message, message);
      return true;
    });
  }
});

Deno.test("adaptive: archai names and shapes, tied weights once, defaults per embedding", () => {
  const shapes = (arch: Arch, options: Gpt2EmitOptions = {}) => {
    const model = emitGpt2(arch, { ...options, kvCache: true });
    const names = model.initializers.map((w) => w.name);
    assert.equal(new Set(names).size, names.length, "no initializer twice");
    // Every initializer is used by some node.
    const used = new Set(model.nodes.flatMap((n) => n.inputs));
    for (const name of names) assert.ok(used.has(name), `${name} unused`);
    return new Map(
      model.initializers.filter((w) => isEmbeddingWeight(w.name)).map((w) => [w.name, w.dims]),
    );
  };
  assert.deepEqual(
    shapes(ADAPTIVE2),
    new Map([
      ["transformer.wte.emb_layers.0.weight", [20, 32]],
      ["transformer.wte.emb_layers.1.weight", [40, 16]],
      ["transformer.wte.emb_layers.2.weight", [90, 8]],
      ["transformer.wte.emb_projs.0", [48, 32]],
      ["transformer.wte.emb_projs.1", [48, 16]],
      ["transformer.wte.emb_projs.2", [48, 8]],
      ["transformer.wpe.weight", [32, 48]],
      ["crit.cluster_weight", [2, 32]],
      ["crit.cluster_bias", [2]],
      ["crit.out_layers_biases.0", [20]],
      ["crit.out_layers_biases.1", [40]],
      ["crit.out_layers_biases.2", [90]],
      ["crit.out_projs.0", [48, 32]],
    ]),
  );
  assert.deepEqual(
    shapes(PROJECTED),
    new Map([
      ["transformer.wte.emb_layers.0.weight", [150, 32]],
      ["transformer.wte.emb_projs.0", [48, 32]],
      ["transformer.wpe.weight", [32, 48]],
      ["crit.cluster_weight", [2, 32]],
      ["crit.cluster_bias", [2]],
      ["crit.out_layers_biases.0", [150]],
      ["crit.out_projs.0", [48, 32]],
    ]),
  );
  const plainAdaptive = validateArch({ ...ADAPTIVE_BASE });
  assert.deepEqual(
    shapes(plainAdaptive, { head: "adaptive-softmax" }),
    new Map([
      ["transformer.wte.weight", [150, 48]],
      ["transformer.wpe.weight", [32, 48]],
      ["crit.cluster_weight", [2, 48]],
      ["crit.cluster_bias", [2]],
      ["crit.out_layers_biases.0", [150]],
    ]),
  );
  // Tail clusters reuse the embedding's projections (tie_projs [false, true, true]).
  assert.deepEqual(embeddingLayout(ADAPTIVE4).clusters.map((c) => c.projection), [
    "crit.out_projs.0",
    "transformer.wte.emb_projs.1",
    "transformer.wte.emb_projs.2",
  ]);
  assert.deepEqual(embeddingLayout(PROJECTED).clusters.map((c) => c.projection), [
    "crit.out_projs.0",
    "transformer.wte.emb_projs.0",
    "transformer.wte.emb_projs.0",
  ]);
  assert.equal(emitGpt2(ADAPTIVE4).metadata["lts.head"], "adaptive-softmax");
  assert.equal(emitGpt2(ADAPTIVE4).metadata["lts.output"], "log-probabilities");
  assert.equal(emitGpt2(TINY).metadata["lts.head"], "lm-head");
  assert.equal(emitGpt2(TINY).metadata["lts.output"], "logits");
  // The plain model is unchanged by the adaptive code: same names, one Gemm, no crit.*.
  assert.ok(gpt2Initializers(TINY).every((w) => !w.name.startsWith("crit.")));
});

function paramSplit(arch: Arch, options: { head?: "lm-head" | "adaptive-softmax" } = {}) {
  let decoder = 0, outside = 0;
  for (const w of gpt2Initializers(arch, 0, options)) {
    if (isEmbeddingWeight(w.name)) outside += elementCount(w.dims);
    else decoder += elementCount(w.dims);
  }
  return { decoder, outside };
}

Deno.test("adaptive: initializers = countParams (decoder exactly; embedding + softmax)", () => {
  const cases: [Arch, "lm-head" | "adaptive-softmax"][] = [
    [ADAPTIVE2, "adaptive-softmax"],
    [ADAPTIVE4, "adaptive-softmax"],
    [PROJECTED, "adaptive-softmax"],
    [validateArch({ ...ADAPTIVE_BASE, dEmbed: 32, cutoffs: [] }), "adaptive-softmax"],
    [validateArch({ ...ADAPTIVE_BASE, dEmbed: 32, divVal: 4, cutoffs: [] }), "adaptive-softmax"],
    [validateArch({ ...ADAPTIVE_BASE }), "adaptive-softmax"],
    [TINY, "lm-head"],
  ];
  // Every lts-gpt2 embedding choice, at the published vocabulary and cutoffs.
  const space = getSpace("lts-gpt2");
  const rng = createRng(5);
  const seen = new Set<string>();
  while (seen.size < 9) {
    const arch = sampleArch(space, rng);
    const key = `${arch.dEmbed}/${arch.divVal}`;
    if (seen.has(key)) continue;
    seen.add(key);
    cases.push([
      arch,
      arch.divVal === 1 && arch.dEmbed === arch.dModel ? "lm-head" : "adaptive-softmax",
    ]);
  }
  for (const [arch, head] of cases) {
    const { decoder, outside } = paramSplit(arch, { head });
    const count = countParams(arch, { head });
    const what = JSON.stringify([arch.dModel, arch.dEmbed, arch.divVal, arch.cutoffs, head]);
    assert.equal(decoder, count.decoderParams, what);
    assert.equal(decoder, decoderParams(arch), what);
    assert.equal(outside, count.embeddingParams + count.softmaxParams, what);
    assert.equal(decoder + outside, count.totalParams, what);
  }
  // The default head follows the embedding: the lm-head only for a plain table.
  for (const [arch] of cases) {
    const plain = arch.divVal === 1 && arch.dEmbed === arch.dModel;
    const head = plain ? "lm-head" : "adaptive-softmax";
    assert.equal(defaultGpt2Head(arch), head);
    assert.deepEqual(paramSplit(arch), paramSplit(arch, { head }));
  }
});

Deno.test("adaptive: every lts-gpt2 architecture is emittable (both dialects, KV cache)", () => {
  const space = getSpace("lts-gpt2");
  const rng = createRng(9);
  const kinds = new Set<string>();
  for (let k = 0; k < 24; k++) {
    const arch = sampleArch(space, rng);
    kinds.add(`${arch.divVal}`);
    checkEmittable(arch);
    const dialect = k % 2 === 0 ? "portable" : "fast";
    const model = emitGpt2(arch, { dialect, kvCache: k % 3 === 0, lastTokenOnly: true });
    assert.deepEqual(model.outputs[0], {
      name: "logits",
      elemType: "float32",
      shape: ["batch", 1, arch.vocabSize],
    });
  }
  assert.deepEqual([...kinds].sort(), ["1", "2", "4"]);
});

Deno.test("proto: encodes ModelProto with ONNX field numbers; external entries are aligned", () => {
  const model = emitGpt2(TINY, { dialect: "portable", kvCache: true, seed: SEED });
  const embedded = decodeModel(encodeModel(model));
  assert.equal(embedded.irVersion, 8);
  assert.deepEqual(
    embedded.opsetImport.map((
      o: { domain?: string; version: number },
    ) => [o.domain ?? "", o.version]),
    [["", 17]],
  );
  assert.deepEqual(embedded.graph.input.map((v: { name: string }) => v.name).slice(0, 3), [
    "input_ids",
    "position_ids",
    "past_key_0",
  ]);
  const pastKey1 = embedded.graph.input[4].type.tensorType.shape.dim;
  assert.deepEqual(pastKey1, [{ dimParam: "batch" }, { dimValue: 2 }, {
    dimParam: "past_sequence",
  }, { dimValue: 24 }]);
  const wte = embedded.graph.initializer[0];
  assert.equal(wte.name, "transformer.wte.weight");
  assert.deepEqual(wte.dims, [211, 48]);
  assert.equal(wte.dataType, 1);
  const raw = new Float32Array(new Uint8Array(wte.rawData).buffer);
  assert.deepEqual(raw, tensorValues(model.initializers[0]));

  const layout = externalLayout(model.initializers);
  const external = decodeModel(encodeModel(model, { external: { location: "m.data", layout } }));
  for (const [k, t] of external.graph.initializer.entries()) {
    assert.equal(t.dataLocation, 1);
    assert.equal(t.rawData, undefined);
    const entry = Object.fromEntries(
      t.externalData.map((e: { key: string; value: string }) => [e.key, e.value]),
    );
    assert.equal(entry.location, "m.data");
    assert.equal(Number(entry.offset) % EXTERNAL_ALIGNMENT_BYTES, 0);
    assert.equal(Number(entry.length), elementCount(model.initializers[k].dims) * 4);
    assert.equal(Number(entry.offset), layout.entries[k].offsetBytes);
  }
  const ends = layout.entries.map((e) => e.offsetBytes + e.lengthBytes);
  for (let k = 1; k < ends.length; k++) assert.ok(layout.entries[k].offsetBytes >= ends[k - 1]);
});

ortTest("ort: emitted model matches an independent TypeScript forward pass", async () => {
  const weights = new Map(gpt2Initializers(TINY, SEED).map((w) => [w.name, tensorValues(w)]));
  const expected = referenceLogits(TINY, (n) => weights.get(n)!, IDS);
  assert.ok(maxAbs(expected) > 0.05, "logits are not trivially small");
  for (const dialect of ["portable", "fast"] as const) {
    const step = await run(await session(TINY, { dialect, seed: SEED }), TINY, IDS);
    assert.deepEqual(step.dims, [2, 7, 211]);
    const diff = maxAbsDiff(step.logits, expected);
    assert.ok(diff <= 1e-5, `${dialect}: max abs diff ${diff}`);
  }
  // Another seed gives other logits.
  const other = await run(await session(TINY, { seed: SEED + 1 }), TINY, IDS);
  assert.ok(maxAbsDiff(other.logits, expected) > 1e-3);
});

ortTest("ort: causal (token j changes logits at j and after, never before)", async () => {
  for (const dialect of ["portable", "fast"] as const) {
    for (const kvCache of [false, true]) {
      const s = await session(TINY, { dialect, kvCache, seed: SEED });
      const kv = kvCache ? { pastLength: 0 } : undefined;
      const base = await run(s, TINY, IDS, kv);
      for (const j of [0, 3, 6]) {
        const changed = IDS.map((row) => row.map((t, k) => (k === j ? (t + 50) % 211 : t)));
        const step = await run(s, TINY, changed, kv);
        const [before, beforeBase] = [positions(step, 0, j), positions(base, 0, j)];
        for (let b = 0; b < IDS.length; b++) {
          assert.ok(maxAbsDiff(before[b], beforeBase[b]) <= 1e-6, `${dialect} j ${j}`);
          const at = maxAbsDiff(positions(step, j, j + 1)[b], positions(base, j, j + 1)[b]);
          assert.ok(at > 1e-3, `${dialect} kv ${kvCache}: token ${j} did not change its logits`);
        }
      }
    }
  }
});

ortTest("ort: KV cache (prompt, then chunks and single tokens) equals one full pass", async () => {
  for (const dialect of ["portable", "fast"] as const) {
    const full = await run(await session(TINY, { dialect, seed: SEED }), TINY, IDS);
    const s = await session(TINY, { dialect, kvCache: true, seed: SEED });
    // Prompt of 3, a chunk of 2 (seq > 1 with past > 0), then one token at a time.
    const cuts = [[0, 3], [3, 5], [5, 6], [6, 7]];
    let past: Record<string, ort.Tensor> | undefined;
    for (const [from, to] of cuts) {
      const step = await run(s, TINY, IDS.map((row) => row.slice(from, to)), {
        pastLength: from,
        past,
      });
      assert.deepEqual(step.present.present_key_2.dims, [2, 6, to, 8]);
      assert.deepEqual(step.present.present_value_1.dims, [2, 2, to, 24]);
      const expected = positions(full, from, to);
      const got = positions(step, 0, to - from);
      for (let b = 0; b < IDS.length; b++) {
        const diff = maxAbsDiff(got[b], expected[b]);
        assert.ok(diff <= 1e-4, `${dialect} positions ${from}..${to}: ${diff}`);
      }
      past = step.present;
    }
  }
});

ortTest("ort: both dialects agree; last-token-only gives the last position", async () => {
  const portable = await run(await session(TINY, { seed: SEED }), TINY, IDS);
  const fast = await run(await session(TINY, { dialect: "fast", seed: SEED }), TINY, IDS);
  assert.ok(maxAbsDiff(portable.logits, fast.logits) <= 1e-4);
  for (const dialect of ["portable", "fast"] as const) {
    for (const kvCache of [false, true]) {
      const s = await session(TINY, { dialect, kvCache, lastTokenOnly: true, seed: SEED });
      const last = await run(s, TINY, IDS, kvCache ? { pastLength: 0 } : undefined);
      assert.deepEqual(last.dims, [2, 1, 211]);
      const expected = positions(portable, 6, 7);
      const got = positions(last, 0, 1);
      for (let b = 0; b < 2; b++) assert.ok(maxAbsDiff(got[b], expected[b]) <= 1e-4);
    }
  }
});

const ADAPTIVE_CASES: [string, Arch][] = [
  ["k=2", ADAPTIVE2],
  ["k=4", ADAPTIVE4],
  ["k=1 projected", PROJECTED],
];

function referenceFor(arch: Arch, ids: number[][], options: Gpt2EmitOptions = {}): Float32Array {
  const head = options.head;
  const weights = new Map(
    gpt2Initializers(arch, SEED, { head }).map((w) => [w.name, tensorValues(w)]),
  );
  return referenceLogits(
    arch,
    (n) => {
      const v = weights.get(n);
      if (!v) throw new Error(`no weight ${n}`);
      return v;
    },
    ids,
    { head },
  );
}

ortTest(
  "ort adaptive: log-probabilities match the TypeScript forward pass (both dialects)",
  async () => {
    const V = ADAPTIVE_BASE.vocabSize;
    for (const [label, arch] of ADAPTIVE_CASES) {
      const expected = referenceFor(arch, ADAPTIVE_IDS);
      for (const dialect of ["portable", "fast"] as const) {
        const step = await run(await session(arch, { dialect, seed: SEED }), arch, ADAPTIVE_IDS);
        assert.deepEqual(step.dims, [2, 7, V]);
        const diff = maxAbsDiff(step.logits, expected);
        assert.ok(diff <= 1e-4, `${label} ${dialect}: max abs diff ${diff}`);
        // Each row is a distribution over the whole vocabulary.
        for (let r = 0; r < 14; r++) {
          let sum = 0;
          for (let t = 0; t < V; t++) sum += Math.exp(step.logits[r * V + t]);
          assert.ok(Math.abs(sum - 1) < 1e-4, `${label} ${dialect} row ${r}: Σp = ${sum}`);
        }
      }
    }
    // A plain table can take the adaptive softmax too.
    const plain = validateArch({ ...ADAPTIVE_BASE });
    const options = { head: "adaptive-softmax", seed: SEED } as const;
    const expected = referenceFor(plain, ADAPTIVE_IDS, options);
    const step = await run(await session(plain, options), plain, ADAPTIVE_IDS);
    assert.ok(maxAbsDiff(step.logits, expected) <= 1e-4);
  },
);

ortTest("ort adaptive: causal; KV cache equals one full pass; last-token-only", async () => {
  const V = ADAPTIVE_BASE.vocabSize;
  for (const [label, arch] of ADAPTIVE_CASES) {
    const full = await run(await session(arch, { seed: SEED }), arch, ADAPTIVE_IDS);
    const fast = await run(
      await session(arch, { dialect: "fast", seed: SEED }),
      arch,
      ADAPTIVE_IDS,
    );
    assert.ok(maxAbsDiff(full.logits, fast.logits) <= 1e-4, `${label}: dialects differ`);
    for (const dialect of ["portable", "fast"] as const) {
      // Causality, through the KV-cache graph with an empty past.
      const s = await session(arch, { dialect, kvCache: true, seed: SEED });
      const base = await run(s, arch, ADAPTIVE_IDS, { pastLength: 0 });
      for (const j of [0, 4, 6]) {
        // Move token j into another cluster.
        const changed = ADAPTIVE_IDS.map((row) => row.map((t, k) => (k === j ? (t + 75) % V : t)));
        const step = await run(s, arch, changed, { pastLength: 0 });
        for (let b = 0; b < 2; b++) {
          const before = maxAbsDiff(positions(step, 0, j)[b], positions(base, 0, j)[b]);
          assert.ok(before <= 1e-6, `${label} ${dialect} j ${j}: earlier positions changed`);
          const at = maxAbsDiff(positions(step, j, j + 1)[b], positions(base, j, j + 1)[b]);
          assert.ok(at > 1e-3, `${label} ${dialect}: token ${j} did not change its output`);
        }
      }
      // Prompt of 3, a chunk of 2, then single tokens.
      let past: Record<string, ort.Tensor> | undefined;
      for (const [from, to] of [[0, 3], [3, 5], [5, 6], [6, 7]]) {
        const ids = ADAPTIVE_IDS.map((row) => row.slice(from, to));
        const step = await run(s, arch, ids, { pastLength: from, past });
        for (let b = 0; b < 2; b++) {
          const diff = maxAbsDiff(positions(step, 0, to - from)[b], positions(full, from, to)[b]);
          assert.ok(diff <= 1e-4, `${label} ${dialect} positions ${from}..${to}: ${diff}`);
        }
        past = step.present;
      }
      const lastOnly = await session(arch, { dialect, lastTokenOnly: true, seed: SEED });
      const last = await run(lastOnly, arch, ADAPTIVE_IDS);
      assert.deepEqual(last.dims, [2, 1, V]);
      for (let b = 0; b < 2; b++) {
        assert.ok(maxAbsDiff(positions(last, 0, 1)[b], positions(full, 6, 7)[b]) <= 1e-4);
      }
    }
  }
});

ortTest("write: external data file, 4 KiB-aligned, same logits as embedded", async () => {
  const path = join(tmp, "ext", "model.onnx");
  const written = await writeOnnx(emitGpt2(TINY, { seed: SEED }), path, { externalData: true });
  assert.equal(written.dataPath, `${path}.data`);
  assert.equal((await Deno.stat(path)).size, written.onnxBytes);
  assert.equal((await Deno.stat(written.dataPath!)).size, written.dataBytes);
  assert.deepEqual([...Deno.readDirSync(join(tmp, "ext"))].map((e) => e.name).sort(), [
    "model.onnx",
    "model.onnx.data",
  ]);
  const inits = gpt2Initializers(TINY, SEED);
  const layout = externalLayout(inits);
  const data = await Deno.readFile(written.dataPath!);
  const k = inits.findIndex((w) => w.name === "transformer.h.2.mlp.c_fc.weight");
  const { offsetBytes, lengthBytes } = layout.entries[k];
  assert.equal(offsetBytes % 4096, 0);
  assert.deepEqual(
    new Float32Array(data.slice(offsetBytes, offsetBytes + lengthBytes).buffer),
    tensorValues(inits[k]),
  );
  assert.ok(written.onnxBytes < 20_000, "weights are not embedded");
  const s = await ort.InferenceSession.create(path, QUIET);
  const externalStep = await run(s, TINY, IDS);
  const embeddedStep = await run(await session(TINY, { seed: SEED }, false), TINY, IDS);
  assert.deepEqual(externalStep.logits, embeddedStep.logits);
});

Deno.test("write: same seed gives the same bytes; bad output paths are InputErrors", async () => {
  const model = emitGpt2(TINY, { dialect: "fast", seed: SEED });
  const a = await writeOnnx(model, join(tmp, "same", "a.onnx"));
  const b = await writeOnnx(emitGpt2(TINY, { dialect: "fast", seed: SEED }), join(tmp, "b.onnx"));
  assert.deepEqual(await Deno.readFile(a.onnxPath), await Deno.readFile(b.onnxPath));
  const blocker = join(tmp, "file");
  await Deno.writeTextFile(blocker, "x");
  await assert.rejects(() => writeOnnx(model, join(blocker, "m.onnx")), (e) => isInputError(e));
  await assert.rejects(() => writeOnnx(model, join(tmp, "same")), (e) => isInputError(e));
  assert.deepEqual([...Deno.readDirSync(join(tmp, "same"))].map((e) => e.name), ["a.onnx"]);
});

Deno.test("graph: builder rejects undefined inputs and reused names", () => {
  const g = new GraphBuilder("t");
  const x = g.input("x", "float32", [2]);
  assert.throws(() => g.op("Add", [x, "nope"]), /not defined/);
  assert.throws(() => g.node("Relu", [x], {}, { outputs: ["x"] }), /used twice/);
});

const PYTHON = "/usr/bin/python3";
async function pythonHasOnnx(): Promise<boolean> {
  try {
    const { code } = await new Deno.Command(PYTHON, { args: ["-c", "import onnx"] }).output();
    return code === 0;
  } catch {
    return false;
  }
}
const HAS_ONNX = await pythonHasOnnx();
const IN_CI = Deno.env.get("CI") !== undefined && Deno.env.get("CI") !== "";

Deno.test({
  name: "checker: portable models pass onnx.checker.check_model(full_check=True)",
  ignore: !HAS_ONNX && !IN_CI,
  async fn() {
    assert.ok(HAS_ONNX, `${PYTHON} has no onnx module (apt-get install python3-onnx)`);
    const paths: string[] = [];
    for (
      const [k, options] of [{ kvCache: false }, { kvCache: true, lastTokenOnly: true }].entries()
    ) {
      const path = join(tmp, `checked${k}.onnx`);
      await writeOnnx(emitGpt2(TINY, { ...options, seed: SEED }), path, { externalData: k === 1 });
      paths.push(path);
    }
    for (const [k, arch] of [ADAPTIVE2, ADAPTIVE4, PROJECTED].entries()) {
      const path = join(tmp, `checked-adaptive${k}.onnx`);
      await writeOnnx(emitGpt2(arch, { kvCache: k !== 1, seed: SEED }), path);
      paths.push(path);
    }
    const script = [
      "import sys, onnx",
      "for p in sys.argv[1:]:",
      "    onnx.checker.check_model(p, full_check=True)",
      "    m = onnx.load(p)",
      "    print(m.ir_version, m.opset_import[0].version, len(m.graph.initializer))",
    ].join("\n");
    const out = await new Deno.Command(PYTHON, { args: ["-c", script, ...paths] }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, text);
    assert.deepEqual(text.trim().split("\n"), [
      "8 17 40",
      "8 17 40",
      `8 17 ${gpt2Initializers(ADAPTIVE2).length}`,
      `8 17 ${gpt2Initializers(ADAPTIVE4).length}`,
      `8 17 ${gpt2Initializers(PROJECTED).length}`,
    ]);
  },
});

Deno.test("cli: emit writes a model and prints one JSON line; bad input exits 2", async () => {
  const cli = runCliProcess;
  const arch = JSON.stringify({ ...TINY, nHead: TINY.nHead, dInner: TINY.dInner });
  const path = join(tmp, "cli", "m.onnx");
  const ok = await cli(["emit", "-", "--out", path, "--dialect", "fast", "--kv-cache"], arch);
  assert.equal(ok.code, 0, ok.stderr);
  const line = JSON.parse(ok.stdout);
  assert.equal(line.onnxPath, path);
  assert.equal(line.dataPath, null);
  assert.equal(line.decoderParams, decoderParams(TINY));
  assert.equal(line.dialect, "fast");
  assert.equal(line.head, "lm-head");
  assert.equal((await Deno.stat(path)).size, line.onnxBytes);

  const adaptivePath = join(tmp, "cli", "adaptive.onnx");
  const adaptive = await cli(["emit", "--out", adaptivePath], JSON.stringify(ADAPTIVE2));
  assert.equal(adaptive.code, 0, adaptive.stderr);
  assert.equal(JSON.parse(adaptive.stdout).head, "adaptive-softmax");
  const lmHead = await cli(
    ["emit", "--out", join(tmp, "cli-bad", "m.onnx"), "--head", "lm-head"],
    JSON.stringify(ADAPTIVE2),
  );
  assert.equal(lmHead.code, 2);
  assert.match(lmHead.stderr, /^lts emit: head: the lm-head needs a plain embedding/);

  const badPath = join(tmp, "cli-bad", "m.onnx");
  const xl = await cli(
    ["emit", "--out", badPath],
    JSON.stringify({ ...JSON.parse(arch), backbone: "transformer-xl", nPositions: undefined }),
  );
  assert.equal(xl.code, 2);
  assert.match(xl.stderr, /^lts emit: backbone: emission supports only gpt2/);
  assert.equal(xl.stderr.trim().split("\n").length, 1);
  const noOut = await cli(["emit"], arch);
  assert.equal(noOut.code, 2);
  assert.match(noOut.stderr, /--out: missing/);
  await assert.rejects(() => Deno.stat(join(tmp, "cli-bad")), Deno.errors.NotFound);
});

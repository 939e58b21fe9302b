import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { archConfigFromArchai } from "../lib/arch/archai.ts";
import type { Arch, ArchConfig, Backbone } from "../lib/arch/types.ts";
import { validateArch } from "../lib/arch/validate.ts";
import {
  adaptiveSoftmaxParams,
  countParams,
  decoderParams,
  lmHeadParams,
  PUBLISHED_COUNT_BACKBONE,
  publishedCountBackbone,
  publishedParamCount,
  publishedSetBackbone,
  tokenEmbeddingParams,
  vocabClusters,
} from "../lib/params/mod.ts";
import { createRng, type Rng } from "../lib/util/rng.ts";
import { runCli, runCliProcess } from "./helpers.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SAVED_LOGS = Deno.env.get("LTS_SAVED_LOGS") ??
  join(ROOT, "../shared/archai-lts-saved-logs");
const HAVE_SAVED_LOGS = (() => {
  try {
    return Deno.statSync(SAVED_LOGS).isDirectory;
  } catch {
    return false;
  }
})();
if (!HAVE_SAVED_LOGS) {
  console.warn(
    `params_test: published benchmark not found at ${SAVED_LOGS} (set LTS_SAVED_LOGS); ` +
      "skipping the tests over params_summary.yaml",
  );
}

const arch = (cfg: ArchConfig): Arch => validateArch(cfg);

// Closed forms from the reference code (NOTES.md), written out independently of lib/params.
const gpt2Formula = (d: number, dInner: number[]) =>
  dInner.reduce((s, di) => s + 4 * d * d + 9 * d + 2 * d * di + di, 0) + 2 * d;
const xlFormula = (d: number, dInner: number[]) =>
  dInner.reduce((s, di) => s + 5 * d * d + 7 * d + 2 * d * di + di, 0);

Deno.test("HF GPT-2 small: 124,439,808 parameters, tied head", () => {
  const count = countParams(
    arch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072, vocabSize: 50257 }),
  );
  assert.equal(count.totalParams, 124_439_808);
  assert.equal(count.decoderParams, 85_056_000);
  assert.equal(count.components.tokenEmbedding, 50257 * 768);
  assert.equal(count.components.positionEmbedding, 1024 * 768);
  assert.equal(count.embeddingParams, 50257 * 768 + 1024 * 768);
  assert.equal(count.softmaxParams, 0);
  assert.equal(count.components.finalLayerNorm, 1536);
  assert.equal(count.components.layers.length, 12);
  assert.deepEqual(count.components.layers[0], {
    attention: 3 * 768 * 768 + 3 * 768 + 768 * 768 + 768,
    ffn: 2 * 768 * 3072 + 3072 + 768,
    layerNorm: 4 * 768,
    total: 7_087_872,
  });
  // Untied: the head is a second V×d table (no bias in the HF layout).
  const untied = countParams(
    arch({
      backbone: "gpt2",
      nLayer: 12,
      dModel: 768,
      nHead: 12,
      dInner: 3072,
      tieWeight: false,
    }),
  );
  assert.equal(untied.softmaxParams, 50257 * 768);
  assert.equal(untied.totalParams, 124_439_808 + 50257 * 768);
});

Deno.test("OPT-350M-shaped gpt2: decoder 302,311,424; 304,408,576 with 2048 positions", () => {
  const opt = arch({
    backbone: "gpt2",
    nLayer: 24,
    dModel: 1024,
    nHead: 16,
    dInner: 4096,
    vocabSize: 50272,
    nPositions: 2048,
  });
  const count = countParams(opt);
  assert.equal(decoderParams(opt), 302_311_424);
  assert.equal(count.decoderParams, 302_311_424);
  assert.equal(count.components.positionEmbedding, 2048 * 1024);
  assert.equal(count.decoderParams + count.components.positionEmbedding, 304_408_576);
  assert.equal(
    count.totalParams,
    count.decoderParams + count.components.positionEmbedding + 50272 * 1024,
  );
});

Deno.test("transformer-xl: 5d² + 7d + 2·d·d_inner + d_inner per layer, no final norm", () => {
  const xl = arch({
    backbone: "transformer-xl",
    nLayer: 3,
    dModel: 256,
    nHead: [2, 4, 8],
    dInner: [700, 1024, 333],
  });
  const count = countParams(xl);
  assert.equal(count.decoderParams, xlFormula(256, [700, 1024, 333]));
  assert.equal(decoderParams(xl), count.decoderParams);
  assert.equal(count.components.finalLayerNorm, 0);
  assert.equal(count.components.positionEmbedding, 0);
  // Heads only split the width.
  const sameWidth = count.components.layers.map((l) => l.attention);
  assert.deepEqual(sameWidth, [
    5 * 256 * 256 + 2 * 256,
    5 * 256 * 256 + 2 * 256,
    5 * 256 * 256 + 512,
  ]);
  assert.equal(count.components.softmaxDetail.kind, "adaptive-softmax");
  // A gpt2 of the same shape differs by exactly L·(−d² + 2d) + 2d.
  const g = decoderParams({ ...xl, backbone: "gpt2", nPositions: 1024 });
  assert.equal(g, gpt2Formula(256, [700, 1024, 333]));
  assert.equal(g - count.decoderParams, 3 * (-256 * 256 + 2 * 256) + 512);
});

Deno.test("embedding: plain, projected and adaptive tables; clusters", () => {
  const shape = {
    dModel: 128,
    dEmbed: 256,
    divVal: 4,
    cutoffs: [19997, 39997],
    vocabSize: 50264,
    tieWeight: true,
  };
  assert.deepEqual(vocabClusters(shape), [
    { start: 0, end: 19997, width: 256 },
    { start: 19997, end: 39997, width: 64 },
    { start: 39997, end: 50264, width: 16 },
  ]);
  assert.deepEqual(tokenEmbeddingParams(shape), {
    tables: 19997 * 256 + 20000 * 64 + 10267 * 16,
    projections: 128 * (256 + 64 + 16),
    total: 19997 * 256 + 20000 * 64 + 10267 * 16 + 128 * (256 + 64 + 16),
  });
  // Plain table: a projection only when dEmbed ≠ dModel.
  assert.equal(tokenEmbeddingParams({ ...shape, divVal: 1 }).total, 50264 * 256 + 128 * 256);
  assert.equal(tokenEmbeddingParams({ ...shape, divVal: 1, dEmbed: 128 }).total, 50264 * 128);
  // Adaptive with one cluster still projects it (archai).
  assert.equal(
    tokenEmbeddingParams({ ...shape, dModel: 512, dEmbed: 512, divVal: 2, cutoffs: [] }).total,
    50264 * 512 + 512 * 512,
  );
  // Cutoffs at or above the vocabulary are ignored.
  assert.equal(vocabClusters({ ...shape, cutoffs: [19997, 50264, 60000] }).length, 2);
});

Deno.test("adaptive softmax: biases, tail-cluster logits, tie_projs, untied tables", () => {
  const shape = {
    dModel: 128,
    dEmbed: 256,
    divVal: 4,
    cutoffs: [19997, 39997],
    vocabSize: 50264,
    tieWeight: true,
  };
  const wt103 = adaptiveSoftmaxParams(shape, [false, true, true]);
  assert.deepEqual(wt103, {
    weights: 0,
    projections: 128 * 256,
    biases: 50264,
    clusters: 2 * 256 + 2,
    total: 128 * 256 + 50264 + 514,
  });
  assert.deepEqual(adaptiveSoftmaxParams(shape), wt103); // default tie_projs
  const lm1b = adaptiveSoftmaxParams(shape, [false, false, false]);
  assert.equal(lm1b.projections, 128 * (256 + 64 + 16));
  const untied = adaptiveSoftmaxParams({ ...shape, tieWeight: false }, [false, true, true]);
  assert.equal(untied.weights, tokenEmbeddingParams(shape).tables);
  // divVal 1: projections only when dEmbed ≠ dModel, one per untied cluster.
  assert.equal(
    adaptiveSoftmaxParams({ ...shape, divVal: 1 }, [false, false, true]).projections,
    2 * 128 * 256,
  );
  assert.equal(
    adaptiveSoftmaxParams({ ...shape, divVal: 1, dEmbed: 128 }, [false, false]).projections,
    0,
  );
  // No cutoffs inside the vocabulary: no tail clusters.
  assert.equal(adaptiveSoftmaxParams({ ...shape, cutoffs: [] }).clusters, 0);
  // Plain head: free when tied, the embedding's shapes when not.
  assert.equal(lmHeadParams(shape).total, 0);
  assert.equal(
    lmHeadParams({ ...shape, tieWeight: false }).total,
    tokenEmbeddingParams(shape).total,
  );
  // countParams picks the head per backbone and per option.
  const g = arch({
    backbone: "gpt2",
    nLayer: 1,
    dModel: 128,
    nHead: 2,
    dInner: 256,
    dEmbed: 256,
    divVal: 4,
    cutoffs: [19997, 39997],
    vocabSize: 50264,
  });
  assert.equal(countParams(g).softmaxParams, 0);
  assert.equal(
    countParams(g, { head: "adaptive-softmax", tieProjs: [false, true, true] }).softmaxParams,
    wt103.total,
  );
});

function randomArch(rng: Rng, backbone: Backbone): Arch {
  const nLayer = rng.int(1, 8);
  const dModel = rng.choice([64, 128, 256, 512]);
  return arch({
    backbone,
    nLayer,
    dModel,
    nHead: Array.from({ length: nLayer }, () => rng.choice([1, 2, 4, 8])),
    dInner: Array.from({ length: nLayer }, () => rng.int(1, 4 * dModel)),
    dEmbed: rng.choice([dModel, 2 * dModel]),
    divVal: rng.choice([1, 2, 4]),
  });
}

Deno.test("property: decoder params grow strictly with any layer's d_inner and with nLayer", () => {
  const rng = createRng(20221128);
  for (let trial = 0; trial < 300; trial++) {
    const backbone: Backbone = rng.bernoulli(0.5) ? "gpt2" : "transformer-xl";
    const a = randomArch(rng, backbone);
    const base = decoderParams(a);
    assert.equal(base, (backbone === "gpt2" ? gpt2Formula : xlFormula)(a.dModel, a.dInner));
    const i = rng.int(0, a.nLayer - 1);
    const wider = { ...a, dInner: a.dInner.map((x, j) => j === i ? x + rng.int(1, 64) : x) };
    assert.ok(decoderParams(wider) > base, `d_inner[${i}] up must add parameters`);
    const narrower = { ...a, dInner: a.dInner.map((x, j) => j === i && x > 1 ? x - 1 : x) };
    if (a.dInner[i] > 1) assert.ok(decoderParams(narrower) < base);
    const deeper = {
      ...a,
      nLayer: a.nLayer + 1,
      nHead: [...a.nHead, rng.choice([1, 2, 4])],
      dInner: [...a.dInner, rng.int(1, 4 * a.dModel)],
    };
    assert.ok(decoderParams(deeper) > base, "one more layer must add parameters");
    // The embedding never enters the proxy; the total is always the sum of its parts.
    const count = countParams(a);
    assert.equal(decoderParams({ ...a, vocabSize: a.vocabSize + 1000 }), base);
    assert.equal(
      count.totalParams,
      count.decoderParams + count.embeddingParams + count.softmaxParams,
    );
    assert.equal(
      count.decoderParams,
      count.components.attention + count.components.ffn + count.components.layerNorm +
        count.components.finalLayerNorm,
    );
  }
});

Deno.test("published set names: count backbone table, random_GPT2_lm1b counted as transformer-xl", () => {
  assert.equal(publishedCountBackbone("random_GPT2_lm1b"), "transformer-xl");
  assert.equal(publishedSetBackbone("random_GPT2_lm1b"), "gpt2");
  assert.equal(publishedCountBackbone("random_GPT2_wt103"), "gpt2");
  assert.equal(publishedCountBackbone("pareto_TransXL_lm1b_arm"), "transformer-xl");
  assert.equal(publishedCountBackbone("some_new_GPT2_set"), "gpt2");
  assert.throws(() => publishedCountBackbone("mystery"), /not a published set name/);
  const quirks = Object.entries(PUBLISHED_COUNT_BACKBONE)
    .filter(([set, b]) => publishedSetBackbone(set) !== b).map(([set]) => set);
  assert.deepEqual(quirks, ["random_GPT2_lm1b"]);
});

interface Published {
  set: string;
  key: string;
  config: Record<string, unknown>;
  summary: Record<string, number>;
}

function readPublished(): Published[] {
  const out: Published[] = [];
  const sets = [...Deno.readDirSync(SAVED_LOGS)].filter((e) => e.isDirectory).map((e) => e.name)
    .sort();
  for (const set of sets) {
    const summaryPath = join(SAVED_LOGS, set, "params_summary.yaml");
    const summaries = parseYaml(Deno.readTextFileSync(summaryPath)) as Record<
      string,
      Record<string, number>
    >;
    for (const [key, summary] of Object.entries(summaries)) {
      const m = key.match(/^(config_\d+)_(j\d+)$/);
      const path = m
        ? join(SAVED_LOGS, set, m[1], m[2], "model_config.yaml")
        : join(SAVED_LOGS, set, key, "model_config.yaml");
      const config = parseYaml(Deno.readTextFileSync(path)) as Record<string, unknown>;
      out.push({ set, key, config, summary });
    }
  }
  return out;
}

Deno.test({
  name: "published benchmark: every nonembedding, Attn, FFN, AdaEmb and total reproduced exactly",
  ignore: !HAVE_SAVED_LOGS,
  fn() {
    const models = readPublished();
    const perSet = new Map<string, number>();
    for (const m of models) perSet.set(m.set, (perSet.get(m.set) ?? 0) + 1);
    assert.deepEqual([...perSet.keys()].sort(), Object.keys(PUBLISHED_COUNT_BACKBONE).sort());
    assert.equal(models.length, 1121);
    // Backbone whose formula each set's nonembedding follows (a documented quirk of the data).
    const expectedFormula: Record<string, Backbone> = {
      "pareto_GPT2_lm1b_arm": "gpt2",
      "pareto_GPT2_lm1b_corei7": "gpt2",
      "pareto_GPT2_lm1b_titanxp": "gpt2",
      "pareto_TransXL_lm1b_arm": "transformer-xl",
      "pareto_TransXL_lm1b_corei7": "transformer-xl",
      "pareto_TransXL_lm1b_titanxp": "transformer-xl",
      "random_GPT2_lm1b": "transformer-xl",
      "random_GPT2_wt103": "gpt2",
      "random_TransXL_lm1b": "transformer-xl",
      "random_TransXL_wt103": "transformer-xl",
      "random_TransXL_wt103_homogeneous": "transformer-xl",
    };
    const matches = new Map<string, Record<Backbone, number>>();
    const mismatches: string[] = [];
    for (const m of models) {
      // nonembedding from the plain arch alone (no options): the proxy needs nothing else.
      const counts = matches.get(m.set) ?? { "gpt2": 0, "transformer-xl": 0 };
      for (const b of ["gpt2", "transformer-xl"] as const) {
        const a = validateArch(archConfigFromArchai(m.config, b), `${m.set}/${m.key}`);
        if (decoderParams(a) === m.summary.nonembedding) counts[b]++;
      }
      matches.set(m.set, counts);
      // All five published fields.
      const got = publishedParamCount(m.config, m.set);
      for (const field of ["nonembedding", "Attn", "FFN", "AdaEmb", "total"] as const) {
        if (got[field] !== m.summary[field]) {
          mismatches.push(
            `${m.set}/${m.key} ${field}: ours ${got[field]}, published ${m.summary[field]}`,
          );
        }
      }
    }
    assert.deepEqual(mismatches.slice(0, 10), []);
    for (const [set, counts] of matches) {
      const n = perSet.get(set)!;
      const own = expectedFormula[set];
      const other: Backbone = own === "gpt2" ? "transformer-xl" : "gpt2";
      assert.equal(counts[own], n, `${set}: all ${n} follow the ${own} formula`);
      assert.equal(counts[other], 0, `${set}: none follows the ${other} formula`);
      assert.equal(publishedCountBackbone(set), own);
    }
  },
});

// ---------------------------------------------------------------- CLI

const SMALL = { backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 };

Deno.test("cli params: JSON, JSON lines and archai YAML in, one JSON line out each", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts_params_test_" });
  try {
    const one = join(dir, "one.json");
    await Deno.writeTextFile(one, JSON.stringify(SMALL));
    let r = await runCli(["params", one]);
    assert.equal(r.code, 0);
    assert.equal(r.out.length, 1);
    const rec = JSON.parse(r.out[0]);
    assert.deepEqual(Object.keys(rec), [
      "decoderParams",
      "totalParams",
      "embeddingParams",
      "softmaxParams",
      "components",
    ]);
    assert.equal(rec.totalParams, 124_439_808);
    assert.equal(rec.decoderParams, 85_056_000);
    assert.equal(rec.components.layers.length, 12);

    const lines = join(dir, "many.jsonl");
    const xl = {
      backbone: "transformer-xl",
      nLayer: 2,
      dModel: 64,
      nHead: [2, 4],
      dInner: [100, 200],
    };
    await Deno.writeTextFile(lines, `${JSON.stringify(SMALL)}\n\n${JSON.stringify(xl)}\n`);
    r = await runCli(["params", lines]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.out.map((l) => JSON.parse(l).decoderParams), [
      85_056_000,
      xlFormula(64, [100, 200]),
    ]);

    const yaml = join(dir, "model_config.yaml");
    await Deno.writeTextFile(
      yaml,
      "n_layer: 2\nd_model: 64\nn_head: [2, 4]\nd_inner: [100, 200]\nd_embed: -1\ndiv_val: 1\n" +
        "n_token: 267736\ncutoffs: [19997, 39997, 199997, 267736]\ntie_weight: true\n",
    );
    r = await runCli([
      "params",
      yaml,
      "--backbone",
      "transformer-xl",
      "--tie-projs",
      "false,false,false,false",
    ]);
    assert.equal(r.code, 0, r.err.join("\n"));
    const y = JSON.parse(r.out[0]);
    assert.equal(y.decoderParams, xlFormula(64, [100, 200]));
    assert.equal(y.softmaxParams, 3 * 64 + 3 + 267736); // d_embed = d_model: no projections
    assert.equal(y.totalParams, y.decoderParams + 267736 * 64 + y.softmaxParams);

    r = await runCli(["params", one, "--head", "adaptive-softmax"]);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.out[0]).softmaxParams, 2 * 768 + 2 + 50257);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli params: bad input exits 2 with one line naming the field, prints nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts_params_test_" });
  try {
    const bad = join(dir, "bad.jsonl");
    await Deno.writeTextFile(
      bad,
      `${JSON.stringify(SMALL)}\n${
        JSON.stringify({ ...SMALL, nLayer: 4, dModel: 512, nHead: [8, 8, 8, 7], dInner: 2048 })
      }\n`,
    );
    let r = await runCli(["params", bad]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, []); // the good first record is not printed either
    assert.equal(r.err.length, 1);
    assert.equal(r.err[0], `lts params: ${bad}: record 2: nHead[3]: 7 does not divide dModel 512`);

    const single = join(dir, "single.json");
    await Deno.writeTextFile(single, JSON.stringify({ ...SMALL, dInner: -5 }));
    r = await runCli(["params", single]);
    assert.equal(r.code, 2);
    assert.match(r.err[0], /^lts params: .*single\.json: dInner: must be positive, got -5$/);

    r = await runCli(["params", join(dir, "missing.json")]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [`lts params: ${join(dir, "missing.json")}: no such file`]);

    r = await runCli(["params", dir]);
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0], /is a folder|cannot read/);

    const broken = join(dir, "broken.jsonl");
    await Deno.writeTextFile(broken, `${JSON.stringify(SMALL)}\n{"backbone": "gpt2",\n`);
    r = await runCli(["params", broken]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0], /^lts params: .*broken\.jsonl: line 2: not valid JSON/);

    const yaml = join(dir, "model_config.yaml");
    await Deno.writeTextFile(
      yaml,
      "n_layer: 2\nd_model: 64\nn_head: 2\nd_inner: 100\nn_token: 1000\n",
    );
    r = await runCli(["params", yaml]);
    assert.equal(r.code, 2);
    assert.match(r.err[0], /pass --backbone/);

    for (
      const [args, pattern] of [
        [
          ["params", single, "--head", "softmax"],
          /--head: expected one of lm-head, adaptive-softmax/,
        ],
        [
          ["params", single, "--backbone", "bert"],
          /--backbone: expected one of gpt2, transformer-xl/,
        ],
        [
          ["params", single, "--tie-projs", "false,maybe"],
          /--tie-projs\[1\]: expected true or false/,
        ],
        [["params", single, single], /expected at most one FILE/],
        [["params", single, "--nope"], /nope/],
      ] as const
    ) {
      r = await runCli([...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.err.length, 1);
      assert.match(r.err[0], pattern);
      assert.doesNotMatch(r.err[0], /\n|at .*\.ts:\d+/);
    }

    r = await runCli(["params", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out.join("\n"), /deno task lts params/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli params: reads standard input (subprocess)", async () => {
  const input = JSON.stringify([SMALL, { ...SMALL, nLayer: 24 }]);
  const { code, stdout, stderr } = await runCliProcess(["params", "-"], input);
  assert.equal(code, 0, stderr);
  const lines = stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.totalParams), [124_439_808, 124_439_808 + 12 * 7_087_872]);
});

import assert from "node:assert/strict";
import { isAbsolute, join } from "node:path";
import {
  type Benchmark,
  DEFAULT_SAVED_LOGS_DIR,
  loadBenchmark,
  modelFolder,
  parseSetName,
  PROJECT_ROOT,
  resolveSavedLogsDir,
  SAVED_LOGS_ENV,
} from "../lib/benchmark/mod.ts";
import { main } from "../lib/cli/main.ts";
import { findParamMismatches, proxyCheck } from "../lib/stats/mod.ts";
import { InputError } from "../lib/util/errors.ts";

// ---------------------------------------------------------------------------------------------
// Names and paths

Deno.test("parseSetName reads backbone, dataset, device and the homogeneous flag", () => {
  assert.deepEqual(parseSetName("random_GPT2_wt103"), {
    set: "random_GPT2_wt103",
    kind: "random",
    backbone: "gpt2",
    dataset: "wt103",
    device: null,
    homogeneous: false,
  });
  assert.deepEqual(parseSetName("pareto_TransXL_lm1b_corei7"), {
    set: "pareto_TransXL_lm1b_corei7",
    kind: "pareto",
    backbone: "transformer-xl",
    dataset: "lm1b",
    device: "corei7",
    homogeneous: false,
  });
  const homogeneous = parseSetName("random_TransXL_wt103_homogeneous");
  assert.equal(homogeneous?.homogeneous, true);
  assert.equal(homogeneous?.backbone, "transformer-xl");
  assert.equal(parseSetName("pareto_GPT2_lm1b_titanxp")?.device, "titanxp");
  for (const bad of ["LICENSE", "pareto_GPT2_lm1b", "random_GPT2_wt103_arm", "random_BERT_wt103"]) {
    assert.equal(parseSetName(bad), undefined, bad);
  }
});

Deno.test("modelFolder maps summary ids to folders", () => {
  assert.equal(modelFolder("config_3_j7"), "config_3/j7");
  assert.equal(modelFolder("M12"), "M12");
  assert.equal(modelFolder("config_3"), undefined);
  assert.equal(modelFolder("m1"), undefined);
});

Deno.test("the default saved-logs folder is found from the project root, not the cwd", () => {
  assert.ok(isAbsolute(DEFAULT_SAVED_LOGS_DIR));
  assert.equal(DEFAULT_SAVED_LOGS_DIR, join(PROJECT_ROOT, "..", "shared", "archai-lts-saved-logs"));
  assert.ok(Deno.statSync(join(PROJECT_ROOT, "deno.json")).isFile);
});

Deno.test("a missing saved-logs folder is an InputError saying where to get it", async () => {
  const parent = await Deno.makeTempDir();
  const missing = join(parent, "nope");
  await assert.rejects(() => resolveSavedLogsDir(missing), (e: Error) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /^--saved-logs: /);
    assert.ok(e.message.includes(missing));
    assert.match(e.message, /microsoft\/archai/);
    assert.match(e.message, /neurips-lts/);
    assert.match(e.message, /archai\/nlp\/nas\/saved_logs/);
    return true;
  });
  const before = Deno.env.get(SAVED_LOGS_ENV);
  try {
    Deno.env.set(SAVED_LOGS_ENV, missing);
    await assert.rejects(() => loadBenchmark(), /\$LTS_SAVED_LOGS: .*neurips-lts/);
    const here = await Deno.makeTempDir();
    Deno.env.set(SAVED_LOGS_ENV, here);
    assert.equal(await resolveSavedLogsDir(), here);
    assert.equal(await resolveSavedLogsDir(DEFAULT_SAVED_LOGS_DIR), DEFAULT_SAVED_LOGS_DIR);
    await Deno.remove(here);
  } finally {
    if (before === undefined) Deno.env.delete(SAVED_LOGS_ENV);
    else Deno.env.set(SAVED_LOGS_ENV, before);
    await Deno.remove(parent);
  }
});

// ---------------------------------------------------------------------------------------------
// A small fake saved-logs tree

/** GPT-2 decoder count of one layer with d = 64: 4d² + 9d + 2·d·dInner + dInner, plus 2d. */
const gpt2Decoder = (dInner: number) => 4 * 64 * 64 + 9 * 64 + 2 * 64 * dInner + dInner + 2 * 64;

function modelConfig(dInner: number): string {
  return [
    "n_layer: 1",
    "d_model: 64",
    "n_head: [2]",
    `d_inner: [${dInner}]`,
    "d_embed: -1",
    "div_val: 1",
    "cutoffs: [1000]",
    "n_token: 1000",
    "tie_weight: true",
    "tie_projs: [false]",
    "tgt_len: 32",
    "",
  ].join("\n");
}

/** Writes a fake tree: random_GPT2_wt103 with 3 models + pareto_GPT2_lm1b_arm with 1. */
async function fakeTree(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lts-saved-logs-" });
  const write = async (path: string, text: string) => {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  };
  const set = "random_GPT2_wt103";
  const inner = { config_0_j0: 128, config_0_j1: 256, config_1_j0: 512 };
  for (const [id, dInner] of Object.entries(inner)) {
    await write(`${set}/${modelFolder(id)}/model_config.yaml`, modelConfig(dInner));
  }
  await write(`${set}/config_2/j0/model_config.yaml`, modelConfig(64)); // in no summary
  await write(
    `${set}/ppl_summary.yaml`,
    [
      "config_0_j0: {valid_ppl: 50.5, test_ppl: 51.0}",
      "config_0_j1: {valid_ppl: 40.25, test_ppl: 41.0}",
      "", // config_1_j0 has no perplexity
    ].join("\n"),
  );
  const params = Object.entries(inner).map(([id, dInner]) =>
    `${id}: {nonembedding: ${gpt2Decoder(dInner)}, total: 1, AdaEmb: 1, Attn: 1, FFN: 1}`
  );
  await write(`${set}/params_summary.yaml`, params.join("\n") + "\n");
  const pareto = "pareto_GPT2_lm1b_arm";
  await write(`${pareto}/M1/model_config.yaml`, modelConfig(128));
  await write(`${pareto}/ppl_summary.yaml`, "M1: 70.5\n");
  await write(
    `${pareto}/params_summary.yaml`,
    `M1: {nonembedding: ${gpt2Decoder(128) + 1}, total: 1, AdaEmb: 1, Attn: 1, FFN: 1}\n`,
  );
  await write(`${pareto}/latency_summary.yaml`, "M1: 12.5\n");
  await write(`${pareto}/memory_summary.yaml`, "M1: 3.25\n");
  await write("LICENSE", "MIT\n");
  await write("plots/readme.txt", "not a set\n");
  return dir;
}

Deno.test("loads a small tree; tolerated gaps become nulls and warnings", async () => {
  const dir = await fakeTree();
  try {
    const bench = await loadBenchmark({ dir });
    assert.equal(bench.dir, dir);
    assert.deepEqual(
      bench.sets.map((s) => [s.set, s.models]),
      [["pareto_GPT2_lm1b_arm", 1], ["random_GPT2_wt103", 3]],
    );
    assert.deepEqual(
      bench.models.map((m) => m.modelId),
      ["M1", "config_0_j0", "config_0_j1", "config_1_j0"],
    );
    const [m1, a, , c] = bench.models;
    assert.equal(m1.validPpl, 70.5);
    assert.equal(m1.testPpl, null);
    assert.equal(m1.publishedLatencyMs, 12.5);
    assert.equal(m1.publishedMemoryMB, 3.25);
    assert.equal(m1.device, "arm");
    assert.equal(a.validPpl, 50.5);
    assert.equal(a.testPpl, 51);
    assert.equal(a.publishedLatencyMs, null);
    assert.equal(a.arch.nPositions, 32); // archai's GPT-2 sizes positions to tgt_len
    assert.equal(a.decoderParams, gpt2Decoder(128));
    assert.equal(a.publishedNonembeddingParams, gpt2Decoder(128));
    assert.equal(
      a.archJson,
      '{"backbone":"gpt2","nLayer":1,"dModel":64,"nHead":2,"dInner":128,"vocabSize":1000,' +
        '"nPositions":32}',
    );
    assert.equal(c.validPpl, null);
    assert.equal(bench.warnings.length, 3);
    assert.match(bench.warnings.join("\n"), /ppl_summary\.yaml: no entry for config_1_j0/);
    assert.match(bench.warnings.join("\n"), /model_config\.yaml of config_2_j0 is in no summary/);
    assert.match(bench.warnings.join("\n"), /plots: not a benchmark set folder/);
    assert.equal(bench.table.numRows(), 4);
    assert.deepEqual(bench.table.array("validPpl"), [70.5, 50.5, 40.25, null]);
    const mismatches = findParamMismatches(bench.models);
    assert.deepEqual(mismatches.map((m) => m.modelId), ["M1"]);
    const only = await loadBenchmark({ dir, sets: ["random_GPT2_wt103"] });
    assert.equal(only.models.length, 3);
    await assert.rejects(
      () => loadBenchmark({ dir, sets: ["random_GPT2_lm1b"] }),
      /random_GPT2_lm1b: no such benchmark set/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Breaks one thing in a fresh fake tree and expects an InputError matching `pattern`. */
async function expectBroken(
  breakIt: (dir: string) => Promise<void>,
  pattern: (dir: string) => RegExp,
): Promise<void> {
  const dir = await fakeTree();
  try {
    await breakIt(dir);
    await assert.rejects(() => loadBenchmark({ dir }), (e: Error) => {
      assert.ok(e instanceof InputError, `not an InputError: ${e}`);
      assert.match(e.message, pattern(dir));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

Deno.test("malformed or missing files are InputErrors naming the file", async () => {
  const ppl = "random_GPT2_wt103/ppl_summary.yaml";
  const cfg = "random_GPT2_wt103/config_0/j1/model_config.yaml";
  await expectBroken(
    (dir) => Deno.writeTextFile(join(dir, ppl), "config_0_j0: {valid_ppl: [1,\n  bad: : :\n"),
    (dir) => new RegExp(`^${escape(join(dir, ppl))}: not valid YAML`),
  );
  await expectBroken(
    (dir) => Deno.writeTextFile(join(dir, ppl), "- 1\n- 2\n"),
    (dir) => new RegExp(`^${escape(join(dir, ppl))}: expected a mapping`),
  );
  await expectBroken(
    (dir) => Deno.writeTextFile(join(dir, ppl), "config_0_j0: {valid_ppl: fast}\n"),
    (dir) =>
      new RegExp(`^${escape(join(dir, ppl))}: config_0_j0\\.valid_ppl: expected a positive number`),
  );
  await expectBroken(
    (dir) => Deno.writeTextFile(join(dir, ppl), "model_7: 12.5\n"),
    (dir) => new RegExp(`^${escape(join(dir, ppl))}: model_7: not a model id`),
  );
  await expectBroken(
    (dir) => Deno.writeTextFile(join(dir, cfg), "n_layer: 1\nd_model: [64\n"),
    (dir) => new RegExp(`^${escape(join(dir, cfg))}: not valid YAML`),
  );
  await expectBroken(
    (dir) =>
      Deno.writeTextFile(join(dir, cfg), modelConfig(128).replace("n_head: [2]", "n_head: [3]")),
    (dir) => new RegExp(`^${escape(join(dir, cfg))}: nHead\\[0\\]: 3 does not divide dModel 64`),
  );
  await expectBroken(
    (dir) => Deno.remove(join(dir, cfg)),
    (dir) => new RegExp(`^${escape(join(dir, cfg))}: missing`),
  );
  await expectBroken(
    (dir) => Deno.remove(join(dir, "random_GPT2_wt103/params_summary.yaml")),
    (dir) => new RegExp(`^${escape(join(dir, "random_GPT2_wt103/params_summary.yaml"))}: missing`),
  );
  await expectBroken(
    (dir) =>
      Deno.writeTextFile(
        join(dir, "random_GPT2_wt103/params_summary.yaml"),
        "config_0_j0: {nonembedding: 1, total: 1, AdaEmb: 1, Attn: 1}\n",
      ),
    () => /params_summary\.yaml: config_0_j0\.FFN: expected a non-negative number, got nothing/,
  );
  await expectBroken(
    (dir) => Deno.remove(join(dir, "pareto_GPT2_lm1b_arm/latency_summary.yaml")),
    () => /pareto_GPT2_lm1b_arm\/latency_summary\.yaml: missing$/,
  );
});

Deno.test("lts proxy-check: JSON on stdout, bad input exits 2 with one line", async () => {
  const dir = await fakeTree();
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => void out.push(args.join(" "));
  console.error = (...args: unknown[]) => void err.push(args.join(" "));
  try {
    assert.equal(await main(["proxy-check", "--saved-logs", dir, "--metric", "test"]), 0);
    assert.equal(out.length, 1);
    const result = JSON.parse(out[0]);
    assert.deepEqual(Object.keys(result), [
      "random_GPT2_wt103",
      "metric",
      "params",
      "paramsCompared",
      "paramMismatches",
    ]);
    assert.equal(result.metric, "test");
    assert.equal(result.paramsCompared, 4);
    assert.equal(result.paramMismatches, 1); // the planted M1
    const set = result.random_GPT2_wt103;
    assert.equal(set.n, 2);
    assert.ok(Math.abs(set.spearmanDecoder - 1) < 1e-12);
    assert.equal(set.kendallDecoder, 1);
    assert.equal(set.commonRatioDecoder["50"], 100);
    assert.ok(err.some((l) => l.includes("pareto_GPT2_lm1b_arm/M1: published nonembedding")));

    out.length = 0;
    err.length = 0;
    const missing = join(dir, "nope");
    assert.equal(await main(["proxy-check", "--saved-logs", missing]), 2);
    assert.equal(out.length, 0);
    assert.equal(err.length, 1);
    assert.equal(err[0].split("\n").length, 1);
    assert.match(err[0], /^lts proxy-check: --saved-logs: .*neurips-lts/);

    err.length = 0;
    assert.equal(await main(["proxy-check", "--saved-logs", dir, "--metric", "train"]), 2);
    assert.deepEqual(err, ["lts proxy-check: --metric: expected one of valid, test, got train"]);
  } finally {
    console.log = log;
    console.error = error;
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// The published benchmark itself (../shared/archai-lts-saved-logs)

let published: Promise<Benchmark> | undefined;
const loadPublished = () => published ??= loadBenchmark({ dir: DEFAULT_SAVED_LOGS_DIR });

Deno.test("the published benchmark: 11 sets, 1121 models, known values", async () => {
  const bench = await loadPublished();
  assert.deepEqual(Object.fromEntries(bench.sets.map((s) => [s.set, s.models])), {
    pareto_GPT2_lm1b_arm: 45,
    pareto_GPT2_lm1b_corei7: 38,
    pareto_GPT2_lm1b_titanxp: 39,
    pareto_TransXL_lm1b_arm: 39,
    pareto_TransXL_lm1b_corei7: 35,
    pareto_TransXL_lm1b_titanxp: 40,
    random_GPT2_lm1b: 200,
    random_GPT2_wt103: 200,
    random_TransXL_lm1b: 186,
    random_TransXL_wt103: 200,
    random_TransXL_wt103_homogeneous: 99,
  });
  assert.equal(bench.models.length, 1121);
  assert.equal(bench.table.numRows(), 1121);
  const find = (set: string, id: string) =>
    bench.models.find((m) => m.set === set && m.modelId === id)!;
  const m = find("random_GPT2_wt103", "config_0_j0");
  assert.equal(m.validPpl, 45.022968707221274);
  assert.equal(m.testPpl, 45.11893898899607);
  assert.equal(m.publishedNonembeddingParams, 1790372);
  assert.equal(m.publishedTotalParams, 8505006);
  assert.equal(m.decoderParams, 1790372);
  assert.equal(m.totalParams, 8505006);
  assert.deepEqual(m.arch.dInner, [1071, 640, 1286, 800, 1871]);
  assert.equal(m.arch.dEmbed, 256);
  const p = find("pareto_GPT2_lm1b_arm", "M1");
  assert.equal(p.validPpl, 74.89122303416687);
  assert.equal(p.publishedLatencyMs, 1060.4028015077347);
  assert.equal(p.publishedMemoryMB, 125.16920471191406);
  assert.equal(p.device, "arm");
  // The five models without a perplexity are kept, with nulls, and reported.
  const noPpl = bench.models.filter((x) => x.validPpl === null).map((x) => `${x.set}/${x.modelId}`);
  assert.deepEqual(noPpl, [
    "pareto_GPT2_lm1b_titanxp/M18",
    "random_TransXL_lm1b/config_6_j1",
    "random_TransXL_lm1b/config_6_j5",
    "random_TransXL_lm1b/config_8_j9",
    "random_TransXL_wt103_homogeneous/config_6_j4",
  ]);
  assert.equal(bench.warnings.length, 3);
  // Only Pareto sets have latency and memory.
  for (const x of bench.models) {
    assert.equal(x.publishedLatencyMs !== null, x.kind === "pareto", `${x.set}/${x.modelId}`);
  }
});

Deno.test("the published benchmark: our decoder counts reproduce every nonembedding", async () => {
  const bench = await loadPublished();
  assert.deepEqual(findParamMismatches(bench.models), []);
  // random_GPT2_lm1b's published counts follow Transformer-XL; ours of the GPT-2 model differ.
  const lm1b = bench.models.filter((m) => m.set === "random_GPT2_lm1b");
  assert.ok(lm1b.every((m) => m.decoderParams !== m.decoderParamsAsPublished));
  const others = bench.models.filter((m) => m.set !== "random_GPT2_lm1b");
  assert.ok(others.every((m) => m.decoderParams === m.publishedNonembeddingParams));
});

Deno.test("headline: decoder params rank trained models better than total params", async () => {
  const bench = await loadPublished();
  for (const params of ["computed", "published"] as const) {
    const check = proxyCheck(bench.models, { params });
    assert.deepEqual(Object.keys(check.sets), [
      "random_GPT2_lm1b",
      "random_GPT2_wt103",
      "random_TransXL_lm1b",
      "random_TransXL_wt103",
      "random_TransXL_wt103_homogeneous",
    ]);
    for (const [set, r] of Object.entries(check.sets)) {
      const where = `${params} ${set}: decoder ${r.spearmanDecoder}, total ${r.spearmanTotal}`;
      assert.ok(r.spearmanDecoder > 0.94, where);
      if (set === "random_TransXL_lm1b") {
        // Here dEmbed = dModel and the four dModel values give disjoint decoder-count ranges,
        // so total params order the models exactly as decoder params do: a tie, not a loss.
        assert.equal(r.spearmanDecoder, r.spearmanTotal, where);
        assert.equal(r.kendallDecoder, r.kendallTotal, where);
      } else {
        assert.ok(r.spearmanDecoder > r.spearmanTotal, where);
        assert.ok(r.kendallDecoder > r.kendallTotal, where);
      }
    }
    assert.equal(check.sets.random_TransXL_lm1b.n, 183);
    assert.equal(check.sets.random_TransXL_wt103_homogeneous.n, 98);
  }
});

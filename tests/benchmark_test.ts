import assert from "node:assert/strict";
import { dirname, isAbsolute, join } from "node:path";
import {
  type Benchmark,
  BUNDLED_PACK_FILE,
  BUNDLED_PACK_PATH,
  compareModelIds,
  loadBenchmark,
  makePack,
  modelFolder,
  openPack,
  PACK_CONFIG_FIELDS,
  PACK_FORMAT,
  PACK_VERSION,
  type PackHeader,
  parsePack,
  parseSetName,
  PROJECT_ROOT,
  resolveBenchmarkSource,
  SAVED_LOGS_ENV,
} from "../lib/benchmark/mod.ts";
import { main } from "../lib/cli/main.ts";
import { findParamMismatches, proxyCheck } from "../lib/stats/mod.ts";
import { InputError } from "../lib/util/errors.ts";
import { runCli } from "./helpers.ts";

/** Runs `fn` with `$LTS_SAVED_LOGS` set to `value` (unset for undefined), then restores it. */
async function withSavedLogsEnv<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = Deno.env.get(SAVED_LOGS_ENV);
  try {
    if (value === undefined) Deno.env.delete(SAVED_LOGS_ENV);
    else Deno.env.set(SAVED_LOGS_ENV, value);
    return await fn();
  } finally {
    if (before === undefined) Deno.env.delete(SAVED_LOGS_ENV);
    else Deno.env.set(SAVED_LOGS_ENV, before);
  }
}

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

Deno.test("compareModelIds orders ids naturally", () => {
  assert.deepEqual(
    ["config_2_j10", "config_10_j0", "config_2_j9", "config_2_j1"].sort(compareModelIds),
    ["config_2_j1", "config_2_j9", "config_2_j10", "config_10_j0"],
  );
  assert.deepEqual(["M10", "M9", "M1"].sort(compareModelIds), ["M1", "M9", "M10"]);
});

Deno.test("the default source is the bundled pack inside the repository, not the cwd", async () => {
  assert.ok(isAbsolute(BUNDLED_PACK_PATH));
  assert.equal(BUNDLED_PACK_PATH, join(PROJECT_ROOT, BUNDLED_PACK_FILE));
  assert.equal(BUNDLED_PACK_FILE, "data/published/lts-saved-logs.jsonl");
  assert.ok(Deno.statSync(join(PROJECT_ROOT, "deno.json")).isFile);
  assert.ok(Deno.statSync(BUNDLED_PACK_PATH).isFile);
  const resolved = await withSavedLogsEnv(undefined, () => resolveBenchmarkSource());
  assert.deepEqual(resolved, {
    path: BUNDLED_PACK_PATH,
    kind: "pack",
    origin: "bundled benchmark",
  });
});

Deno.test("a missing source is an InputError saying where to get the benchmark", async () => {
  const parent = await Deno.makeTempDir();
  const missing = join(parent, "nope");
  try {
    await assert.rejects(() => resolveBenchmarkSource(missing), (e: Error) => {
      assert.ok(e instanceof InputError);
      assert.match(e.message, /^--saved-logs: /);
      assert.ok(e.message.includes(missing));
      assert.match(e.message, /microsoft\/archai/);
      assert.match(e.message, /neurips-lts/);
      assert.match(e.message, /archai\/nlp\/nas\/saved_logs/);
      assert.doesNotMatch(e.message, /shared/);
      return true;
    });
    await withSavedLogsEnv(missing, async () => {
      await assert.rejects(() => loadBenchmark(), /\$LTS_SAVED_LOGS: .*neurips-lts/);
      // A folder is read as a raw saved-logs folder, a file as a pack; the flag wins.
      const folder = join(parent, "folder");
      await Deno.mkdir(folder);
      Deno.env.set(SAVED_LOGS_ENV, folder);
      assert.deepEqual(await resolveBenchmarkSource(), {
        path: folder,
        kind: "saved-logs",
        origin: "$LTS_SAVED_LOGS",
      });
      await assert.rejects(() => loadBenchmark(), /folder: no benchmark set folders/);
      const file = join(parent, "pack.jsonl");
      await Deno.writeTextFile(file, "{}\n");
      Deno.env.set(SAVED_LOGS_ENV, file);
      assert.equal((await resolveBenchmarkSource()).kind, "pack");
      assert.equal((await resolveBenchmarkSource(BUNDLED_PACK_PATH)).path, BUNDLED_PACK_PATH);
      // An empty value means unset.
      Deno.env.set(SAVED_LOGS_ENV, "");
      assert.equal((await resolveBenchmarkSource()).path, BUNDLED_PACK_PATH);
    });
  } finally {
    await Deno.remove(parent, { recursive: true });
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

const FAKE_LICENSE = "    Test\r\n\r\n    MIT License\r\n\r\n    Copyright (c) Test Authors.\r\n";

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
  await write("LICENSE", FAKE_LICENSE);
  await write("plots/readme.txt", "not a set\n");
  return dir;
}

Deno.test("loads a small tree; tolerated gaps become nulls and warnings", async () => {
  const dir = await fakeTree();
  try {
    const bench = await loadBenchmark({ source: dir });
    assert.equal(bench.source, dir);
    assert.equal(bench.sourceKind, "saved-logs");
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
    const only = await loadBenchmark({ source: dir, sets: ["random_GPT2_wt103"] });
    assert.equal(only.models.length, 3);
    await assert.rejects(
      () => loadBenchmark({ source: dir, sets: ["random_GPT2_lm1b"] }),
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
    await assert.rejects(() => loadBenchmark({ source: dir }), (e: Error) => {
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
// The pack

const packLines = (text: string) => text.split("\n").slice(0, -1).map((l) => JSON.parse(l));

Deno.test("a pack of a small tree is deterministic and loads exactly as the tree", async () => {
  const dir = await fakeTree();
  const tmp = await Deno.makeTempDir();
  try {
    const made = await makePack(dir);
    assert.equal((await makePack(dir)).text, made.text);
    assert.ok(made.text.endsWith("}\n"));
    const [header, ...lines] = packLines(made.text);
    assert.deepEqual(
      header,
      {
        format: PACK_FORMAT,
        version: PACK_VERSION,
        source: {
          repository: "microsoft/archai",
          branch: "neurips-lts",
          folder: "archai/nlp/nas/saved_logs",
          commit: "4777041",
        },
        licence: "MIT",
        copyright: "Copyright (c) Test Authors.",
        sets: 2,
        models: 5,
      } satisfies PackHeader,
    );
    assert.deepEqual(made.header, header);
    assert.deepEqual(parsePack(made.text, "made.jsonl").header, header);
    // Sorted by set, then natural id order; the model in no summary is kept, with nulls.
    assert.deepEqual(lines.map((l) => `${l.set}/${l.modelId}`), [
      "pareto_GPT2_lm1b_arm/M1",
      "random_GPT2_wt103/config_0_j0",
      "random_GPT2_wt103/config_0_j1",
      "random_GPT2_wt103/config_1_j0",
      "random_GPT2_wt103/config_2_j0",
    ]);
    const [m1, a, , c, unlisted] = lines;
    assert.deepEqual(Object.keys(a), [
      "set",
      "modelId",
      "config",
      "ppl",
      "params",
      "latency",
      "memory",
    ]);
    assert.deepEqual(
      Object.keys(a.config),
      PACK_CONFIG_FIELDS.filter((k) => k !== "n_positions"),
    );
    assert.deepEqual(a.config.cutoffs, [1000]);
    assert.equal(a.config.d_embed, -1);
    assert.deepEqual(a.ppl, { test_ppl: 51, valid_ppl: 50.5 });
    assert.deepEqual(Object.keys(a.params), ["AdaEmb", "Attn", "FFN", "nonembedding", "total"]);
    assert.equal(a.latency, null);
    assert.equal(m1.ppl, 70.5);
    assert.equal(m1.latency, 12.5);
    assert.equal(m1.memory, 3.25);
    assert.equal(c.ppl, null);
    assert.equal(unlisted.ppl, null);
    assert.equal(unlisted.params, null);

    const file = join(tmp, "pack.jsonl");
    await Deno.writeTextFile(file, made.text);
    const fromTree = await loadBenchmark({ source: dir });
    const fromPack = await loadBenchmark({ source: file });
    assert.equal(fromPack.source, file);
    assert.equal(fromPack.sourceKind, "pack");
    assert.deepEqual(fromPack.models, fromTree.models);
    assert.deepEqual(fromPack.sets, fromTree.sets);
    assert.deepEqual(fromPack.table.objects(), fromTree.table.objects());
    // The same gaps, named by the pack (the tree's stray `plots` folder is not in the pack).
    assert.equal(fromPack.warnings.length, 2);
    assert.ok(fromPack.warnings.every((w) => w.startsWith(`${file}: `)));
    assert.match(fromPack.warnings.join("\n"), /ppl_summary\.yaml: no entry for config_1_j0/);
    assert.match(
      fromPack.warnings.join("\n"),
      /model_config\.yaml of config_2_j0 is in no summary/,
    );
    const only = await loadBenchmark({ source: file, sets: ["pareto_GPT2_lm1b_arm"] });
    assert.deepEqual(only.models, fromTree.models.slice(0, 1));
    await assert.rejects(
      () => loadBenchmark({ source: file, sets: ["random_GPT2_lm1b"] }),
      /pack\.jsonl: random_GPT2_lm1b: no such benchmark set/,
    );
    assert.equal((await openPack(file)).header.models, 5);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("malformed pack lines are InputErrors naming the file and line", async () => {
  const dir = await fakeTree();
  const tmp = await Deno.makeTempDir();
  const text = (await makePack(dir)).text;
  await Deno.remove(dir, { recursive: true });
  const path = join(tmp, "bad.jsonl");
  const at = (line: number) => `^${escape(path)}:${line}: `;
  /** Line 1 is the header, line 2 M1 (Pareto), line 3 config_0_j0, line 4 config_0_j1. */
  const broken = async (edit: (lines: string[]) => void, pattern: string) => {
    const lines = text.split("\n").slice(0, -1);
    edit(lines);
    await Deno.writeTextFile(path, lines.map((l) => l + "\n").join(""));
    await assert.rejects(() => loadBenchmark({ source: path }), (e: Error) => {
      assert.ok(e instanceof InputError, `not an InputError: ${e}`);
      assert.equal(e.message.split("\n").length, 1);
      assert.match(e.message, new RegExp(pattern));
      return true;
    });
  };
  const editLine = (n: number, f: (v: Record<string, unknown>) => void) => (lines: string[]) => {
    const v = JSON.parse(lines[n - 1]);
    f(v);
    lines[n - 1] = JSON.stringify(v);
  };
  try {
    await broken((l) => l[2] = '{"set": "random_GPT2_wt103",', `${at(3)}not valid JSON`);
    await broken((l) => l[0] = "not json", `${at(1)}not a benchmark pack`);
    await broken((l) => l[0] = '{"format":"csv"}', `${at(1)}not a benchmark pack`);
    await broken(editLine(1, (h) => h.version = 2), `${at(1)}version: pack version 2 is not`);
    await broken(editLine(1, (h) => delete h.models), `${at(1)}models: expected a count`);
    await broken(editLine(1, (h) => delete h.source), `${at(1)}source: expected an object`);
    await broken(editLine(3, (v) => delete v.params), `${at(3)}params: missing$`);
    await broken(editLine(3, (v) => delete v.config), `${at(3)}config: missing$`);
    await broken(editLine(3, (v) => v.extra = 1), `${at(3)}extra: unexpected field`);
    await broken(
      editLine(3, (v) => v.set = "random_BERT_wt103"),
      `${at(3)}set: .* not a benchmark`,
    );
    await broken(editLine(3, (v) => v.modelId = "model_7"), `${at(3)}modelId: "model_7" is not`);
    await broken(editLine(3, (v) => v.config = [1]), `${at(3)}config: expected an object`);
    await broken(editLine(3, (v) => v.latency = 3), `${at(3)}latency: expected null`);
    await broken(
      editLine(3, (v) => (v.ppl as Record<string, unknown>).valid_ppl = "fast"),
      `${at(3)}ppl\\.valid_ppl: expected a positive number, got "fast"$`,
    );
    await broken(
      editLine(3, (v) => (v.params as Record<string, unknown>).FFN = -1),
      `${at(3)}params\\.FFN: expected a non-negative number`,
    );
    await broken(
      editLine(2, (v) => (v.config as Record<string, unknown>).n_head = [3]),
      `${at(2)}config: nHead\\[0\\]: 3 does not divide dModel 64`,
    );
    await broken(
      editLine(4, (v) => delete (v.config as Record<string, unknown>).n_layer),
      `${at(4)}config: n_layer: missing from model_config`,
    );
    await broken((l) => l.push(l[3]), `${at(7)}random_GPT2_wt103/config_0_j1: already on line 4`);
    await broken((l) => l.splice(3, 0, ""), `${at(4)}empty line`);
    await broken(
      (l) => l.pop(),
      `^${escape(path)}: the header says 2 sets and 5 models, the file holds 2 and 4`,
    );
    await broken((l) => l.splice(0), `^${escape(path)}: empty`);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("lts benchmark-pack: atomic write; bad input exits 2 with one line", async () => {
  const dir = await fakeTree();
  const tmp = await Deno.makeTempDir();
  const outDir = join(tmp, "out");
  const out = join(outDir, "pack.jsonl");
  const expected = (await makePack(dir)).text;
  const fails = async (args: string[], pattern: RegExp) => {
    const r = await runCli(["benchmark-pack", ...args]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err.join("\n")}`);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1, r.err.join("\n"));
    assert.equal(r.err[0].split("\n").length, 1);
    assert.match(r.err[0], pattern);
  };
  try {
    let r = await runCli(["benchmark-pack", dir, "--out", out]);
    assert.equal(r.code, 0, r.err.join("\n"));
    assert.equal(r.out.length, 1);
    assert.deepEqual(JSON.parse(r.out[0]), {
      path: out,
      sets: 2,
      models: 5,
      bytes: new TextEncoder().encode(expected).length,
    });
    assert.equal(r.err.length, 3); // the tree's three tolerated gaps
    assert.ok(r.err.every((l) => l.startsWith("lts benchmark-pack: warning: ")));
    assert.equal(await Deno.readTextFile(out), expected);
    // An existing pack is replaced without --force.
    r = await runCli(["benchmark-pack", dir, "--out", out, "--commit", "abcdef0"]);
    assert.equal(r.code, 0);
    assert.equal(
      JSON.parse((await Deno.readTextFile(out)).split("\n")[0]).source.commit,
      "abcdef0",
    );

    const notPack = join(tmp, "notes.txt");
    await Deno.writeTextFile(notPack, "keep me\n");
    const empty = join(tmp, "empty");
    await Deno.mkdir(empty);
    await fails(["--out", out], /^lts benchmark-pack: DIR: missing/);
    await fails([dir, dir, "--out", out], /^lts benchmark-pack: unexpected argument/);
    await fails([dir], /^lts benchmark-pack: --out: missing/);
    await fails(
      [join(dir, "nope"), "--out", out],
      /^lts benchmark-pack: DIR: .*nope: no such folder/,
    );
    await fails([join(dir, "LICENSE"), "--out", out], /DIR: .*LICENSE: not a folder/);
    await fails([empty, "--out", out], /empty: no benchmark set folders/);
    await fails([join(dir, "random_GPT2_wt103"), "--out", out], /no benchmark set folders/);
    await fails(
      [dir, "--out", join(dir, "LICENSE", "x.jsonl")],
      /^lts benchmark-pack: --out: cannot write/,
    );
    await fails(
      [dir, "--out", notPack],
      /--out: .*notes\.txt: exists and is not a benchmark pack; pass --force/,
    );
    assert.equal(await Deno.readTextFile(notPack), "keep me\n");
    await fails([dir, "--out", tmp], /--out: .*: is a folder/);
    await fails([dir, "--out", out, "--commit", "main"], /--commit: expected a git commit hash/);
    await fails([dir, "--out", out, "--frobnicate"], /frobnicate/);
    r = await runCli(["benchmark-pack", dir, "--out", notPack, "--force"]);
    assert.equal(r.code, 0);
    assert.equal(await Deno.readTextFile(notPack), expected);
    // A tree the loader rejects writes nothing; a licence that is not MIT is refused.
    const fresh = join(outDir, "fresh.jsonl");
    await Deno.writeTextFile(join(dir, "random_GPT2_wt103/ppl_summary.yaml"), "config_0_j0: 0\n");
    await fails(
      [dir, "--out", fresh],
      /ppl_summary\.yaml: config_0_j0: expected a positive number/,
    );
    await Deno.writeTextFile(join(dir, "LICENSE"), "Apache License\n");
    await fails([dir, "--out", fresh], /LICENSE: not the MIT License/);
    await Deno.remove(join(dir, "LICENSE"));
    await fails([dir, "--out", fresh], /LICENSE: missing/);
    // Nothing half written: no temporary files, no partial output.
    const left = [...Deno.readDirSync(outDir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["pack.jsonl"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(tmp, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// The published benchmark itself: the bundled pack, and archai's raw folder where it is

/** archai's raw folder, beside the project (every developer machine and CI has it). */
const RAW_DIR = join(PROJECT_ROOT, "../shared/archai-lts-saved-logs");

/** `run` when RAW_DIR exists; otherwise `fail` in CI (it must be there) and `skip` locally. */
const RAW_MODE: "run" | "fail" | "skip" = (() => {
  try {
    if (Deno.statSync(RAW_DIR).isDirectory) return "run";
  } catch {
    // missing
  }
  return Deno.env.get("CI") ? "fail" : "skip";
})();
if (RAW_MODE === "skip") {
  console.warn(`benchmark_test: ${RAW_DIR} not found; skipping the comparisons with it`);
}

/** A test that needs RAW_DIR: ignored locally without it, failing in CI without it. */
function rawTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: RAW_MODE === "skip",
    async fn() {
      if (RAW_MODE === "fail") throw new Error(`${RAW_DIR} is missing in CI`);
      await fn();
    },
  });
}

let published: Promise<Benchmark> | undefined;
/** The default load: the bundled pack, with $LTS_SAVED_LOGS unset. */
const loadPublished = () => published ??= withSavedLogsEnv(undefined, () => loadBenchmark());

Deno.test("the bundled pack: header, licence, size, and the default load reads it", async () => {
  const bench = await loadPublished();
  assert.equal(bench.source, BUNDLED_PACK_PATH);
  assert.equal(bench.sourceKind, "pack");
  const bytes = (await Deno.stat(BUNDLED_PACK_PATH)).size;
  assert.ok(bytes < 1024 * 1024, `${bytes} bytes`);
  const text = await Deno.readTextFile(BUNDLED_PACK_PATH);
  const [header, ...lines] = packLines(text);
  assert.deepEqual(header, {
    format: "lts-saved-logs",
    version: 1,
    source: {
      repository: "microsoft/archai",
      branch: "neurips-lts",
      folder: "archai/nlp/nas/saved_logs",
      commit: "4777041",
    },
    licence: "MIT",
    copyright: "Copyright (c) Microsoft Corporation.",
    sets: 11,
    models: 1121,
  });
  assert.equal(lines.length, 1121);
  for (const line of lines) {
    for (const key of Object.keys(line.config)) {
      assert.ok((PACK_CONFIG_FIELDS as readonly string[]).includes(key), key);
    }
  }
  const licence = await Deno.readTextFile(join(dirname(BUNDLED_PACK_PATH), "LICENSE"));
  assert.match(licence.split("\n")[0], /lts-saved-logs\.jsonl/);
  assert.match(licence, /MIT License/);
  assert.match(licence, /Copyright \(c\) Microsoft Corporation\./);
  assert.match(licence, /Permission is hereby granted, free of charge/);
});

Deno.test("the default load needs nothing outside the repository", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const env = Deno.env.toObject();
    delete env[SAVED_LOGS_ENV];
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-prompt",
        "--config",
        join(PROJECT_ROOT, "deno.json"),
        `--allow-read=${PROJECT_ROOT}`,
        `--allow-env=${SAVED_LOGS_ENV}`,
        "-",
      ],
      cwd,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const script = `import { loadBenchmark } from ${
      JSON.stringify(new URL("../lib/benchmark/mod.ts", import.meta.url).href)
    };
const b = await loadBenchmark();
console.log(JSON.stringify({ source: b.source, kind: b.sourceKind, n: b.models.length,
  last: b.models.at(-1).archJson }));
`;
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(script));
    await writer.close();
    const { code, stdout, stderr } = await child.output();
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    const bench = await loadPublished();
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), {
      source: BUNDLED_PACK_PATH,
      kind: "pack",
      n: 1121,
      last: bench.models.at(-1)!.archJson,
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

rawTest("the bundled pack loads exactly as archai's raw folder", async () => {
  const raw = await loadBenchmark({ source: RAW_DIR });
  assert.equal(raw.sourceKind, "saved-logs");
  const pack = await loadPublished();
  assert.deepEqual(pack.models, raw.models);
  assert.deepEqual(pack.sets, raw.sets);
  assert.deepEqual(pack.table.objects(), raw.table.objects());
  assert.equal(pack.warnings.length, raw.warnings.length);
});

rawTest("regenerating the pack from archai's raw folder is byte-identical", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const out = join(tmp, "lts-saved-logs.jsonl");
    const r = await runCli(["benchmark-pack", RAW_DIR, "--out", out]);
    assert.equal(r.code, 0, r.err.join("\n"));
    const made = await Deno.readFile(out);
    const bundled = await Deno.readFile(BUNDLED_PACK_PATH);
    if (made.length !== bundled.length || made.some((b, i) => b !== bundled[i])) {
      const a = new TextDecoder().decode(made).split("\n");
      const b = new TextDecoder().decode(bundled).split("\n");
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(`${BUNDLED_PACK_FILE} differs from a fresh pack at line ${line + 1}`);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

rawTest("data/published/LICENSE is archai's licence text", async () => {
  const original = (await Deno.readTextFile(join(RAW_DIR, "LICENSE"))).replaceAll("\r\n", "\n");
  const ours = await Deno.readTextFile(join(dirname(BUNDLED_PACK_PATH), "LICENSE"));
  const [top, blank, ...rest] = ours.split("\n");
  assert.match(top, /lts-saved-logs\.jsonl/);
  assert.equal(blank, "");
  assert.equal(rest.join("\n"), original);
});

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

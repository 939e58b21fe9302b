import assert from "node:assert/strict";
import { join } from "node:path";
import { archHash } from "../lib/arch/hash.ts";
import type { Arch } from "../lib/arch/types.ts";
import { decoderParams } from "../lib/params/mod.ts";
import { paretoFrontIndices } from "../lib/pareto/mod.ts";
import {
  compareWithBaselines,
  frontierHypervolumes,
  layerScaledBaselines,
  loadRun,
  measureBaselines,
  renderSearchProgress,
  type RunConfig,
  RunMismatchError,
  runSearch,
  runSearchInDir,
  SEARCH_OBJECTIVES,
  searchProgressNote,
  spaceOperators,
  validateSearchOptions,
} from "../lib/search/mod.ts";
import { runCreatedBefore } from "../lib/studies/report_search.ts";
import { isInputError } from "../lib/util/errors.ts";
import { countingMeasure, fakeMeasurement, runCli as cli, TINY_OPS } from "./helpers.ts";

const OPS = TINY_OPS;

const SMALL = { iterations: 4, population: 10, seed: 3 };

function config(search: Parameters<typeof validateSearchOptions>[0]): RunConfig {
  return {
    version: 1,
    space: { preset: "tiny" },
    search: validateSearchOptions(search),
    profile: { seqLen: 32, graphVersion: 2 },
  };
}

const DEVICE = { cpu: "fake", threads: 1 };

Deno.test("options: paper defaults, 20/40/40 split, bad options name the option", () => {
  const d = validateSearchOptions({});
  assert.deepEqual(
    [d.iterations, d.population, d.parents, d.mutations, d.crossovers, d.mutationProb],
    [30, 100, 20, 40, 40, 0.3],
  );
  const s = validateSearchOptions({ population: 10 });
  assert.deepEqual([s.parents, s.mutations, s.crossovers], [2, 4, 4]);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ population: 10, parents: 3 }, /^population:/],
    [{ iterations: 0 }, /^iterations:/],
    [{ mutationProb: 1.5 }, /^mutationProb:/],
    [{ strategy: "annealing" }, /^strategy:/],
    [{ minDecoderParams: 10, maxDecoderParams: 5 }, /^minDecoderParams:/],
    [{ maxLatencyMs: -1 }, /^maxLatencyMs:/],
    [{ colour: 1 }, /^colour:/],
  ];
  for (const [input, re] of bad) {
    assert.throws(() => validateSearchOptions(input), (e) => isInputError(e) && re.test(e.message));
  }
});

Deno.test("search: same seed gives identical candidates and frontiers; another seed differs", async () => {
  const options = validateSearchOptions(SMALL);
  const a = await runSearch({ operators: OPS, measure: countingMeasure(), options });
  const b = await runSearch({ operators: OPS, measure: countingMeasure(), options });
  assert.deepEqual(a.records, b.records);
  assert.deepEqual(a.iterations, b.iterations);
  const c = await runSearch({
    operators: OPS,
    measure: countingMeasure(),
    options: validateSearchOptions({ ...SMALL, seed: 4 }),
  });
  assert.notDeepEqual(c.records.map((r) => r.id), a.records.map((r) => r.id));
});

Deno.test("search: population composition, unique candidates, frontier over everything measured", async () => {
  const options = validateSearchOptions({ iterations: 4, population: 20, seed: 1 });
  assert.deepEqual([options.parents, options.mutations, options.crossovers], [4, 8, 8]);
  const measure = countingMeasure();
  const result = await runSearch({ operators: OPS, measure, options });
  const [first, ...rest] = result.iterations;
  assert.deepEqual(first.proposed, { random: 20, mutation: 0, crossover: 0 });
  assert.deepEqual(first.parents, []);
  for (const it of rest) {
    assert.deepEqual(it.proposed, { random: 0, mutation: 8, crossover: 8 });
    assert.equal(it.parents.length, 4);
    // Parents come from the frontier of the previous iteration.
    const previous = new Set(result.iterations[it.iteration - 1].frontierPoints.map((p) => p.id));
    for (const id of it.parents) assert.ok(previous.has(id));
  }
  const ids = result.records.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(measure.calls, ids);
  for (const r of result.records) {
    if (r.origin.kind === "mutation") assert.ok(ids.indexOf(r.origin.parent) < r.index);
    if (r.origin.kind === "crossover") {
      for (const p of r.origin.parents) assert.ok(ids.indexOf(p) < r.index);
    }
  }
  // The final frontier is the Pareto frontier of every eligible record.
  const ok = result.records.filter((r) => r.status === "ok");
  const expected = paretoFrontIndices(ok, SEARCH_OBJECTIVES).map((i) => ok[i].id).sort();
  assert.deepEqual(result.frontier.map((r) => r.id).sort(), expected);
  assert.equal(result.iterations.at(-1)!.frontierPoints.length, expected.length);
  // Random strategy: same budget, random proposals only.
  const random = await runSearch({
    operators: OPS,
    measure: countingMeasure(),
    options: validateSearchOptions({ iterations: 4, population: 20, seed: 1, strategy: "random" }),
  });
  assert.equal(random.records.length, result.records.length);
  assert.ok(random.records.every((r) => r.origin.kind === "random"));
});

Deno.test("search: decoder-parameter bounds are never crossed", async () => {
  const options = validateSearchOptions({
    ...SMALL,
    minDecoderParams: 300_000,
    maxDecoderParams: 2_000_000,
  });
  const result = await runSearch({ operators: OPS, measure: countingMeasure(), options });
  assert.ok(result.records.length > 10);
  for (const r of result.records) {
    assert.ok(r.decoderParams >= 300_000 && r.decoderParams <= 2_000_000);
  }
});

Deno.test("search: failed measurements are recorded with their reason and the search goes on", async () => {
  const measure = countingMeasure((arch) => {
    if (arch.dModel === 256 && arch.nLayer >= 3) return "throw";
    if (arch.nHead[0] === 8 && arch.dModel === 64) {
      return { ok: false, reason: "timed out after 300 s" };
    }
    return undefined;
  });
  const result = await runSearch({
    operators: OPS,
    measure,
    options: validateSearchOptions(SMALL),
  });
  const failed = result.records.filter((r) => r.status === "failed");
  assert.ok(failed.length > 0);
  for (const r of failed) {
    assert.ok(r.reason === "out of memory" || r.reason === "timed out after 300 s");
    assert.equal(r.latencyMs, undefined);
  }
  const frontier = new Set(result.frontier.map((r) => r.id));
  for (const r of failed) assert.ok(!frontier.has(r.id));
  assert.equal(result.iterations.length, SMALL.iterations);
  assert.equal(result.iterations.at(-1)!.failedSoFar, failed.length);
});

Deno.test("search: over-budget candidates are recorded but kept off the frontier", async () => {
  const free = await runSearch({
    operators: OPS,
    measure: countingMeasure(),
    options: validateSearchOptions(SMALL),
  });
  const latencies = free.records.map((r) => r.latencyMs!.p50).sort((a, b) => a - b);
  const maxLatencyMs = latencies[Math.floor(latencies.length / 2)];
  const result = await runSearch({
    operators: OPS,
    measure: countingMeasure(),
    options: validateSearchOptions({ ...SMALL, maxLatencyMs }),
  });
  const over = result.records.filter((r) => r.status === "over-budget");
  assert.ok(over.length > 0);
  for (const r of over) {
    assert.ok(r.latencyMs!.p50 > maxLatencyMs);
    assert.match(r.reason!, /latency p50 .* is above/);
  }
  for (const r of result.frontier) assert.ok(r.latencyMs!.p50 <= maxLatencyMs);
  for (const it of result.iterations) {
    for (const p of it.frontierPoints) assert.ok(p.latencyP50Ms <= maxLatencyMs);
  }
});

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "lts-search-test-" });
}

Deno.test("run dir: files, refusal to overwrite, resume with other options names the option", async () => {
  const root = await tempDir();
  try {
    const dir = join(root, "run");
    const cfg = config(SMALL);
    const result = await runSearchInDir({
      dir,
      config: cfg,
      device: DEVICE,
      operators: OPS,
      measure: countingMeasure(),
    });
    const run = await loadRun(dir);
    assert.deepEqual(run.config, cfg);
    assert.deepEqual(run.device, DEVICE);
    assert.deepEqual(run.records, result.records);
    assert.deepEqual(run.iterations, result.iterations);
    const csv = (await Deno.readTextFile(join(dir, "candidates.csv"))).trimEnd().split("\n");
    assert.equal(csv.length, result.records.length + 1);
    assert.match(csv[0], /^index,id,iteration,parentage,status,decoder_params,latency_p50_ms,/);
    assert.ok(csv.some((line) => /,mutation of [0-9a-f]{16},/.test(line)));
    assert.ok(csv.some((line) => /,crossover of [0-9a-f]{16}×[0-9a-f]{16},/.test(line)));
    const again = () =>
      runSearchInDir({
        dir,
        config: cfg,
        device: DEVICE,
        operators: OPS,
        measure: countingMeasure(),
      });
    await assert.rejects(again, (e) => isInputError(e) && /already holds files/.test(e.message));
    const other = () =>
      runSearchInDir({
        dir,
        config: config({ ...SMALL, seed: 9 }),
        device: DEVICE,
        operators: OPS,
        measure: countingMeasure(),
        resume: true,
        optionNames: { "search.seed": "--seed" },
      });
    await assert.rejects(
      other,
      (e) => e instanceof RunMismatchError && /^--seed: differs/.test(e.message),
    );
    // A run measured with graphs of another emitter version is not resumed either.
    const otherGraphs = () =>
      runSearchInDir({
        dir,
        config: { ...cfg, profile: { ...cfg.profile, graphVersion: 1 } },
        device: DEVICE,
        operators: OPS,
        measure: countingMeasure(),
        resume: true,
      });
    await assert.rejects(
      otherGraphs,
      (e) => e instanceof RunMismatchError && /^profile\.graphVersion: differs/.test(e.message),
    );
    // A fresh report redoes a run saved before it began, and reads back one saved since.
    assert.equal(await runCreatedBefore(dir, "2999-01-01T00:00:00Z"), true);
    assert.equal(await runCreatedBefore(dir, "2000-01-01T00:00:00Z"), false);
    assert.equal(await runCreatedBefore(dir, undefined), true);
    assert.equal(await runCreatedBefore(join(root, "none"), undefined), false);
    const otherDevice = () =>
      runSearchInDir({
        dir,
        config: cfg,
        device: { ...DEVICE, threads: 2 },
        operators: OPS,
        measure: countingMeasure(),
        resume: true,
      });
    await assert.rejects(otherDevice, (e) => isInputError(e) && /^device:/.test(e.message));
    // A run in use by a live process is refused; a lock left by a dead one is taken over.
    await Deno.writeTextFile(join(dir, ".lock"), "1\n");
    await assert.rejects(
      () =>
        runSearchInDir({
          dir,
          config: cfg,
          device: DEVICE,
          operators: OPS,
          measure: countingMeasure(),
          resume: true,
        }),
      (e) => isInputError(e) && /in use by process 1/.test(e.message),
    );
    await Deno.writeTextFile(join(dir, ".lock"), "999999999\n");
    // Resuming a finished run measures nothing and changes nothing.
    const measure = countingMeasure();
    const resumed = await runSearchInDir({
      dir,
      config: cfg,
      device: DEVICE,
      operators: OPS,
      measure,
      resume: true,
    });
    assert.equal(measure.calls.length, 0);
    assert.deepEqual(resumed.records, result.records);
    assert.equal(await pathExistsNow(join(dir, ".lock")), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run dir: a run killed after any candidate resumes to the uninterrupted result", async () => {
  const search = { ...SMALL, maxLatencyMs: 12 };
  const fail = (arch: Arch) =>
    arch.dModel === 192 && arch.nLayer === 4 ? "throw" as const : undefined;
  const full = await runSearch({
    operators: OPS,
    measure: countingMeasure(fail),
    options: validateSearchOptions(search),
  });
  assert.ok(full.records.some((r) => r.status === "failed"));
  assert.ok(full.records.some((r) => r.status === "over-budget"));
  const root = await tempDir();
  try {
    const n = full.records.length;
    for (const killAfter of [0, 1, 9, 10, 11, Math.floor(n / 2), n - 1]) {
      const dir = join(root, `kill-${killAfter}`);
      const cfg = config(search);
      let calls = 0;
      const killing = countingMeasure((arch) => calls++ >= killAfter ? "abort" : fail(arch));
      await assert.rejects(
        runSearchInDir({ dir, config: cfg, device: DEVICE, operators: OPS, measure: killing }),
        (e) => (e as Error).name === "AbortError",
      );
      const checkpoint = await loadRun(dir);
      assert.equal(checkpoint.records.length, killAfter);
      const rest = countingMeasure(fail);
      const resumed = await runSearchInDir({
        dir,
        config: cfg,
        device: DEVICE,
        operators: OPS,
        measure: rest,
        resume: true,
      });
      assert.deepEqual(resumed.records, full.records);
      assert.deepEqual(resumed.iterations, full.iterations);
      // Nothing measured twice: the killed session measured killAfter (+ the aborted call).
      const measured = [...killing.calls.slice(0, killAfter), ...rest.calls];
      assert.equal(new Set(measured).size, measured.length);
      assert.deepEqual(measured, full.records.map((r) => r.id));
      const saved = await loadRun(dir);
      assert.deepEqual(saved.records, full.records);
      assert.deepEqual(saved.iterations, full.iterations);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run dir: a checkpoint line cut short by a kill is dropped and measured again", async () => {
  const search = { ...SMALL };
  const full = await runSearch({
    operators: OPS,
    measure: countingMeasure(),
    options: validateSearchOptions(search),
  });
  const root = await tempDir();
  try {
    const dir = join(root, "torn");
    const cfg = config(search);
    let calls = 0;
    const killing = countingMeasure(() => calls++ >= 5 ? "abort" : undefined);
    await assert.rejects(
      runSearchInDir({ dir, config: cfg, device: DEVICE, operators: OPS, measure: killing }),
      (e) => (e as Error).name === "AbortError",
    );
    // Simulate a kill in the middle of writing the fifth line.
    const path = join(dir, "candidates.jsonl");
    const text = await Deno.readTextFile(path);
    const lines = text.trimEnd().split("\n");
    assert.equal(lines.length, 5);
    const torn = lines.slice(0, 4).join("\n") + "\n" + lines[4].slice(0, 20);
    await Deno.writeTextFile(path, torn);
    assert.equal((await loadRun(dir)).records.length, 4);
    const rest = countingMeasure();
    const resumed = await runSearchInDir({
      dir,
      config: cfg,
      device: DEVICE,
      operators: OPS,
      measure: rest,
      resume: true,
    });
    assert.deepEqual(resumed.records, full.records);
    assert.equal(rest.calls[0], full.records[4].id, "the torn candidate is measured again");
    assert.deepEqual((await loadRun(dir)).records, full.records);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("search: onProgress reports iterations, counts and an ETA", async () => {
  const seen: { iteration: number; candidates: number; eta: boolean }[] = [];
  const result = await runSearch({
    operators: OPS,
    measure: countingMeasure(),
    options: validateSearchOptions(SMALL),
    onProgress: (p) =>
      seen.push({ iteration: p.iteration, candidates: p.candidates, eta: p.etaMs !== undefined }),
  });
  assert.equal(seen.at(-1)!.candidates, result.records.length);
  assert.deepEqual([...new Set(seen.map((s) => s.iteration))], [0, 1, 2, 3]);
  assert.ok(seen.every((s) => s.eta));
  const counts = seen.map((s) => s.candidates);
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b));
});

Deno.test("cli search: bad options exit 2 with one line naming the flag", async () => {
  const root = await tempDir();
  try {
    const out = join(root, "run");
    const cases: [string[], RegExp][] = [
      [["--out", out], /^lts search: --preset: missing/],
      [["--preset", "nope", "--out", out], /^lts search: --preset: unknown "nope"/],
      [["--preset", "lts-transformer-xl", "--out", out], /^lts search: --preset: .*gpt2 only/],
      [["--preset", "lts-gpt2"], /^lts search: --out: missing/],
      [
        ["--preset", "lts-gpt2", "--out", out, "--population", "10", "--parents", "3"],
        /^lts search: --population:/,
      ],
      [
        ["--preset", "lts-gpt2", "--out", out, "--mutation-prob", "0"],
        /^lts search: --mutation-prob:/,
      ],
      [["--preset", "lts-gpt2", "--out", out, "--iterations", "two"], /^lts search: --iterations:/],
      [
        ["--preset", "lts-gpt2", "--out", out, "--strategy", "annealing"],
        /^lts search: --strategy:/,
      ],
      [["--preset", "lts-gpt2", "--out", out, "--seq-len", "4096"], /^lts search: --seq-len:/],
      [
        ["--preset", "lts-gpt2", "--out", out, "--process-repeats", "0"],
        /^lts search: --process-repeats:/,
      ],
      [[
        "--preset",
        "lts-gpt2",
        "--out",
        out,
        "--min-decoder-params",
        "9e9",
        "--max-decoder-params",
        "1e6",
      ], /^lts search: --min-decoder-params:/],
      [["--preset", "lts-gpt2", "--out", out, "--colour"], /^lts search: .*colour/],
      [["--preset", "lts-gpt2", "--out", out, "--resume"], /^lts search: .*no run\.json/],
    ];
    for (const [args, re] of cases) {
      const r = await cli(["search", ...args]);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.err.length, 1, r.err.join("\n"));
      assert.equal(r.err[0].split("\n").length, 1);
      assert.match(r.err[0], re);
      assert.equal(r.out.length, 0);
    }
    assert.equal(await pathExistsNow(out), false);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function pathExistsNow(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test("cli search: existing run dir is refused; --resume with other options names the flag", async () => {
  const { planSearch } = await import("../lib/cli/search.ts");
  const root = await tempDir();
  try {
    const dir = join(root, "run");
    const flags = [
      "--preset",
      "lts-gpt2",
      "--homogeneous",
      "--iterations",
      "2",
      "--population",
      "5",
      "--out",
      dir,
    ];
    const plan = planSearch([...flags, "--seed", "1"]);
    assert.equal(plan.config.search.seed, 1);
    assert.equal(plan.schedule, "pipelined");
    assert.equal(planSearch([...flags, "--overlap-session-creation"]).schedule, "overlapped");
    // The preset's embedding genes are searched (no plain-embedding substitution).
    assert.deepEqual(plan.space.divVal, [1, 2, 4]);
    await runSearchInDir({
      dir,
      config: plan.config,
      device: DEVICE,
      operators: spaceOperators(plan.space),
      measure: countingMeasure(),
    });
    const before = await Deno.readTextFile(join(dir, "candidates.jsonl"));
    const fresh = await cli(["search", ...flags, "--seed", "1"]);
    assert.equal(fresh.code, 2);
    assert.match(fresh.err[0], /already holds files; pass --resume/);
    const other = await cli(["search", ...flags, "--seed", "2", "--resume"]);
    assert.equal(other.code, 2);
    assert.equal(
      other.err[0],
      "lts search: --seed: differs from the run being resumed (1 there, 2 now)",
    );
    const more = await cli([
      "search",
      ...flags,
      "--seed",
      "1",
      "--resume",
      "--max-latency-ms",
      "5",
    ]);
    assert.equal(more.code, 2);
    assert.match(more.err[0], /^lts search: --max-latency-ms: differs/);
    assert.equal(await Deno.readTextFile(join(dir, "candidates.jsonl")), before);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("cli export: json, yaml and onnx of a picked candidate; bad input exits 2", async () => {
  const { parse } = await import("yaml");
  const { archConfigFromArchai } = await import("../lib/arch/archai.ts");
  const { validateArch } = await import("../lib/arch/validate.ts");
  const root = await tempDir();
  try {
    const dir = join(root, "run");
    const result = await runSearchInDir({
      dir,
      config: config({ iterations: 2, population: 5, seed: 2 }),
      device: DEVICE,
      operators: OPS,
      measure: countingMeasure(),
    });
    const pick = result.frontier[0];
    const prefix = pick.id.slice(0, 8);
    const jsonPath = join(root, "pick.json");
    const j = await cli(["export", dir, "--id", prefix, "--format", "json", "--out", jsonPath]);
    assert.equal(j.code, 0, j.err.join("\n"));
    assert.deepEqual(JSON.parse(j.out[0]).id, pick.id);
    assert.deepEqual(validateArch(JSON.parse(await Deno.readTextFile(jsonPath))), pick.arch);
    const yamlPath = join(root, "model_config.yaml");
    const y = await cli(["export", dir, "--id", pick.id, "--format", "yaml", "--out", yamlPath]);
    assert.equal(y.code, 0, y.err.join("\n"));
    const back = validateArch(
      archConfigFromArchai(parse(await Deno.readTextFile(yamlPath)), "gpt2"),
    );
    assert.equal(archHash(back), pick.id);
    const onnxPath = join(root, "pick.onnx");
    const o = await cli(["export", dir, "--id", prefix, "--format", "onnx", "--out", onnxPath]);
    assert.equal(o.code, 0, o.err.join("\n"));
    const written = JSON.parse(o.out[0]);
    assert.equal(written.path, onnxPath);
    assert.ok((await Deno.stat(onnxPath)).size > 1000);
    const bad: [string[], RegExp][] = [
      [["export", dir, "--id", "ffffffffff", "--format", "json"], /^lts export: id: no candidate/],
      [["export", dir, "--id", "ab", "--format", "json"], /^lts export: id: .*too short/],
      [["export", dir, "--id", prefix], /^lts export: --format: missing/],
      [["export", dir, "--id", prefix, "--format", "pdf"], /^lts export: --format:/],
      [["export", join(root, "nothing"), "--id", prefix, "--format", "json"], /no run\.json/],
      [
        ["export", dir, "--id", prefix, "--format", "json", "--dialect", "fast"],
        /--dialect: onnx only/,
      ],
    ];
    for (const [args, re] of bad) {
      const r = await cli(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err[0], re);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("baselines: layer-scaled blocks, XL params only, failures recorded, reuse of known", async () => {
  const gpt2 = layerScaledBaselines("gpt2-small");
  assert.deepEqual(gpt2.map((b) => b.arch.nLayer), Array.from({ length: 16 }, (_, i) => i + 1));
  assert.equal(decoderParams(gpt2[11].arch), 85_056_000); // GPT-2 small
  const xl = layerScaledBaselines("transformer-xl-base", { layers: [1, 2] });
  assert.deepEqual([xl[0].arch.dModel, xl[0].arch.nHead[0], xl[0].arch.dInner[0]], [512, 8, 2048]);
  const measure = countingMeasure((a) => a.nLayer === 3 ? "throw" : undefined);
  const small = layerScaledBaselines("gpt2-small", {
    layers: [1, 2, 3],
    vocabSize: 1000,
    nPositions: 256,
  });
  const unsupported = (a: Arch) => a.backbone === "gpt2" ? undefined : "gpt2 only";
  const records = await measureBaselines([...small, ...xl], measure, { unsupported });
  assert.deepEqual(records.map((r) => r.status), [
    "ok",
    "ok",
    "failed",
    "not-measured",
    "not-measured",
  ]);
  assert.equal(records[2].reason, "out of memory");
  assert.equal(records[3].reason, "gpt2 only");
  assert.ok(records[3].decoderParams > 0 && records[3].latencyMs === undefined);
  assert.equal(measure.calls.length, 3);
  const again = countingMeasure();
  const reused = await measureBaselines([...small, ...xl], again, { unsupported, known: records });
  assert.deepEqual(reused, records);
  assert.equal(again.calls.length, 0);
});

Deno.test("compare: best latency and memory ratios among frontier models with >= params", () => {
  const frontier = [
    { id: "a", decoderParams: 90, latencyP50Ms: 20, peakMemoryBytes: 400 },
    { id: "b", decoderParams: 100, latencyP50Ms: 25, peakMemoryBytes: 200 },
    { id: "c", decoderParams: 40, latencyP50Ms: 10, peakMemoryBytes: 100 },
  ];
  const rows = compareWithBaselines(frontier, [
    { id: "x", name: "L12", decoderParams: 85, latencyP50Ms: 26, peakMemoryBytes: 500 },
    { id: "y", decoderParams: 120, latencyP50Ms: 30, peakMemoryBytes: 500 },
  ]);
  assert.deepEqual(rows[0], {
    baseline: "L12",
    decoderParams: 85,
    latencyP50Ms: 26,
    peakMemoryBytes: 500,
    matches: 2,
    fastestId: "a",
    latencyRatio: 26 / 20,
    leanestId: "b",
    memoryRatio: 500 / 200,
  });
  assert.equal(rows[1].matches, 0);
  assert.equal(rows[1].latencyRatio, undefined);
});

Deno.test("compare: normalised hypervolumes share bounds; a dominating frontier scores higher", () => {
  const better = [{ id: "a", decoderParams: 100, latencyP50Ms: 1, peakMemoryBytes: 1 }];
  const worse = [{ id: "b", decoderParams: 50, latencyP50Ms: 2, peakMemoryBytes: 3 }];
  const report = frontierHypervolumes({ better, worse });
  assert.deepEqual(report.bounds, {
    decoderParams: [50, 100],
    latencyP50Ms: [1, 2],
    peakMemoryBytes: [1, 3],
  });
  // "better" sits at the best corner (0, 0, 0): the whole reference box 1.1³.
  assert.ok(Math.abs(report.hypervolume.better - 1.1 ** 3) < 1e-12);
  // "worse" sits at the worst corner (1, 1, 1): a 0.1³ box.
  assert.ok(Math.abs(report.hypervolume.worse - 0.1 ** 3) < 1e-12);
  assert.equal(frontierHypervolumes({ empty: [] }).hypervolume.empty, 0);
});

const PROGRESS = {
  iteration: 2,
  iterations: 30,
  candidates: 260,
  candidatesMax: 2420,
  measuredNow: 60,
  frontierSize: 14,
};

Deno.test("progress: the note beside a bar over the candidates has no second bar or fraction", () => {
  assert.equal(searchProgressNote(PROGRESS), "iter 3/30, 60 measured now, frontier 14");
  assert.equal(
    searchProgressNote({ ...PROGRESS, etaMs: 61_000 }),
    "iter 3/30, 60 measured now, frontier 14, eta 1m01s",
  );
});

Deno.test("progress: one line with iteration, bar, counts, frontier and ETA", () => {
  const line = renderSearchProgress({ ...PROGRESS, etaMs: 600_000 }, 10);
  assert.equal(
    line,
    "iter 3/30 [#---------] 260/2420 candidates (60 measured now) frontier 14 eta 10m00s",
  );
});

Deno.test("search: batch measurement (measureMany) gives the same run; stream errors fail one candidate", async () => {
  const options = validateSearchOptions(SMALL);
  const single = await runSearch({ operators: OPS, measure: countingMeasure(), options });
  const batches: number[] = [];
  const many = (bad?: (a: Arch) => boolean) =>
    async function* (archs: readonly Arch[]) {
      batches.push(archs.length);
      for (const a of archs) {
        if (bad?.(a)) throw new Error("profiler crashed");
        yield fakeMeasurement(a);
      }
    };
  const unused = () => Promise.reject(new Error("measure must not be called"));
  const batched = await runSearch({
    operators: OPS,
    measure: unused,
    measureMany: many(),
    options,
  });
  assert.deepEqual(batched.records, single.records);
  assert.deepEqual(batches.length, options.iterations);
  batches.length = 0;
  const bad = (a: Arch) => a.dModel === 128;
  const failing = await runSearch({
    operators: OPS,
    measure: unused,
    measureMany: many(bad),
    options,
  });
  assert.equal(failing.records.length, single.records.length);
  for (const r of failing.records) {
    if (r.arch.dModel === 128) {
      assert.deepEqual([r.status, r.reason], ["failed", "profiler crashed"]);
    } else assert.equal(r.status, "ok");
  }
  assert.ok(batches.length > options.iterations); // a new stream after each failure
  // A stream that ends early fails the rest one by one, in new streams.
  const short = async function* (archs: readonly Arch[]) {
    if (archs.length > 1) yield fakeMeasurement(archs[0]);
  };
  const truncated = await runSearch({
    operators: OPS,
    measure: unused,
    measureMany: short,
    options,
  });
  assert.ok(truncated.records.some((r) => r.reason === "no result from the profiler"));
  assert.ok(truncated.records.some((r) => r.status === "ok"));
});

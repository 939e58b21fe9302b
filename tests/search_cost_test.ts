import assert from "node:assert/strict";
import { join } from "node:path";
import { archHash } from "../lib/arch/hash.ts";
import type { Arch } from "../lib/arch/types.ts";
import { validateArch } from "../lib/arch/validate.ts";
import { calibrationId } from "../lib/costmodel/predict.ts";
import { latencyTerms, memoryTerms } from "../lib/costmodel/terms.ts";
import { type Calibration, CALIBRATION_VERSION } from "../lib/costmodel/types.ts";
import { greedyHypervolumeSubset, hypervolume } from "../lib/pareto/mod.ts";
import {
  candidateLines,
  type CandidateRecord,
  loadRun,
  type Measurement,
  parseCandidateLines,
  parseVerifiedLines,
  predictedMeasure,
  type RunConfig,
  runCostOf,
  runCostSearchInDir,
  runSearch,
  selectForVerification,
  validateRunCost,
  validateSearchOptions,
  verificationMargin,
  verificationSlack,
  VERIFY_FILES,
} from "../lib/search/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import { createRng } from "../lib/util/rng.ts";
import { countingMeasure, runCli, TINY_OPS, TINY_SPACE } from "./helpers.ts";

const BASIS = { knots: TINY_SPACE.dModel, heads: TINY_SPACE.nHead };

/**
 * A calibration of the tiny space whose predictions are the fake profiler's costs, shifted by a
 * known error: latency 1 µs per unit of work term, memory 1 byte per byte term (plus a constant).
 */
function fakeCalibration(scale = 1): Calibration {
  const rng = createRng(7);
  const latency: Record<string, number> = {};
  for (let i = 0; i < 400; i++) {
    for (const term of Object.keys(latencyTerms(TINY_OPS.sample(rng), BASIS))) {
      latency[term] = 1e-6 * scale;
    }
  }
  const shape = { seqLen: 32, batch: 1 };
  const memory = Object.fromEntries(
    Object.keys(memoryTerms(TINY_OPS.sample(rng), shape)).map((k) => [k, 1]),
  );
  const summary = (e: number) => ({
    n: 10,
    within5: 1,
    within10: 1,
    medianAbsError: e / 2,
    maxAbsError: e,
    meanSignedError: 0,
    relativeSpread95: e,
    spearman: 1,
  });
  return {
    version: CALIBRATION_VERSION,
    key: "0123456789abcdef",
    preset: "tiny",
    space: {},
    settings: { seqLen: 32, batch: 1 } as never,
    fingerprint: { cpuModel: "fake" } as never,
    fingerprintHash: "fedcba9876543210",
    graphVersion: 2,
    basis: BASIS,
    latency,
    memory,
    models: [],
    fit: { latency: summary(0.1), memory: summary(0.02) },
    measuredAt: "2026-12-03T00:00:00.000Z",
    calibrationMs: 1,
    runtimeVersion: "0",
  };
}

/** The architectures the fake device measured (reset by each test). */
let calls: string[] = [];

/** The "device": the calibration's prediction off by a deterministic ±8 % (latency), ±1 % (memory). */
function deviceMeasure(calibration: Calibration): (arch: Arch) => Promise<Measurement> {
  const predict = predictedMeasure(calibration);
  const wobble = (arch: Arch, amount: number, salt: number) =>
    1 + amount * Math.sin(parseInt(archHash(arch).slice(0, 8), 16) + salt);
  return async (arch) => {
    calls.push(archHash(arch));
    const p = await predict(arch);
    if (!p.ok) return p;
    return {
      ok: true,
      latencyMs: { p50: p.latencyMs.p50 * wobble(arch, 0.08, 0) },
      peakMemoryBytes: Math.round(p.peakMemoryBytes * wobble(arch, 0.01, 1)),
    };
  };
}

function runConfig(cost: RunConfig["cost"], search = { iterations: 4, population: 12, seed: 5 }) {
  const config: RunConfig = {
    version: 1,
    space: { preset: "tiny" },
    search: validateSearchOptions(search),
    profile: { seqLen: 32, graphVersion: 2 },
  };
  if (cost) config.cost = cost;
  return config;
}

Deno.test("cost: predictions are recorded as predicted with the calibration's id, measurements as measured", async () => {
  const calibration = fakeCalibration();
  const options = validateSearchOptions({ iterations: 2, population: 8, seed: 1 });
  const predicted = await runSearch({
    operators: TINY_OPS,
    measure: predictedMeasure(calibration),
    options,
  });
  assert.ok(predicted.records.length > 0);
  for (const r of predicted.records) {
    assert.equal(r.costSource, "predicted");
    assert.equal(r.calibrationId, calibrationId(calibration));
  }
  const measured = await runSearch({ operators: TINY_OPS, measure: countingMeasure(), options });
  assert.ok(measured.records.every((r) => r.costSource === "measured" && !r.calibrationId));
  // Records round-trip through candidates.jsonl with their cost source.
  const back = parseCandidateLines(candidateLines(predicted.records), "c.jsonl");
  assert.deepEqual(back, predicted.records);
});

Deno.test("cost: an uncovered architecture is a failed prediction naming the gap", async () => {
  const calibration = { ...fakeCalibration(), basis: { knots: [64, 128], heads: [2, 4, 8] } };
  const arch = TINY_OPS.sample(createRng(1));
  const wide = { ...arch, dModel: 256 };
  const m = await predictedMeasure(calibration)(wide);
  assert.equal(m.ok, false);
  assert.match((m as { reason: string }).reason, /dModel 256 is outside the calibrated 64–128/);
});

Deno.test("cost: records with a bad cost source are refused, naming the field", () => {
  const [record] = parseCandidateLines(
    candidateLines([{
      id: archHash(TINY_OPS.sample(createRng(2))),
      index: 0,
      iteration: 0,
      origin: { kind: "random" },
      arch: TINY_OPS.sample(createRng(2)),
      decoderParams: 1,
      status: "ok",
      latencyMs: { p50: 1 },
      peakMemoryBytes: 1,
      costSource: "measured",
    }]),
    "c.jsonl",
  );
  const line = (patch: Record<string, unknown>) =>
    JSON.stringify({ ...JSON.parse(candidateLines([record])), ...patch }) + "\n";
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ costSource: "guessed" }, /line 1: costSource: expected "measured" or "predicted"/],
    [{ costSource: "predicted" }, /line 1: calibrationId: missing \(costSource predicted\)/],
    [{ calibrationId: "0123456789abcdef" }, /line 1: calibrationId: only a predicted cost/],
    [
      { costSource: "predicted", calibrationId: "../x" },
      /line 1: calibrationId: expected a calibration id/,
    ],
  ];
  for (const [patch, re] of cases) {
    assert.throws(
      () => parseCandidateLines(line(patch), "c.jsonl"),
      (e) => isInputError(e) && re.test(e.message),
    );
  }
});

Deno.test("verify: slack is 0 on the frontier, in margin units behind it, and independent of record order", () => {
  const r = (id: string, decoderParams: number, p50: number, peakMemoryBytes: number) =>
    ({ id, decoderParams, latencyMs: { p50 }, peakMemoryBytes }) as CandidateRecord;
  const margin = { latency: 0.21, memory: 0.44 };
  const records = [
    r("a", 10, 1, 1),
    r("b", 10, 1.1, 1.2), // behind a by √(1.21) in latency and √(1.44) in memory: half a margin
    r("c", 10, 2, 1.1), // behind a by more than a latency margin, but only a fraction in memory
    r("d", 5, 0.5, 5), // fewer params, but faster: on the frontier
    r("e", 12, 3, 3), // more params: nothing with as many beats it
    r("f", 10, 2, 3), // beyond a margin behind a in both
  ];
  const slack = verificationSlack(records, margin);
  assert.equal(slack.get("a"), 0);
  assert.ok(Math.abs(slack.get("b")! - 0.5) < 1e-9);
  assert.ok(Math.abs(slack.get("c")! - Math.log(1.1) / Math.log(1.44)) < 1e-9);
  assert.equal(slack.get("d"), 0);
  assert.equal(slack.get("e"), 0);
  assert.ok(slack.get("f")! > 1);
  assert.deepEqual(verificationSlack([...records].reverse(), margin), slack);
  // Dominated only through a tie (same memory, slower): just off the frontier, within any margin.
  const tie = verificationSlack([r("a", 10, 1, 1), r("g", 10, 3, 1)], margin);
  assert.equal(tie.get("g"), Number.EPSILON);
  assert.equal(tie.get("a"), 0);
  const picks = selectForVerification(records.map((x) => ({ ...x, status: "ok" as const })), {
    margin,
    max: 10,
  });
  // The predicted frontier first, by greedy hypervolume (a alone holds most of it), then the
  // others by slack, lowest first; f is beyond the margin.
  assert.deepEqual(picks.map((p) => p.id), ["a", "e", "d", "c", "b"]);
  // A smaller cap measures a prefix of what a larger one measures.
  for (let max = 0; max <= 5; max++) {
    const capped = selectForVerification(records.map((x) => ({ ...x, status: "ok" as const })), {
      margin,
      max,
    });
    assert.deepEqual(capped.map((p) => p.id), ["a", "e", "d", "c", "b"].slice(0, max));
  }
  // A budget: a candidate predicted over it, but within the margin, is a candidate too.
  const over = records.map((x) => ({ ...x, status: "over-budget" as const }));
  const budgeted = selectForVerification(over, { margin, max: 10, maxLatencyMs: 1 });
  assert.deepEqual(budgeted.map((p) => p.id).sort(), ["a", "b", "d"]);
});

Deno.test("verify: a frontier larger than the cap keeps its greedy hypervolume subset", () => {
  const rng = createRng(3);
  // 60 points on a 3-D trade-off surface: all on the frontier.
  const records = Array.from({ length: 60 }, (_, i) => {
    const a = rng.float(), b = rng.float();
    return {
      id: `p${i}`,
      status: "ok",
      decoderParams: Math.round(1e6 * (a + b)),
      latencyMs: { p50: 1 + 10 * a },
      peakMemoryBytes: Math.round(1e6 * (1 + 10 * b)),
    } as CandidateRecord;
  });
  const margin = { latency: 0, memory: 0 };
  const front = selectForVerification(records, { margin, max: 1000 }).filter((p) => p.slack === 0);
  assert.ok(front.length > 12);
  const picks = selectForVerification(records, { margin, max: 12 });
  assert.equal(picks.length, 12);
  assert.ok(picks.every((p) => p.slack === 0));
  // It keeps more hypervolume than any of 50 random subsets of the same size.
  const objectives = [
    { key: (r: CandidateRecord) => -r.decoderParams, goal: "min" as const },
    { key: (r: CandidateRecord) => r.latencyMs!.p50, goal: "min" as const },
    { key: (r: CandidateRecord) => r.peakMemoryBytes!, goal: "min" as const },
  ];
  const ref = {
    decoderParams: 0,
    latencyMs: { p50: 12 },
    peakMemoryBytes: 12e6,
  } as CandidateRecord;
  const byId = new Map(records.map((r) => [r.id, r]));
  const hv = (ids: string[]) => hypervolume(ids.map((id) => byId.get(id)!), objectives, ref);
  const chosen = hv(picks.map((p) => p.id));
  for (let k = 0; k < 50; k++) {
    const ids = front.map((p) => p.id).sort(() => rng.float() - 0.5).slice(0, 12);
    assert.ok(chosen > hv(ids));
  }
});

Deno.test("greedyHypervolumeSubset: lazy evaluation picks what a plain greedy picks", () => {
  const rng = createRng(11);
  const points = Array.from(
    { length: 40 },
    () => ({ x: rng.float(), y: rng.float(), z: rng.float() }),
  );
  const objectives = (["x", "y", "z"] as const).map((key) => ({ key, goal: "min" as const }));
  const ref = { x: 1.1, y: 1.1, z: 1.1 };
  const lazy = greedyHypervolumeSubset(points, objectives, ref, 8);
  const plain: number[] = [];
  for (let step = 0; step < 8; step++) {
    let best = -1, bestHv = -1;
    for (let i = 0; i < points.length; i++) {
      if (plain.includes(i)) continue;
      const v = hypervolume([...plain, i].map((j) => points[j]), objectives, ref);
      if (v > bestHv) [best, bestHv] = [i, v];
    }
    plain.push(best);
  }
  assert.deepEqual(lazy, plain);
  assert.deepEqual(greedyHypervolumeSubset(points, objectives, ref, 99).length, 40);
});

Deno.test("cost: the verification margin widens the largest error to (1 + e)² − 1; run.json's cost is checked", () => {
  const calibration = fakeCalibration();
  const fromFit = verificationMargin(calibration);
  assert.equal(fromFit.from, "fit");
  assert.ok(Math.abs(fromFit.latency - 0.21) < 1e-12);
  assert.ok(Math.abs(fromFit.memory - (1.02 ** 2 - 1)) < 1e-12);
  const { cost } = runCostOf("verified", calibration, { verifyMax: 7 });
  assert.deepEqual(validateRunCost(cost, "run.json"), cost);
  assert.equal(runCostOf("predicted", calibration).cost?.margin, undefined);
  const bad: [unknown, RegExp][] = [
    [{ ...cost, mode: "guessed" }, /run.json: cost.mode: expected "predicted" or "verified"/],
    [{ ...cost, calibrationId: "x" }, /cost.calibrationId: expected 16 lowercase hex digits/],
    [
      { ...cost, margin: { latency: -1, memory: 0 } },
      /cost.margin.latency: expected a number in \[0, 10\]/,
    ],
    [{ ...cost, verifyMax: 0 }, /cost.verifyMax: expected an integer/],
    [{ ...cost, mode: "predicted" }, /cost.margin: only a verified run has one/],
    [{ ...cost, colour: 1 }, /cost.colour: unknown field/],
  ];
  for (const [value, re] of bad) {
    assert.throws(
      () => validateRunCost(value, "run.json"),
      (e) => isInputError(e) && re.test(e.message),
    );
  }
});

Deno.test("verified run: measures only candidates near the predicted frontier; the final frontier is measured", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const calibration = fakeCalibration();
    const { cost } = runCostOf("verified", calibration, { verifyMax: 30 });
    calls = [];
    const device = deviceMeasure(calibration);
    const result = await runCostSearchInDir({
      dir,
      config: runConfig(cost),
      device: { cpu: "fake" },
      operators: TINY_OPS,
      measure: device,
      calibration,
    });
    const v = result.verification!;
    assert.ok(result.records.every((r) => r.costSource === "predicted"));
    assert.equal(calls.length, v.summary.measured, "the device measured only the verification");
    assert.ok(v.summary.measured < result.records.length);
    assert.ok(result.frontier.length > 0);
    const measuredById = new Map(v.measured.map((r) => [r.id, r]));
    for (const r of result.frontier) {
      assert.equal(r.costSource, "measured");
      assert.equal(r.calibrationId, undefined);
      assert.deepEqual(r.latencyMs, measuredById.get(r.id)!.latencyMs);
    }
    // Files: verified.jsonl (one line per measured candidate) and verification.json.
    const lines = (await Deno.readTextFile(join(dir, VERIFY_FILES.records))).trim().split("\n");
    assert.equal(lines.length, v.summary.measured);
    // Each line records how long its measurement took; the summary adds them up.
    const durations = lines.map((l) => JSON.parse(l).measureMs);
    assert.ok(durations.every((ms) => Number.isInteger(ms) && ms >= 0));
    const summary = JSON.parse(await Deno.readTextFile(join(dir, VERIFY_FILES.summary)));
    assert.equal(summary.measureMs, durations.reduce((a, b) => a + b, 0));
    assert.deepEqual(
      summary.frontierPoints.map((p: { id: string }) => p.id),
      result.frontier.map((r) => r.id),
    );
    // The fake device is up to 8 % off: predicted / measured − 1 is at most 1 / 0.92 − 1.
    assert.ok(summary.accuracy.latency.maxAbsError <= 1 / 0.92 - 1 + 1e-9);
    assert.deepEqual((await loadRun(dir)).config.cost, cost);

    // Read back (finished): nothing is measured again.
    calls = [];
    const again = await runCostSearchInDir({
      dir,
      config: runConfig(cost),
      device: { cpu: "fake" },
      operators: TINY_OPS,
      measure: deviceMeasure(calibration),
      calibration,
      resume: true,
    });
    assert.equal(calls.length, 0);
    assert.deepEqual(again.frontier, result.frontier);

    // Another calibration (new coefficients) does not resume this run.
    const other = fakeCalibration(1.5);
    await assert.rejects(
      runCostSearchInDir({
        dir,
        config: runConfig(runCostOf("verified", other, { verifyMax: 30 }).cost),
        device: { cpu: "fake" },
        operators: TINY_OPS,
        measure: deviceMeasure(other),
        calibration: other,
        resume: true,
        optionNames: { "cost.calibrationId": "--calibration" },
      }),
      (e) =>
        isInputError(e) && /^--calibration: differs from the run being resumed/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verified run: a kill during verification resumes, measuring only what is missing; a torn line is re-measured", async () => {
  const calibration = fakeCalibration();
  const { cost } = runCostOf("verified", calibration, { verifyMax: 30 });
  const straightDir = await Deno.makeTempDir();
  const dir = await Deno.makeTempDir();
  try {
    calls = [];
    const straight = await runCostSearchInDir({
      dir: straightDir,
      config: runConfig(cost),
      device: { cpu: "fake" },
      operators: TINY_OPS,
      measure: deviceMeasure(calibration),
      calibration,
    });
    const total = calls.length;
    assert.ok(total >= 6);
    // Killed after 4 verification measurements (an AbortError, as a SIGINT gives).
    calls = [];
    const controller = new AbortController();
    const device = deviceMeasure(calibration);
    await assert.rejects(
      runCostSearchInDir({
        dir,
        config: runConfig(cost),
        device: { cpu: "fake" },
        operators: TINY_OPS,
        measure: async (arch) => {
          if (calls.length === 4) {
            controller.abort(new DOMException("killed", "AbortError"));
            throw controller.signal.reason;
          }
          return await device(arch);
        },
        calibration,
        signal: controller.signal,
      }),
      (e) => (e as Error).name === "AbortError",
    );
    // A kill mid-append leaves a torn last line: it is dropped and measured again.
    const path = join(dir, VERIFY_FILES.records);
    const kept = (await Deno.readTextFile(path)).trim().split("\n");
    assert.equal(kept.length, 4);
    await Deno.writeTextFile(path, kept.slice(0, 3).join("\n") + "\n" + kept[3].slice(0, 20));
    calls = [];
    const resumed = await runCostSearchInDir({
      dir,
      config: runConfig(cost),
      device: { cpu: "fake" },
      operators: TINY_OPS,
      measure: deviceMeasure(calibration),
      calibration,
      resume: true,
    });
    assert.equal(calls.length, total - 3);
    assert.deepEqual(resumed.frontier, straight.frontier);
    // The same summary, but for the measurements' wall time.
    const { measureMs: _a, ...resumedSummary } = resumed.verification!.summary;
    const { measureMs: _b, ...straightSummary } = straight.verification!.summary;
    assert.deepEqual(resumedSummary, straightSummary);
  } finally {
    await Deno.remove(straightDir, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predicted run: nothing is measured; a run needs its calibration", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const calibration = fakeCalibration();
    const { cost } = runCostOf("predicted", calibration);
    const never = () => Promise.reject(new Error("measured"));
    const result = await runCostSearchInDir({
      dir,
      config: runConfig(cost),
      device: { cpu: "fake" },
      operators: TINY_OPS,
      measure: never,
      calibration,
    });
    assert.equal(result.verification, undefined);
    assert.ok(result.frontier.every((r) => r.costSource === "predicted"));
    const csv = await Deno.readTextFile(join(dir, "candidates.csv"));
    assert.match(csv.split("\n")[0], /,cost_source,calibration_id,/);
    assert.match(csv.split("\n")[1], new RegExp(`,predicted,${calibrationId(calibration)},`));
    await assert.rejects(
      runCostSearchInDir({
        dir: await Deno.makeTempDir(),
        config: runConfig(cost),
        device: { cpu: "fake" },
        operators: TINY_OPS,
        measure: never,
      }),
      (e) => isInputError(e) && /needs its calibration/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: search cost flags are checked before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const base = ["search", "--preset", "lts-gpt2", "--out", join(dir, "run")];
    const cases: [string[], RegExp][] = [
      [["--cost", "guessed"], /^--cost: expected one of measured, predicted, verified/],
      [["--verify-max", "5"], /^--verify-max: only with --cost verified/],
      [
        ["--cost", "predicted", "--verify-margin", "0.2"],
        /^--verify-margin: only with --cost verified/,
      ],
      [["--calibration", "x.json"], /^--calibration: only with --cost predicted or verified/],
      [["--cost", "verified", "--verify-max", "0"], /^--verify-max:/],
      [["--cost", "verified", "--verify-margin=-1"], /^--verify-margin:/],
      [["--cost", "predicted", "--calibration", join(dir, "missing.json")], /missing\.json/],
    ];
    for (const [flags, re] of cases) {
      const { code, err } = await runCli([...base, ...flags]);
      assert.equal(code, 2, flags.join(" "));
      assert.equal(err.length, 1, err.join("\n"));
      assert.match(err[0].replace(/^lts search: /, ""), re);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("verify: verified.jsonl lines are checked field by field, measureMs included", () => {
  const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 });
  const candidate = {
    id: archHash(arch),
    index: 0,
    iteration: 0,
    origin: { kind: "random" },
    arch,
    decoderParams: 5,
    status: "ok",
    latencyMs: { p50: 1 },
    peakMemoryBytes: 10,
    costSource: "predicted",
  } as CandidateRecord;
  const candidates = new Map([[candidate.id, candidate]]);
  const line = (patch: Record<string, unknown>) =>
    JSON.stringify({
      id: candidate.id,
      slack: 0,
      status: "ok",
      latencyMs: { p50: 1.2 },
      peakMemoryBytes: 11,
      measureMs: 900,
      ...patch,
    }) + "\n";
  assert.equal(parseVerifiedLines(line({}), "v.jsonl", candidates)[0].measureMs, 900);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ measureMs: -1 }, /line 1: measureMs: expected a duration in ms/],
    [{ measureMs: "9" }, /line 1: measureMs: expected a duration in ms/],
    [{ slack: 2 }, /line 1: slack: expected a number in \[0, 1\]/],
    [{ id: "zz" }, /line 1: id: "zz" is not a candidate/],
    [{ extra: 1 }, /line 1: extra: unknown field/],
  ];
  for (const [patch, re] of cases) {
    assert.throws(
      () => parseVerifiedLines(line(patch), "v.jsonl", candidates),
      (e) => isInputError(e) && re.test(e.message),
    );
  }
});

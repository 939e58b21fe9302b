import assert from "node:assert/strict";
import { archHash } from "../lib/arch/hash.ts";
import { validateArch } from "../lib/arch/validate.ts";
import { decoderParams } from "../lib/params/mod.ts";
import type { ProfileResult } from "../lib/profile/result.ts";
import { baselinePoints, layerScaledBaselines } from "../lib/search/baselines.ts";
import type { CandidateRecord, FrontierPoint } from "../lib/search/types.ts";
import { heteroHomoConclusions, pareto3dConclusions } from "../lib/studies/conclusions.ts";
import {
  baselineRecordsOf,
  candidatePlotRows,
  frontierPlotRows,
  hypervolumeTableRows,
  ratioTableRows,
  reportBaselines,
  searchSummaryRows,
} from "../lib/studies/hetero_homo.ts";
import { hypervolumeRanges } from "../lib/studies/hypervolume_range.ts";
import { pairResults, successesOf } from "../lib/studies/measure.ts";
import {
  type ModelRow,
  modelRows,
  modelTiePairs,
  pareto3dConclusionInput,
  pareto3dView,
  sliceStats,
  sliceTableRows,
  tiePairRows,
} from "../lib/studies/pareto3d.ts";
import type { ReportSearchRun } from "../lib/studies/report_search.ts";
import { compareSeeds, seedConclusion } from "../lib/studies/seed_spread.ts";

const EMBEDDING = { dEmbed: "dModel" as const, divVal: 4 };

const ok = (arch: ReturnType<typeof validateArch>, p50: number, peakMemoryBytes: number) =>
  ({
    ok: true,
    archHash: archHash(arch),
    cacheKey: `${archHash(arch)}-settings-device`,
    latencyMs: { p50, p10: p50, p90: p50, mean: p50, n: 10 },
    peakMemoryBytes,
  }) as unknown as ProfileResult;

Deno.test("baselines: results pair by arch hash whatever their order; failed ones are kept out of the points", () => {
  const baselines = reportBaselines({ maxDecoderParams: 25e6, embedding: EMBEDDING });
  assert.ok(baselines.every((b) => decoderParams(b.arch) <= 25e6));
  assert.equal(baselines.length, 3);
  const [l1, l2, l3] = baselines;
  // Results in another order than the items, and one failure.
  const results = [
    ok(l3.arch, 30, 300),
    { ok: false, archHash: archHash(l2.arch), reason: "oom" } as unknown as ProfileResult,
    ok(l1.arch, 10, 100),
  ];
  const measured = pairResults(baselines, (b) => b.arch, results);
  const records = baselineRecordsOf(measured);
  assert.deepEqual(records.map((r) => [r.name, r.status]), [
    ["gpt2-small-L1", "ok"],
    ["gpt2-small-L2", "failed"],
    ["gpt2-small-L3", "ok"],
  ]);
  const points = baselinePoints(records);
  assert.deepEqual(points.map((p) => [p.name, p.latencyP50Ms, p.peakMemoryBytes]), [
    ["gpt2-small-L1", 10, 100],
    ["gpt2-small-L3", 30, 300],
  ]);
  assert.equal(successesOf(measured, l1.arch).length, 1);
  assert.equal(successesOf(measured, l2.arch).length, 0);
});

const point = (id: string, dp: number, lat: number, mem: number): FrontierPoint => ({
  id,
  decoderParams: dp,
  latencyP50Ms: lat,
  peakMemoryBytes: mem,
});

Deno.test("ratioTableRows joins the two frontiers by baseline name, null where no model matches", () => {
  const baselines = [
    { ...point("b1", 10, 100, 1000), name: "L1" },
    { ...point("b2", 30, 300, 3000), name: "L2" },
  ];
  const rows = ratioTableRows({
    heterogeneous: [point("h1", 40, 150, 1500), point("h2", 12, 50, 500)],
    homogeneous: [point("o1", 11, 80, 2000)],
    baselines,
  });
  assert.deepEqual(rows, [
    {
      baseline: "L1",
      decoderParams: 10,
      baselineLatencyP50Ms: 100,
      heteroLatencyRatio: 2,
      homoLatencyRatio: 1.25,
      heteroMemoryRatio: 2,
      homoMemoryRatio: 0.5,
    },
    {
      baseline: "L2",
      decoderParams: 30,
      baselineLatencyP50Ms: 300,
      heteroLatencyRatio: 2,
      homoLatencyRatio: null,
      heteroMemoryRatio: 2,
      homoMemoryRatio: null,
    },
  ]);
  // The rows feed the conclusions: one baseline matched by the homogeneous frontier.
  const hv = hypervolumeRanges({
    heterogeneous: [point("h1", 40, 150, 1500)],
    homogeneous: [point("o1", 11, 80, 2000)],
  }, { latency: 0.05, memory: 0.01 });
  const text = heteroHomoConclusions({ ratios: rows, hypervolumes: hv, noise: 0.05, iterations: 2 })
    .join("\n");
  assert.match(text, /heterogeneous 2 of 2, homogeneous 1 of 2/);
  assert.match(text, /\*\*2\.00× faster than\*\* the baseline/);
  assert.deepEqual(hypervolumeTableRows(hv).map((r) => r.frontier), [
    "heterogeneous",
    "homogeneous",
  ]);
  for (const r of hypervolumeTableRows(hv)) {
    assert.ok(r.lowWithNoise <= r.hypervolume && r.hypervolume <= r.highWithNoise);
  }
});

Deno.test("heteroHomoConclusions: a ratio just inside the noise is a tie, just outside it is not", () => {
  const row = (heteroLatencyRatio: number) => ({
    baseline: "L1",
    decoderParams: 7e6,
    heteroLatencyRatio,
    homoLatencyRatio: null,
    heteroMemoryRatio: 0.8,
    homoMemoryRatio: null,
  });
  const hv = { bounds: {} as never, reference: 1.1, ranges: {}, winner: undefined };
  const at = (ratio: number) =>
    heteroHomoConclusions({
      ratios: [row(ratio)],
      hypervolumes: hv,
      noise: 0.05,
      iterations: 2,
    })[0];
  assert.match(at(1.04), /within the 5\.0 % noise of/);
  assert.match(at(1.2), /1\.20× faster than/);
  assert.match(at(1 / 1.2), /1\.20× slower than/);
  // A memory ratio below 1 says "more" memory.
  assert.match(at(1.2), /1\.25× more peak memory/);
});

function record(
  id: string,
  arch: ReturnType<typeof validateArch>,
  status: CandidateRecord["status"],
  p50?: number,
  mem?: number,
): CandidateRecord {
  const r: CandidateRecord = {
    id,
    index: 0,
    iteration: 1,
    origin: { kind: "random" },
    arch,
    decoderParams: decoderParams(arch),
    status,
  };
  if (p50 !== undefined) r.latencyMs = { p50 };
  if (mem !== undefined) r.peakMemoryBytes = mem;
  if (status !== "ok") r.reason = "x";
  return r;
}

Deno.test("searchSummaryRows and plot rows read running totals and records by name", () => {
  const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
  const records = [
    record("a", arch, "ok", 3, 2 ** 21),
    record("b", arch, "failed"),
    record("c", arch, "over-budget", 9, 2 ** 22),
  ];
  const summary = {
    iteration: 1,
    proposed: { random: 3, mutation: 0, crossover: 0 },
    parents: [],
    candidatesSoFar: 3,
    okSoFar: 1,
    overBudgetSoFar: 1,
    failedSoFar: 1,
    frontierPoints: [point("a", records[0].decoderParams, 3, 2 ** 21)],
  };
  const run: ReportSearchRun = {
    dir: "d",
    seed: 3,
    result: { records, iterations: [{ ...summary, failedSoFar: 0 }, summary], frontier: [] },
    frontierPoints: summary.frontierPoints,
    measuredRecords: records.slice(0, 2),
  };
  assert.deepEqual(searchSummaryRows({ heterogeneous: run }), [
    { search: "heterogeneous", seed: 3, candidates: 3, failed: 1, measured: 2, frontier: 1 },
  ]);
  assert.deepEqual(candidatePlotRows(records, "c").map((r) => [r.id, r.peakMemoryMiB]), [["a", 2]]);
  assert.deepEqual(
    frontierPlotRows({ f: run.frontierPoints, g: [] }).map((r) => [r.family, r.latencyP50Ms]),
    [["f", 3]],
  );
});

const model = (
  id: string,
  decoderParams: number,
  latencyP50Ms: number,
  peakMemoryMiB: number,
  onFrontier: boolean,
): ModelRow => ({
  id,
  iteration: 0,
  nLayer: 2,
  dModel: 64,
  nHead: "2",
  dInner: "128",
  decoderParams,
  latencyP50Ms,
  peakMemoryMiB,
  onFrontier,
});

Deno.test("modelRows marks the frontier by id and shows per-layer genes compactly", () => {
  const hetero = validateArch({
    backbone: "gpt2",
    nLayer: 2,
    dModel: 64,
    nHead: [2, 4],
    dInner: [128, 128],
  });
  const rows = modelRows([
    record("a", hetero, "ok", 3, 2 ** 20),
    record("b", hetero, "failed"),
    record("c", hetero, "ok", 4, 2 ** 20),
  ], new Set(["c"]));
  assert.deepEqual(rows.map((r) => [r.id, r.onFrontier, r.nHead, r.dInner]), [
    ["a", false, "2,4", "128"],
    ["c", true, "2,4", "128"],
  ]);
});

Deno.test("sliceStats pairs 2-D frontiers by id: the same models in any order give the same slices", () => {
  // a: big and slow but lean; b: small, fast, heavy; c: dominated in every slice; d: 3-D optimal
  // but dominated by a in params-vs-memory and by b in memory-vs-latency... see assertions.
  const models = [
    model("a", 100, 10, 10, true),
    model("b", 50, 2, 40, true),
    model("c", 40, 11, 50, false),
    model("d", 100, 12, 12, false),
  ];
  const stats = sliceStats(models);
  const view = (s: typeof stats) =>
    s.map((x) => ({ label: x.label, front: x.frontPoints.map((p) => p.id), lost: x.lost }));
  assert.deepEqual(view(stats), [
    { label: "decoder params vs latency", front: ["b", "a"], lost: 0 },
    { label: "decoder params vs memory", front: ["a"], lost: 1 },
    { label: "memory vs latency", front: ["b", "a"], lost: 0 },
  ]);
  assert.deepEqual(view(sliceStats([...models].reverse())), view(stats));
  assert.deepEqual(sliceTableRows(stats)[1], {
    slice: "decoder params vs memory",
    on2dFrontier: 1,
    threeDOptimalDominatedHere: 1,
  });
});

Deno.test("tie pairs: rows and conclusion input name the differing objective and short names", () => {
  const models = [
    model("aaaaaaaaaaaa", 100, 10, 10, true),
    model("bbbbbbbbbbbb", 101, 10.2, 16, true),
    model("cccccccccccc", 100, 14, 10.3, false),
  ];
  const pairs = modelTiePairs(models, 0.05);
  assert.deepEqual(pairs.map((p) => [p.a.id, p.b.id, p.differsOn]), [
    ["aaaaaaaaaaaa", "bbbbbbbbbbbb", 2],
    ["aaaaaaaaaaaa", "cccccccccccc", 1],
  ]);
  const rows = tiePairRows(pairs);
  assert.deepEqual(rows.map((r) => [r.differsOn, r.a, r.bMemoryMiB]), [
    ["peak memory", "2×d64 (aaaaaaaa)", 16],
    ["latency", "2×d64 (aaaaaaaa)", 10.3],
  ]);
  // Above 20 % latency noise the bar rises: a 1.4× latency gap is no longer enough.
  assert.deepEqual(modelTiePairs(models, 0.45).map((p) => p.differsOn), [2]);
  const input = pareto3dConclusionInput({
    models,
    slices: sliceStats(models),
    pairs,
    tieThreshold: 0.05,
  });
  assert.equal(input.frontier, 2);
  assert.equal(input.models, 3);
  const text = pareto3dConclusions(input).join("\n");
  assert.match(text, /2 of 3 measured candidates are Pareto-optimal in 3-D/);
  assert.match(text, /differ \*\*1\.60×\*\* in peak memory/);
  assert.match(text, /decoder params 0, latency 1, peak memory 1/);
  assert.match(text, /not interchangeable/);
});

Deno.test("reportBaselines caps by decoder parameters and keeps depth order", () => {
  const all = layerScaledBaselines("gpt2-small");
  const capped = reportBaselines({
    maxDecoderParams: decoderParams(all[4].arch),
    embedding: EMBEDDING,
  });
  assert.deepEqual(capped.map((b) => b.arch.nLayer), [1, 2, 3, 4, 5]);
});

/** A frontier point of the seed comparisons (memory equal everywhere). */
const p = (id: string, decoderParams: number, latencyP50Ms: number) => ({
  id,
  decoderParams,
  latencyP50Ms,
  peakMemoryBytes: 100,
});

Deno.test("compareSeeds: a verdict only beyond the spread across seeds, and never from one seed", () => {
  // Seeds that disagree: the mean difference is inside the spread, a tie.
  const tie = compareSeeds([
    { seed: 1, heterogeneous: [p("a", 100, 10)], homogeneous: [p("b", 60, 10)] },
    { seed: 2, heterogeneous: [p("c", 55, 10)], homogeneous: [p("d", 99, 10)] },
    { seed: 3, heterogeneous: [p("e", 80, 10)], homogeneous: [p("f", 78, 10)] },
  ]);
  assert.equal(tie.winner, undefined);
  assert.deepEqual(tie.rows.map((r) => r.seed), [1, 2, 3]);
  assert.match(seedConclusion(tie), /within the spread across seeds, .*\(a tie\)/);
  // Seeds that agree: homogeneous ahead in each, by more than the spread.
  const homo = compareSeeds([
    { seed: 1, heterogeneous: [p("a", 60, 10)], homogeneous: [p("b", 100, 10)] },
    { seed: 2, heterogeneous: [p("c", 62, 10)], homogeneous: [p("d", 98, 10)] },
  ]);
  assert.equal(homo.winner, "homogeneous");
  assert.ok(homo.mean.difference < 0);
  assert.match(seedConclusion(homo), /the \*\*homogeneous\*\* search covers more/);
  assert.match(
    seedConclusion(homo),
    /more than the larger spread across seeds \(0\.\d{4}\); it was ahead in 2 of 2 seeds/,
  );
  // One seed: no spread, no verdict however large the gap.
  const one = compareSeeds([
    { seed: 1, heterogeneous: [p("a", 100, 1)], homogeneous: [p("b", 1, 100)] },
  ]);
  assert.equal(one.winner, undefined);
  assert.equal(one.spread.heterogeneous, 0);
  assert.match(seedConclusion(one), /one seed/);
});

Deno.test("compareSeeds with the measurement noise: a gap beyond the seeds' spread but within the noise is a tie", () => {
  // The same small model on both sides; the homogeneous large one 2 % faster on every seed.
  const seeds = [1, 2, 3].map((seed) => ({
    seed,
    heterogeneous: [p(`a${seed}`, 100, 10.2), p(`h${seed}`, 50, 5)],
    homogeneous: [p(`b${seed}`, 100, 10), p(`o${seed}`, 50, 5)],
  }));
  const quiet = compareSeeds(seeds, { latency: 0.001, memory: 0.001 });
  assert.equal(quiet.winner, "homogeneous");
  assert.ok(quiet.rows.every((r) => r.aheadBeyondNoise === "homogeneous"));
  assert.match(
    seedConclusion(quiet),
    /\*\*homogeneous\*\* search covers more .* and than the difference the measurement noise alone can make on one seed \(0\.\d{4}\); per seed beyond the measurement noise: heterogeneous ahead in 0, homogeneous ahead in 3, tied in 0 of 3\./,
  );
  // 5 % noise: the same gap is a tie on every seed, and so is the mean.
  const noisy = compareSeeds(seeds, { latency: 0.05, memory: 0.05 });
  assert.equal(noisy.winner, undefined);
  assert.ok(noisy.noiseMargin! > Math.abs(noisy.mean.difference));
  assert.ok(Math.abs(noisy.mean.difference) > noisy.spread.homogeneous);
  assert.ok(noisy.rows.every((r) => r.aheadBeyondNoise === "tie"));
  assert.match(
    seedConclusion(noisy),
    /exceeds the spread across seeds .* but not the difference the measurement noise alone can make on one seed .*\(a tie within noise\), per seed beyond the measurement noise: heterogeneous ahead in 0, homogeneous ahead in 0, tied in 3 of 3\./,
  );
  // Without the noise the verdict is the spread's alone, as before.
  assert.equal(compareSeeds(seeds).winner, "homogeneous");
  assert.equal(compareSeeds(seeds).rows[0].aheadBeyondNoise, undefined);
});

Deno.test("pareto3dView: a measured run plots its measurements and frontier, at the noise threshold", () => {
  const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
  const records = [record("a", arch, "ok", 3, 2 ** 21), record("b", arch, "ok", 4, 2 ** 22)];
  const run = {
    result: { records, iterations: [], frontier: [records[0]] },
    frontierPoints: [point("a", records[0].decoderParams, 3, 2 ** 21)],
  };
  const view = pareto3dView(run, 0.07);
  assert.equal(view.costSource, "measured");
  assert.deepEqual([...view.frontierIds], ["a"]);
  assert.equal(view.tieThreshold, 0.07);
});

Deno.test("reportBaselines: 16 layers uncapped, with the searches' embedding on every model", () => {
  const all = reportBaselines({ embedding: EMBEDDING });
  assert.deepEqual(all.map((b) => b.arch.nLayer), Array.from({ length: 16 }, (_, i) => i + 1));
  for (const b of all) {
    assert.equal(b.arch.dEmbed, b.arch.dModel);
    assert.equal(b.arch.divVal, 4);
  }
  // The embedding changes no decoder count: the plain GPT-2 small block has the same.
  const plain = layerScaledBaselines("gpt2-small");
  assert.deepEqual(all.map((b) => decoderParams(b.arch)), plain.map((b) => decoderParams(b.arch)));
});

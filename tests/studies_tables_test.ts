/**
 * The tables of notebooks 01, 02, 05 and 06 (lib/studies/*_tables.ts, frontier_distance.ts,
 * text_prediction.ts, the new helpers of aspect_ratio.ts, measure.ts and noise.ts): rows joined
 * by key whatever the input order, the paper's d_avg on small data and on the bundled benchmark.
 */
import assert from "node:assert/strict";
import { archHash } from "../lib/arch/hash.ts";
import { validateArch } from "../lib/arch/validate.ts";
import { loadBenchmark } from "../lib/benchmark/load.ts";
import { countParams, decoderParamsWithPositions } from "../lib/params/mod.ts";
import { frontierDistance, lowerConvexHull, paretoFront } from "../lib/pareto/mod.ts";
import type { ProfileResult } from "../lib/profile/result.ts";
import { checkSettingsForArch, validateProfileSettings } from "../lib/profile/settings.ts";
import { proxyCheck } from "../lib/stats/proxy.ts";
import {
  aspectRatioArchs,
  aspectRatioMeasuredRows,
  aspectRatioReference,
  aspectRatioSpreads,
} from "../lib/studies/aspect_ratio.ts";
import {
  frontierDistanceRows,
  type ParetoSetModel,
  paretoSetPoints,
} from "../lib/studies/frontier_distance.ts";
import { failureRows, type Measured, successesOf } from "../lib/studies/measure.ts";
import {
  describeGenerationNoise,
  describeNoiseProcesses,
  generationTieThresholds,
} from "../lib/studies/noise.ts";
import { optCountRows, optMeasuredRows } from "../lib/studies/opt_tables.ts";
import type { PaperArch } from "../lib/studies/paper_archs.ts";
import {
  commonRatioPoints,
  homogeneousPair,
  paramBreakdownRows,
  proxyAgreementRows,
  randomWithPerplexity,
} from "../lib/studies/proxy_tables.ts";
import { withPositionsFor } from "../lib/studies/published_pareto.ts";
import {
  relativeLatencyPoints,
  rowNamed,
  textPredictionRows,
} from "../lib/studies/text_prediction.ts";
import { describeNoise } from "../lib/studies/wording.ts";

const gpt2 = (nLayer: number, dModel = 64, extra: Record<string, unknown> = {}) =>
  validateArch({ backbone: "gpt2", nLayer, dModel, nHead: 2, dInner: 2 * dModel, ...extra });

const ok = (fields: Record<string, unknown>): ProfileResult =>
  ({ ok: true, archHash: "h", cacheKey: "k", measuredAt: "t", ...fields }) as never;
const fail = (reason: string): ProfileResult =>
  ({ ok: false, archHash: "h", reason, settings: {}, cached: false, measuredAt: "" }) as never;

Deno.test("decoderParamsWithPositions: decoder params plus nPositions·dModel (gpt2), none for Transformer-XL", () => {
  for (const arch of [gpt2(2), gpt2(3, 128, { nPositions: 2048 })]) {
    const c = countParams(arch);
    assert.equal(
      decoderParamsWithPositions(arch),
      c.decoderParams + c.components.positionEmbedding,
    );
    assert.equal(c.components.positionEmbedding, arch.nPositions * arch.dModel);
  }
  const txl = validateArch({
    backbone: "transformer-xl",
    nLayer: 2,
    dModel: 64,
    nHead: 2,
    dInner: 128,
  });
  assert.equal(decoderParamsWithPositions(txl), countParams(txl).decoderParams);
});

Deno.test("paramBreakdownRows: components sum to the decoder and total counts, rows keep their names", () => {
  const rows = paramBreakdownRows([
    { name: "deep", arch: gpt2(6) },
    { name: "wide", arch: gpt2(1, 256) },
  ]);
  assert.deepEqual(rows.map((r) => r.model), ["deep", "wide"]);
  for (const r of rows) {
    assert.equal(r.attention + r.ffn + r.layerNorms, r.decoderParams);
    assert.equal(r.decoderParams + r.tokenEmbedding + r.positionEmbedding, r.totalParams);
  }
});

// -- the paper's d_avg ---------------------------------------------------------------------------

const model = (
  set: string,
  modelId: string,
  ms: number | null,
  ppl: number | null,
  params: number,
): ParetoSetModel => ({
  set,
  kind: "pareto",
  modelId,
  backbone: "gpt2",
  device: "arm",
  publishedLatencyMs: ms,
  validPpl: ppl,
  decoderParams: params,
});

Deno.test("frontierDistanceRows: d_avg against the hull on a hand-computed set", () => {
  // Perplexity frontier: A (10, 50), B (20, 40), C (30, 38), D (40, 30); E (27, 60) is beaten by
  // B. Hull: the B–D chord is at 35 at 30 ms and C (38) lies above it, so the vertices are A, B,
  // D. The proxy (decoder params ↑, latency ↓) keeps A, B, D and E, which beats C (faster, more
  // params). E's nearest hull vertex in latency is B (7 ms away): |60 − 40| / 40 = 0.5; against
  // the plain frontier its nearest point is C (3 ms away): 22 / 38.
  const set = [
    model("pareto_x", "A", 10, 50, 1),
    model("pareto_x", "B", 20, 40, 2),
    model("pareto_x", "C", 30, 38, 3),
    model("pareto_x", "D", 40, 30, 9),
    model("pareto_x", "E", 27, 60, 8),
  ];
  const [row] = frontierDistanceRows(set);
  assert.deepEqual(
    [row.models, row.perplexityFrontier, row.hullVertices, row.proxyFrontier, row.proxyOnHull],
    [5, 4, 3, 4, 3],
  );
  assert.equal(row.dAvg, 0.5 / 4);
  assert.ok(Math.abs(row.dAvgVsFrontier! - 22 / 38 / 4) < 1e-12, `${row.dAvgVsFrontier}`);
  assert.equal(row.note, null);
  const points = paretoSetPoints(set);
  assert.deepEqual(points.filter((p) => p.hullVertex).map((p) => p.modelId), ["A", "B", "D"]);
  assert.deepEqual(points.filter((p) => p.onProxyFrontier).map((p) => p.modelId), [
    "A",
    "B",
    "D",
    "E",
  ]);
  assert.deepEqual(points.map((p) => p.relativeLatency), [1, 2, 3, 4, 2.7]);
});

Deno.test("frontierDistanceRows: a proxy that ranks like perplexity gives 0, a reversed one does not", () => {
  const aligned = [
    model("pareto_a", "M1", 10, 50, 1),
    model("pareto_a", "M2", 20, 40, 2),
    model("pareto_a", "M3", 30, 35, 3),
    model("pareto_a", "M4", 15, 70, 0.5), // dominated on both frontiers
  ];
  assert.equal(frontierDistanceRows(aligned)[0].dAvg, 0);
  const reversed = aligned.map((m) => m.modelId === "M4" ? { ...m, decoderParams: 9 } : m);
  const [row] = frontierDistanceRows(reversed);
  assert.ok(row.dAvg! > 0);
  assert.equal(row.proxyOnHull, 1); // M1 only: M4 now beats M2 and M3 on decoder params
});

Deno.test("frontierDistanceRows: ill-posed sets get a note instead of a number; sets are keyed by name", () => {
  const rows = frontierDistanceRows([
    // Every model on the perplexity frontier: any choice lies on it.
    model("pareto_b", "M1", 10, 50, 5),
    model("pareto_b", "M2", 20, 40, 1),
    // One usable model, one without perplexity.
    model("pareto_a", "M1", 10, 50, 1),
    model("pareto_a", "M2", 20, null, 2),
    // Random sets are not Pareto sets.
    { ...model("random_c", "M1", 10, 50, 1), kind: "random" },
    model("pareto_b", "M3", 30, 30, 2),
  ]);
  assert.deepEqual(rows.map((r) => r.set), ["pareto_a", "pareto_b"]);
  const [a, b] = rows;
  assert.deepEqual([a.models, a.leftOut, a.dAvg, a.dAvgVsFrontier], [1, 1, null, null]);
  assert.match(a.note!, /1 model with a perplexity and a latency/);
  assert.deepEqual([b.models, b.dAvg], [3, null]);
  assert.match(b.note!, /every model is on the perplexity frontier/);
  // Interleaving the sets' models does not change a set's result.
  const set = [
    model("pareto_x", "A", 10, 50, 1),
    model("pareto_x", "B", 20, 40, 2),
    model("pareto_x", "E", 25, 60, 8),
  ];
  const alone = frontierDistanceRows(set)[0];
  const mixed = frontierDistanceRows([
    set[0],
    model("pareto_y", "Z", 1, 1, 1),
    set[1],
    model("pareto_y", "W", 2, 2, 0),
    set[2],
  ]);
  assert.deepEqual(mixed.find((r) => r.set === "pareto_x"), alone);
});

Deno.test("frontierDistanceRows on the bundled benchmark: the six Pareto sets, d_avg from lib/pareto", async () => {
  const benchmark = await loadBenchmark();
  const rows = frontierDistanceRows(benchmark.models);
  assert.deepEqual(rows.map((r) => r.set), [
    "pareto_GPT2_lm1b_arm",
    "pareto_GPT2_lm1b_corei7",
    "pareto_GPT2_lm1b_titanxp",
    "pareto_TransXL_lm1b_arm",
    "pareto_TransXL_lm1b_corei7",
    "pareto_TransXL_lm1b_titanxp",
  ]);
  for (const r of rows) {
    const models = benchmark.models.filter((m) =>
      m.set === r.set && m.validPpl !== null && m.publishedLatencyMs !== null
    );
    assert.equal(r.models, models.length);
    assert.equal(r.models + r.leftOut, benchmark.sets.find((s) => s.set === r.set)!.models);
    // Not ill-posed here: each set has models off its perplexity frontier.
    assert.ok(r.perplexityFrontier < r.models, r.set);
    assert.ok(r.hullVertices <= r.perplexityFrontier && r.proxyOnHull <= r.hullVertices);
    const proxy = paretoFront(models, [
      { key: "publishedLatencyMs", goal: "min" },
      { key: "decoderParams", goal: "max" },
    ]);
    const hull = lowerConvexHull(models, [
      { key: "publishedLatencyMs", goal: "min" },
      { key: "validPpl", goal: "min" },
    ]);
    assert.equal(
      r.dAvg,
      frontierDistance(proxy, hull, { x: "publishedLatencyMs", y: "validPpl" }),
    );
    assert.ok(r.dAvg! > 0 && r.dAvg! < 0.1, `${r.set}: d_avg ${r.dAvg}`);
  }
});

// -- 01 --------------------------------------------------------------------------------------

Deno.test("proxy tables: agreement rows, the common-ratio long table and the homogeneous pair by name", async () => {
  const benchmark = await loadBenchmark();
  const check = proxyCheck(benchmark.models);
  const rows = proxyAgreementRows(check);
  assert.deepEqual(rows.map((r) => r.set), Object.keys(check.sets));
  for (const r of rows) {
    assert.equal(r.spearmanDecoder, check.sets[r.set].spearmanDecoder);
    assert.equal(r.commonRatioTotalTop20, check.sets[r.set].commonRatioTotal["20"]);
  }
  const random = randomWithPerplexity(benchmark.models);
  assert.equal(random.length, rows.reduce((s, r) => s + r.n, 0));
  const points = commonRatioPoints(check);
  const one = points.find((p) =>
    p.set === "random_GPT2_wt103" && p.topPercent === 50 && p.proxy === "total params"
  )!;
  assert.equal(one.commonRatio, check.sets.random_GPT2_wt103.commonRatioTotal["50"]);
  const pair = homogeneousPair([...rows].reverse());
  assert.equal(pair.heterogeneous.set, "random_TransXL_wt103");
  assert.equal(pair.homogeneous.set, "random_TransXL_wt103_homogeneous");
  assert.throws(() => homogeneousPair(rows.filter((r) => !r.set.endsWith("_homogeneous"))));
  assert.throws(() => homogeneousPair(rows.filter((r) => r.set !== "random_TransXL_wt103")));
});

// -- 02 --------------------------------------------------------------------------------------

Deno.test("aspect-ratio rows: each candidate with its own result, spreads joined by budget", () => {
  const candidates = [5e6, 20e6].flatMap((b) =>
    aspectRatioArchs(b, { dModels: [128, 256, 384, 512] })
  );
  const measured: Measured<(typeof candidates)[number]>[] = candidates.map((c, i) => ({
    item: c,
    result: i === 1 ? fail("too slow") : ok({
      latencyMs: { p10: c.nLayer, p50: 2 * c.nLayer, p90: 3 * c.nLayer, n: 5 },
      peakMemoryBytes: c.dModel * 2 ** 20,
    }),
  }));
  const rows = aspectRatioMeasuredRows(measured);
  assert.equal(rows.length, candidates.length - 1);
  for (const r of rows) {
    assert.equal(r.latencyP50Ms, 2 * r.nLayer);
    assert.equal(r.peakMemoryMiB, r.dModel);
  }
  assert.deepEqual(failureRows(measured, (c) => `${c.nLayer} × d${c.dModel}`), [
    { name: `${candidates[1].nLayer} × d${candidates[1].dModel}`, reason: "too slow" },
  ]);
  const spreads = aspectRatioSpreads(rows);
  assert.deepEqual(spreads.map((s) => s.budget), ["5.0 M", "20.0 M"]);
  for (const s of spreads) {
    const of = rows.filter((r) => r.budget === s.budget);
    assert.equal(s.models, of.length);
    assert.equal(s.memoryMaxMiB, Math.max(...of.map((r) => r.dModel)));
    assert.equal(s.latencySpread, s.latencyMaxMs / s.latencyMinMs);
  }
  // A budget whose memory is missing cannot be joined silently to another budget's.
  assert.throws(
    () =>
      aspectRatioSpreads([
        { budget: "a", latencyP50Ms: 1, peakMemoryMiB: NaN },
        { budget: "b", latencyP50Ms: 2, peakMemoryMiB: 5 },
      ]),
    /no peak memory for budget a/,
  );
  const ref = aspectRatioReference([...candidates].reverse(), 20e6);
  const of20 = candidates.filter((c) => c.budgetDecoderParams === 20e6);
  assert.equal(ref, of20[of20.length >> 1]);
  assert.throws(() => aspectRatioReference(candidates, 1e6), /no candidate/);
  const refResult = ok({ archHash: archHash(ref.arch), latencyMs: { p50: 1 } });
  assert.deepEqual(successesOf([{ item: ref, result: refResult }, measured[0]], ref.arch), [
    refResult,
  ]);
});

// -- 05 --------------------------------------------------------------------------------------

Deno.test("optMeasuredRows: the baseline by name, counts by name, whatever the order", () => {
  const models: PaperArch[] = [
    { name: "M1", arch: gpt2(1, 64, { nPositions: 2048 }), paper: {} },
    { name: "M2", arch: gpt2(4, 64, { nPositions: 2048 }), paper: {} },
    { name: "base", arch: gpt2(2, 64, { nPositions: 2048 }), paper: {} },
    { name: "M3", arch: gpt2(3, 64, { nPositions: 2048 }), paper: {} },
  ];
  const counts = optCountRows(models);
  assert.equal(counts[0].decoderParamsWithPositions, decoderParamsWithPositions(models[0].arch));
  const latency: Record<string, number> = { M1: 25, M2: 200, base: 100, M3: 50 };
  const measured = models.map((m) => ({
    item: m,
    result: m.name === "M3"
      ? fail("out of memory")
      : ok({ latencyMs: { p50: latency[m.name], n: 3 }, peakMemoryBytes: 2 ** 20 }),
  }));
  const { baseline, baselineCount, rows } = optMeasuredRows(
    measured,
    [...counts].reverse(),
    "base",
  );
  assert.equal(baseline.ok && baseline.latencyMs.p50, 100);
  assert.equal(baselineCount.name, "base");
  assert.deepEqual(
    rows.map((r) => [r.name, r.nLayer, r.speedupVsBaseline, r.moreParamsThanBaseline]),
    [["M1", 1, 4, false], ["M2", 4, 0.5, true], ["base", 2, 1, true]],
  );
  assert.throws(() => optMeasuredRows(measured, counts, "missing"), /was not measured/);
  const baseFailed = measured.map((p) =>
    p.item.name === "base" ? { ...p, result: fail("timeout") } : p
  );
  assert.throws(
    () => optMeasuredRows(baseFailed, counts, "base"),
    /could not be measured: timeout/,
  );
  assert.throws(
    () => optMeasuredRows(measured, counts.slice(1), "base"),
    /no parameter count for M1/,
  );
});

// -- 06 --------------------------------------------------------------------------------------

Deno.test("textPredictionRows and relativeLatencyPoints: ratios to the baseline found by name", () => {
  const p = (x: number) => ({ p50: x, p95: 1.5 * x });
  const model = (name: string, paperPl: unknown, paperTl: number): PaperArch => ({
    name,
    arch: gpt2(2),
    paper: { paperPromptLatencyMs: paperPl, paperTokenLatencyMs: paperTl },
  });
  const gen = (pl: number, tl: number | null) => ({
    generation: {
      promptLatencyMs: p(pl),
      tokenLatencyMs: tl === null ? null : p(tl),
      latencyPerTokenMs: p(tl ?? pl),
      peakMemoryBytes: 2 ** 20,
    },
  });
  const measured = [
    { item: model("C1", 30, 6), result: ok(gen(20, 4)) },
    { item: model("C2", 30, 6), result: fail("no") },
    { item: model("C3", 30, 6), result: ok(gen(20, null)) }, // no token latency: left out
    { item: model("baseline", 60, 12), result: ok(gen(40, 8)) },
  ];
  const rows = textPredictionRows(measured);
  assert.deepEqual(rows.map((r) => r.name), ["C1", "baseline"]);
  assert.equal(rowNamed(rows, "baseline").tokenLatencyP50Ms, 8);
  const points = relativeLatencyPoints(rows, "baseline");
  assert.equal(points.length, 8);
  const c1 = points.filter((x) => x.name === "C1").map((x) => [x.metric, x.source, x.ratio]);
  assert.deepEqual(c1, [
    ["prompt latency", "this device", 0.5],
    ["prompt latency", "study", 0.5],
    ["token latency", "this device", 0.5],
    ["token latency", "study", 0.5],
  ]);
  assert.throws(() => relativeLatencyPoints(rows.slice(0, 1), "baseline"), /could not be measured/);
  assert.throws(
    () => textPredictionRows([{ item: model("X", "47 ms", 1), result: ok(gen(1, 1)) }]),
    /X: the study's paperPromptLatencyMs is not a number/,
  );
});

// -- noise paragraphs ------------------------------------------------------------------------

Deno.test("noise paragraphs: describeNoise plus the per-process p50s and the threshold actually used", () => {
  const noise = { processes: 3, latencySpread: 0.004, latencyP50Ms: [1234.4, 1236.6, 1238] };
  const text = describeNoiseProcesses(noise, "the baseline", { tieThreshold: 0.01, digits: 0 });
  assert.ok(text.startsWith(describeNoise(noise, "the baseline")));
  assert.ok(text.endsWith(" Per process: 1234, 1237, 1238 ms; tie threshold 1.0 %."), text);
  assert.doesNotMatch(text, /memory/);
  assert.throws(
    () => describeNoiseProcesses(noise, "x", { tieThreshold: 0.01, digits: 0, memory: true }),
    /needs noise\.memorySpread/,
  );
  const memory = describeNoiseProcesses({ ...noise, memorySpread: 0.0123 }, "x", {
    tieThreshold: 0.01,
    digits: 0,
    memory: true,
  });
  assert.ok(memory.endsWith("tie threshold 1.0 %; peak memory spread 1.2 %."), memory);
  const generation = {
    promptLatencyP50Ms: [40, 42],
    promptLatencySpread: 0.05,
    tokenLatencyP50Ms: [10, 10.01],
    tokenLatencySpread: 0.001,
  };
  const thresholds = generationTieThresholds({ generation }, { stableTolerance: 0.01 });
  assert.deepEqual(thresholds, { tokenNoise: 0.01, promptNoise: 0.05 });
  const g = describeGenerationNoise({ processes: 2, generation }, thresholds);
  assert.match(g, /token latency p50s of 10\.00, 10\.01 ms \(spread 1\.0 %\)/);
  assert.match(g, /prompt latency p50s of 40\.0, 42\.0 ms \(spread 5\.0 %\)/);
  assert.throws(() => generationTieThresholds({}, { stableTolerance: 0.01 }), /without generation/);
  assert.throws(() => describeGenerationNoise({ processes: 2 }, thresholds), /without generation/);
});

Deno.test("withPositionsFor: every Core i7 Pareto model fits a 192-token pass, its decoder unchanged", async () => {
  const { models } = await loadBenchmark({ sets: ["pareto_GPT2_lm1b_corei7"] });
  const settings = validateProfileSettings({ seqLen: 192 });
  assert.equal(models.length, 38);
  for (const m of models) {
    // Trained with 32 positions: as published, a 192-token pass does not fit.
    assert.throws(() => checkSettingsForArch(m.arch, settings), /nPositions 32/);
    const timed = withPositionsFor(m.arch, settings.seqLen);
    checkSettingsForArch(timed, settings);
    assert.equal(timed.nPositions, 192);
    assert.deepEqual({ ...timed, nPositions: 32 }, m.arch);
    assert.equal(countParams(timed).decoderParams, countParams(m.arch).decoderParams);
  }
});

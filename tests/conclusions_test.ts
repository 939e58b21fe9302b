import assert from "node:assert/strict";
import { archHash } from "../lib/arch/hash.ts";
import { validateArch } from "../lib/arch/validate.ts";
import type { ProfileResult } from "../lib/profile/result.ts";
import {
  aspectRatioConclusions,
  frontierDistanceConclusions,
  heteroHomoConclusions,
  optConclusions,
  pareto3dConclusions,
  proxyConclusions,
  textPredictionConclusions,
  type TextPredictionRow,
} from "../lib/studies/conclusions.ts";
import { hypervolumeRanges } from "../lib/studies/hypervolume_range.ts";
import { failed, pairResults, succeeded } from "../lib/studies/measure.ts";
import {
  distinctMeasurements,
  latencyTieThreshold,
  relativeSpread,
  summarizeNoise,
} from "../lib/studies/noise.ts";
import {
  compareMeasured,
  describeCorrelation,
  describeSpeed,
  percent,
  signed,
} from "../lib/studies/wording.ts";

Deno.test("describeCorrelation states the sign and calls weak or tiny samples no clear relation", () => {
  // The sentence that issue 9 quotes: a negative ρ must never read as "follows".
  const weak = describeCorrelation("token latency", "total weight bytes", -0.22, 5);
  assert.match(weak, /^no clear relation between token latency and total weight bytes/);
  assert.match(weak, /ρ = −0\.22/);
  assert.match(describeCorrelation("a", "b", -0.8, 6), /^a falls as b rises \(Spearman ρ = −0\.80/);
  assert.match(describeCorrelation("a", "b", 0.8, 6), /^a rises with b \(Spearman ρ = \+0\.80/);
  assert.match(describeCorrelation("a", "b", 0.29, 50), /^no clear relation/);
  assert.match(describeCorrelation("a", "b", 1, 3), /^too few points \(n = 3\)/);
  assert.match(describeCorrelation("a", "b", NaN, 5), /^no rank correlation/);
  assert.equal(signed(-0.001), "+0.00");
  assert.equal(signed(0.5), "+0.50");
  assert.equal(percent(0.123), "12 %");
  assert.equal(percent(0.016), "1.6 %");
  assert.equal(percent(0.004), "0.4 %");
});

Deno.test("compareMeasured and describeSpeed call differences within the noise a tie", () => {
  assert.equal(compareMeasured(100, 103, 0.03), "tie");
  assert.equal(compareMeasured(100, 103.5, 0.03), "lower");
  assert.equal(compareMeasured(104, 100, 0.03), "higher");
  assert.equal(compareMeasured(100, 100, 0), "tie");
  assert.throws(() => compareMeasured(0, 1, 0.1), RangeError);
  assert.throws(() => compareMeasured(1, 1, -0.1), RangeError);
  assert.equal(describeSpeed(80, 100, 0.05), "1.25× faster than");
  assert.equal(describeSpeed(102, 100, 0.05), "within the 5.0 % noise of");
});

Deno.test("noise: spread between processes, floored at the stopping tolerance", () => {
  assert.equal(relativeSpread([10, 10, 10]), 0);
  assert.equal(relativeSpread([9, 10, 12]), 0.3);
  assert.equal(relativeSpread([1, 3]), 1);
  assert.throws(() => relativeSpread([0, 0]), RangeError);
  const noise = summarizeNoise([
    { latencyP50Ms: 10, peakMemoryBytes: 1000, promptLatencyP50Ms: 40, tokenLatencyP50Ms: 5 },
    { latencyP50Ms: 11, peakMemoryBytes: 1000, promptLatencyP50Ms: 44, tokenLatencyP50Ms: 5.5 },
  ]);
  assert.equal(noise.processes, 2);
  assert.ok(Math.abs(noise.latencySpread - 1 / 10.5) < 1e-12);
  assert.equal(noise.memorySpread, 0);
  assert.ok(noise.generation);
  assert.ok(Math.abs(noise.generation.tokenLatencySpread - 0.5 / 5.25) < 1e-12);
  assert.equal(summarizeNoise([{ latencyP50Ms: 1, peakMemoryBytes: 1 }]).generation, undefined);
  assert.equal(latencyTieThreshold({ latencySpread: 0 }, { stableTolerance: 0.01 }), 0.01);
});

Deno.test("pairResults pairs by architecture hash, whatever the order (the 05 failed-model bug)", () => {
  const arch = (nLayer: number) =>
    validateArch({ backbone: "gpt2", nLayer, dModel: 64, nHead: 2, dInner: 128 });
  const items = [
    { name: "A", arch: arch(1) },
    { name: "B", arch: arch(2) },
    { name: "C", arch: arch(3) },
  ];
  const failure = (a: ReturnType<typeof arch>, reason: string): ProfileResult => ({
    ok: false,
    archHash: archHash(a),
    reason,
    settings: {} as never,
    cached: false,
    measuredAt: "",
  });
  const success = (a: ReturnType<typeof arch>, p50: number): ProfileResult =>
    ({ ok: true, archHash: archHash(a), latencyMs: { p50 } }) as unknown as ProfileResult;
  // Only B failed. Indexing `results[i]` over the filtered failures would report A's or C's
  // entry for B; pairing by key cannot.
  const results = [
    success(items[2].arch, 3),
    failure(items[1].arch, "B is too big"),
    success(
      items[0].arch,
      1,
    ),
  ];
  const pairs = pairResults(items, (m) => m.arch, results);
  assert.deepEqual(pairs.map((p) => p.item.name), ["A", "B", "C"]);
  assert.deepEqual(
    failed(pairs).map((p) => [p.item.name, p.result.reason]),
    [["B", "B is too big"]],
  );
  assert.deepEqual(succeeded(pairs).map((p) => [p.item.name, p.result.latencyMs.p50]), [
    ["A", 1],
    ["C", 3],
  ]);
  assert.throws(() => pairResults(items, (m) => m.arch, results.slice(0, 2)), /no measurement/);
});

Deno.test("hypervolumeRanges: a 0.3 % gap is a tie under a few % of noise, a real gap is not", () => {
  const pt = (
    id: string,
    decoderParams: number,
    latencyP50Ms: number,
    peakMemoryBytes: number,
  ) => ({
    id,
    decoderParams,
    latencyP50Ms,
    peakMemoryBytes,
  });
  const hetero = [pt("h1", 60e6, 100, 500e6), pt("h2", 20e6, 40, 200e6)];
  const homo = [pt("o1", 60e6, 100.3, 500e6), pt("o2", 20e6, 40.1, 200e6)];
  const baseline = [pt("b1", 7e6, 30, 400e6), pt("b2", 57e6, 180, 900e6)];
  const close = hypervolumeRanges({ hetero, homo, baseline }, { latency: 0.04, memory: 0.002 });
  assert.equal(close.winner, undefined);
  assert.ok(close.ranges.hetero.low < close.ranges.hetero.value);
  assert.ok(close.ranges.hetero.value < close.ranges.hetero.high);
  const apart = hypervolumeRanges({ hetero, baseline }, { latency: 0.04, memory: 0.002 });
  assert.equal(apart.winner, "hetero");
  const exact = hypervolumeRanges({ hetero, homo }, { latency: 0, memory: 0 });
  assert.equal(exact.winner, "hetero");
});

Deno.test("heteroHomoConclusions says tie within noise unless one hypervolume range clears the others", () => {
  const ratios = [
    {
      baseline: "gpt2-small-L1",
      decoderParams: 7e6,
      heteroLatencyRatio: 1.02,
      homoLatencyRatio: 1.3,
      heteroMemoryRatio: 1.5,
      homoMemoryRatio: 1.4,
    },
    {
      baseline: "gpt2-small-L8",
      decoderParams: 57e6,
      heteroLatencyRatio: null,
      homoLatencyRatio: null,
      heteroMemoryRatio: null,
      homoMemoryRatio: null,
    },
  ];
  const ranges = {
    heterogeneous: { value: 0.669, low: 0.64, high: 0.7 },
    homogeneous: { value: 0.671, low: 0.645, high: 0.7 },
  };
  const tie = heteroHomoConclusions({
    ratios,
    hypervolumes: { bounds: {} as never, reference: 1.1, ranges, winner: undefined },
    noise: 0.05,
    iterations: 5,
  }).join("\n");
  assert.match(tie, /within the 5.0 % noise of\*\* the baseline/);
  assert.match(tie, /tie within noise/);
  assert.doesNotMatch(tie, /covers the most/);
  assert.match(tie, /heterogeneous 1 of 2, homogeneous 1 of 2/);
  const win = heteroHomoConclusions({
    ratios,
    hypervolumes: { bounds: {} as never, reference: 1.1, ranges, winner: "homogeneous" },
    noise: 0.01,
    iterations: 5,
  }).join("\n");
  assert.match(win, /1\.02× faster than\*\* the baseline/);
  assert.match(win, /The \*\*homogeneous\*\* frontier covers the most/);
});

Deno.test("aspectRatioConclusions: depth vs width is a tie within noise, and says so", () => {
  const models = [
    { budget: "20.0 M", nLayer: 40, dModel: 192, latencyP50Ms: 50, vocabSize: 50257 },
    { budget: "20.0 M", nLayer: 4, dModel: 640, latencyP50Ms: 30, vocabSize: 50257 },
  ];
  const base = {
    spreads: [{ budget: "20.0 M", latencySpread: 50 / 30, memorySpread: 2.5 }],
    failed: [],
  };
  const clear = aspectRatioConclusions({ ...base, models, noise: 0.05 }).join("\n");
  assert.match(clear, /depth costs more than width here/);
  assert.match(clear, /varies up to \*\*1\.67×\*\*/);
  assert.match(clear, /All 2 measurements succeeded/);
  const tied = aspectRatioConclusions({
    ...base,
    models: [models[0], { ...models[1], latencyP50Ms: 49 }],
    noise: 0.05,
    failed: [{ name: "2 × d1024", reason: "timed out" }],
  }).join("\n");
  assert.match(tied, /a tie within the 5.0 % noise/);
  assert.match(tied, /1 measurement failed: 2 × d1024: timed out/);
  assert.match(
    aspectRatioConclusions({ spreads: [], models: [], noise: 0.05, failed: [] })[0],
    /Nothing/,
  );
});

Deno.test("pareto3dConclusions counts ties per objective and claims non-interchangeability only with both", () => {
  const common = {
    frontier: 6,
    models: 40,
    slices: [{ label: "decoder params vs latency", lost: 2 }],
    objectives: ["decoder params", "latency", "peak memory"],
    noise: 0.04,
    minRatio: 1.2,
  };
  const both = pareto3dConclusions({
    ...common,
    pairs: [
      { a: "2×d256", b: "3×d192", differsOn: "latency", ratio: 1.5 },
      { a: "4×d128", b: "2×d256", differsOn: "peak memory", ratio: 1.3 },
    ],
  }).join("\n");
  assert.match(both, /differ \*\*1\.50×\*\* in latency/);
  assert.match(both, /decoder params 0, latency 1, peak memory 1/);
  assert.match(both, /not interchangeable/);
  const none = pareto3dConclusions({ ...common, pairs: [] }).join("\n");
  assert.match(none, /No pair of candidates tied/);
  assert.doesNotMatch(none, /not interchangeable/);
});

Deno.test("optConclusions counts faster, tied and bigger candidates against the noise", () => {
  const c = (name: string, latencyP50Ms: number, more: boolean) => ({
    name,
    latencyP50Ms,
    decoderParamsWithPositions: more ? 3.1e8 : 2.9e8,
    moreParamsThanBaseline: more,
  });
  const lines = optConclusions({
    seqLen: 2048,
    baseline: { latencyP50Ms: 1000, runs: 3 },
    candidates: [c("M1", 990, true), c("M2", 700, true), c("M3", 900, false), c("M4", 1200, true)],
    noise: 0.03,
    failed: [{ name: "M5", reason: "timed out after 1800 s" }],
  });
  assert.match(lines[0], /\*\*1000 ms\*\* per forward pass \(p50 of 3 runs\)/);
  assert.match(
    lines[1],
    /^- 2 of 4 paper architectures are faster than the baseline beyond the 3.0 % noise and 1 ties/,
  );
  assert.match(lines[1], /1 of the faster ones has at least the baseline's decoder parameters/);
  assert.match(lines[1], /The fastest is M2 .* 1\.43× faster than the baseline/);
  assert.match(lines.at(-1)!, /M5: timed out after 1800 s/);
  const two = optConclusions({
    seqLen: 2048,
    baseline: { latencyP50Ms: 1000, runs: 3 },
    candidates: [c("M1", 800, true), c("M2", 700, true)],
    noise: 0.03,
    failed: [],
  });
  assert.match(two[1], /2 of the faster ones have at least/);
});

Deno.test("textPredictionConclusions: per-token naming, ties within noise, signed correlations", () => {
  const row = (
    name: string,
    tokenLatencyP50Ms: number,
    paperTokenLatencyMs: number,
    totalParams: number,
    nLayer: number,
  ): TextPredictionRow => ({
    name,
    nLayer,
    dModel: 1280,
    decoderParams: 1.4e8,
    totalParams,
    promptLatencyP50Ms: 60,
    tokenLatencyP50Ms,
    latencyPerTokenP95Ms: tokenLatencyP50Ms * 1.5,
    paperPromptLatencyMs: 45,
    paperTokenLatencyMs,
  });
  const baseline = row("baseline", 20, 11.78, 2.04e8, 12);
  const candidates = [
    row("C1", 20.3, 7.61, 2.6e8, 7), // within noise here, faster in the study
    row("C2", 24, 6.58, 2.62e8, 6), // slower here, faster in the study: disagree
    row("C3", 15, 7.28, 2.2e8, 7), // faster here and in the study: agree
    row("C4", 26, 7.56, 2.7e8, 7),
  ];
  const text = textPredictionConclusions({
    baseline,
    candidates,
    tokenNoise: 0.04,
    promptNoise: 0.03,
    promptLen: 64,
  }).join("\n");
  assert.match(text, /latency per generated token p95/);
  assert.doesNotMatch(text, /latencyChar|per character/);
  assert.match(
    text,
    /3 of 4 candidates differ from it here beyond the 4.0 % noise, and for 1 of those 3/,
  );
  assert.match(text, /1 tie with the baseline within noise here/);
  assert.match(text, /C1: token latency ties with the baseline's within the 4.0 % noise/);
  assert.match(
    text,
    /C3 \(7 × d1280\) has the lowest token latency here: 15\.0 ms, 1\.33× faster than/,
  );
  assert.doesNotMatch(text, /follows/);
  assert.match(text, /Spearman ρ = [+−]\d\.\d\d, n = 5/);
  // Negatively correlated: the text must say "falls as", not "rises with".
  const inverse = textPredictionConclusions({
    baseline: row("baseline", 30, 11.78, 1e8, 12),
    candidates: [row("A", 25, 7, 2e8, 7), row("B", 20, 7, 3e8, 7), row("C", 15, 7, 4e8, 7)],
    tokenNoise: 0.01,
    promptNoise: 0.01,
    promptLen: 64,
  }).join("\n");
  assert.match(
    inverse,
    /token latency falls as total weights rises \(Spearman ρ = −1\.00, n = 4\)/,
  );
  assert.match(inverse, /do not show that clearly/);
  const alone = textPredictionConclusions({
    baseline,
    candidates: [],
    tokenNoise: 0.04,
    promptNoise: 0.03,
    promptLen: 64,
  });
  assert.match(alone.at(-1)!, /Only the baseline/);
});

Deno.test("proxyConclusions reports signed ρ, wins, losses and exact ties", () => {
  const text = proxyConclusions({
    rows: [
      { set: "random_GPT2_lm1b", spearmanDecoder: 0.984, spearmanTotal: 0.944 },
      { set: "random_TransXL_lm1b", spearmanDecoder: 0.97, spearmanTotal: 0.97 },
      { set: "x", spearmanDecoder: 0.5, spearmanTotal: 0.6 },
    ],
    models: 600,
    homogeneousSet: "missing",
    heterogeneousSet: "x",
  }).join("\n");
  assert.match(text, /between \*\*\+0\.500\*\* and \*\*\+0\.984\*\*/);
  assert.match(
    text,
    /beat total parameters in 1 of 3 sets, lose in `x` and tie exactly in `random_TransXL_lm1b`/,
  );
  assert.doesNotMatch(text, /homogeneous layers/);
  assert.match(
    proxyConclusions({ rows: [], models: 0, homogeneousSet: "", heterogeneousSet: "" })[0],
    /No random set/,
  );
});

Deno.test("distinctMeasurements counts a result read twice (cache hit of the main run) once", () => {
  const main = { cacheKey: "a-s-f", measuredAt: "2026-12-01T00:00:00Z", p50: 7791 };
  const probes = [
    { ...main }, // seed 0 read back from the cache: the same measurement
    { cacheKey: "a-s1-f", measuredAt: "2026-12-01T00:01:00Z", p50: 6474 },
    { cacheKey: "a-s2-f", measuredAt: "2026-12-01T00:02:00Z", p50: 6387 },
  ];
  const distinct = distinctMeasurements([main, ...probes]);
  assert.deepEqual(distinct.map((r) => r.p50), [7791, 6474, 6387]);
  // The main run counts: a disturbed main measurement widens the spread instead of hiding.
  assert.ok(relativeSpread(distinct.map((r) => r.p50)) > 0.2);
});

Deno.test("frontierDistanceConclusions: range of d_avg, the hull's effect with its sign, ill-posed sets named", () => {
  const row = (set: string, dAvg: number | null, dAvgVsFrontier: number | null) => ({
    set,
    models: 30,
    proxyFrontier: 10,
    proxyOnHull: 4,
    dAvg,
    dAvgVsFrontier,
    note: dAvg === null ? "every model is on the perplexity frontier" : null,
  });
  const lines = frontierDistanceConclusions([
    row("a", 0.02, 0.01),
    row("b", 0.005, 0.008),
    row("c", 0.01, 0.01000001),
    row("d", null, null),
  ]);
  const text = lines.join("\n");
  assert.ok(text.includes("lies between **0.50 %** (`b`) and **2.00 %** (`a`)"), text);
  assert.match(text, /12 of the 30 models on the proxy frontiers/);
  // a: higher against the hull; b: lower; c: the same at the precision shown.
  assert.match(
    text,
    /higher against the hull in 1 of 3 sets, lower in 1, the same to 0\.01 % in 1\./,
  );
  assert.match(text, /Where it is higher/);
  assert.match(text, /`d`: no d_avg \(every model is on the perplexity frontier\)/);
  // Never higher: the explanation of a higher d_avg is not given.
  const lower = frontierDistanceConclusions([row("b", 0.005, 0.008)]).join("\n");
  assert.match(lower, /is \*\*0\.50 %\*\* \(`b`\)/);
  assert.match(lower, /higher against the hull in 0 of 1 sets, lower in 1\./);
  assert.doesNotMatch(lower, /Where it is higher/);
  assert.deepEqual(frontierDistanceConclusions([row("d", null, null)]).slice(0, 1), [
    "- No Pareto set allows a comparison of the two frontiers.",
  ]);
  // Data strings are escaped.
  assert.match(frontierDistanceConclusions([row("x*y", 0.01, 0.01)]).join("\n"), /`x\*y`/);
});

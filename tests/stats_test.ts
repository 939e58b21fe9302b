import assert from "node:assert/strict";
import {
  averageRanks,
  commonRatio,
  commonRatios,
  findParamMismatches,
  kendall,
  proxyCheck,
  type ProxyCheckRow,
  proxyCheckSet,
  spearman,
  TOP_PERCENTS,
  topIndices,
  topKCount,
  topKSpearman,
} from "../lib/stats/mod.ts";
import { createRng } from "../lib/util/rng.ts";

const close = (actual: number, expected: number, eps = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= eps, `${actual} is not ${expected}`);

Deno.test("averageRanks gives tied values the mean of their ranks", () => {
  assert.deepEqual(averageRanks([10, 30, 20, 20]), [1, 4, 2.5, 2.5]);
  assert.deepEqual(averageRanks([5, 5, 5]), [2, 2, 2]);
  assert.deepEqual(averageRanks([3, 1, 2]), [3, 1, 2]);
  assert.deepEqual(averageRanks([]), []);
});

Deno.test("spearman: perfect agreement, perfect disagreement, monotone transforms", () => {
  close(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  close(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  close(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125]), 1);
  close(spearman([1, 2, 3, 4, 5], [-1, -8, -27, -64, -125]), -1);
});

Deno.test("spearman with ties matches the hand-computed value", () => {
  // Ranks x: 1 2 3 4, ranks y: 1.5 1.5 3 4 → r = 4.5 / √(5 · 4.5) = √0.9.
  close(spearman([1, 2, 3, 4], [7, 7, 8, 9]), Math.sqrt(0.9));
  // x: 1 2 3 4 5, y ranks 2 2 2 4.5 4.5: Σdxdy = 7.5, Σdx² = 10, Σdy² = 7.5 → 7.5/√75.
  close(spearman([1, 2, 3, 4, 5], [3, 3, 3, 9, 9]), 7.5 / Math.sqrt(75));
});

Deno.test("spearman equals Pearson of average ranks on random data with ties", () => {
  const rng = createRng(7);
  const x = Array.from({ length: 60 }, () => rng.int(0, 15));
  const y = x.map((v) => v + rng.int(-6, 6));
  const rx = averageRanks(x), ry = averageRanks(y);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const mx = mean(rx), my = mean(ry);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  close(spearman(x, y), sxy / Math.sqrt(sxx * syy), 1e-12);
});

Deno.test("spearman and kendall are NaN when one side is constant", () => {
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  assert.ok(Number.isNaN(kendall([1, 1, 1], [1, 2, 3])));
});

Deno.test("kendall tau-b on hand cases", () => {
  assert.equal(kendall([1, 2, 3, 4], [2, 4, 6, 8]), 1);
  assert.equal(kendall([1, 2, 3, 4], [8, 6, 4, 2]), -1);
  // Pairs: (0,1) C, (0,2) C, (1,2) D → (2 − 1) / 3.
  close(kendall([1, 2, 3], [1, 3, 2]), 1 / 3);
  // A pair tied in x only: C = 2, D = 0, Tx = 1 → 2 / √(3 · 2).
  close(kendall([1, 1, 2], [1, 2, 3]), 2 / Math.sqrt(6));
  // A pair tied in both is left out: C = 2, D = 3 → −1 / √(5 · 5).
  close(kendall([1, 1, 2, 3], [5, 5, 6, 4]), -0.2);
});

Deno.test("kendall is symmetric and flips sign with one side negated", () => {
  const rng = createRng(11);
  const x = Array.from({ length: 40 }, () => rng.int(0, 9));
  const y = x.map((v) => v * 2 + rng.int(-5, 5));
  close(kendall(x, y), kendall(y, x));
  close(kendall(x, y.map((v) => -v)), -kendall(x, y));
  assert.ok(kendall(x, y) > 0.3);
});

Deno.test("rank correlations reject bad input", () => {
  assert.throws(() => spearman([1, 2], [1]), RangeError);
  assert.throws(() => kendall([1], [1]), RangeError);
  assert.throws(() => kendall([1, NaN], [1, 2]), RangeError);
  assert.throws(() => spearman([1, Infinity], [1, 2]), RangeError);
});

Deno.test("topKCount rounds down, with at least one model", () => {
  assert.equal(topKCount(200, 10), 20);
  assert.equal(topKCount(183, 10), 18);
  assert.equal(topKCount(183, 30), 54);
  assert.equal(topKCount(98, 70), 68);
  assert.equal(topKCount(5, 10), 1);
  assert.equal(topKCount(7, 100), 7);
  assert.throws(() => topKCount(0, 10), RangeError);
  assert.throws(() => topKCount(10, 0), RangeError);
  assert.throws(() => topKCount(10, 101), RangeError);
});

Deno.test("topIndices takes the largest scores and keeps input order on ties", () => {
  assert.deepEqual(topIndices([3, 9, 1, 9], 2), [1, 3]);
  assert.deepEqual(topIndices([3, 9, 1, 9], 3), [1, 3, 0]);
  assert.deepEqual(topIndices([2, 2, 2], 2), [0, 1]);
});

Deno.test("commonRatio on hand cases", () => {
  const params = [5, 4, 3, 2, 1];
  const negPpl = [-10, -12, -11, -20, -30];
  assert.equal(commonRatio(params, negPpl, 20), 100); // {0} vs {0}
  assert.equal(commonRatio(params, negPpl, 40), 50); // {0, 1} vs {0, 2}
  assert.equal(commonRatio(params, negPpl, 60), 100); // {0, 1, 2} vs {0, 2, 1}
  assert.equal(commonRatio(params, negPpl, 100), 100);
  // A reversed proxy shares nothing in the top half of 10.
  const up = Array.from({ length: 10 }, (_, i) => i);
  const down = up.map((v) => -v);
  assert.equal(commonRatio(up, down, 50), 0);
  assert.equal(commonRatio(up, down, 60), (2 / 6) * 100);
  assert.throws(() => commonRatio([1, 2], [1], 50), RangeError);
  assert.throws(() => commonRatio([1, NaN], [1, 2], 50), RangeError);
});

Deno.test("commonRatios reports every top-k percentage by name", () => {
  const r = commonRatios([3, 2, 1, 0], [0, 1, 2, 3]);
  assert.deepEqual(Object.keys(r), TOP_PERCENTS.map(String));
  assert.equal(r["100"], 100);
  assert.equal(r["50"], 0);
  assert.equal(r["10"], 0);
  assert.deepEqual(commonRatios([3, 2, 1], [-1, -2, -3], [50, 100]), { "50": 100, "100": 100 });
});

Deno.test("topKSpearman correlates within the true top-k % only", () => {
  const params = [4, 3, 1, 2]; // swaps the two worst models
  const negPpl = [-10, -20, -30, -40];
  const r = topKSpearman(params, negPpl, [25, 50, 75, 100]);
  assert.ok(Number.isNaN(r["25"])); // one model: undefined
  close(r["50"], 1); // models 0, 1: in order
  close(r["75"], 1); // models 0, 1, 2: in order; the swapped model 3 is not in the top 3
  close(r["100"], 0.8); // d² = 0 + 0 + 1 + 1 → 1 − 6·2 / (4·15)
  assert.throws(() => topKSpearman([1, 2], [1], [50]), RangeError);
});

function row(
  set: string,
  modelId: string,
  validPpl: number | null,
  decoder: number,
  total: number,
  extra: Partial<ProxyCheckRow> = {},
): ProxyCheckRow {
  return {
    set,
    kind: "random",
    modelId,
    validPpl,
    testPpl: validPpl === null ? null : validPpl + 1,
    decoderParams: decoder,
    totalParams: total,
    publishedNonembeddingParams: decoder,
    publishedTotalParams: total,
    decoderParamsAsPublished: decoder,
    ...extra,
  };
}

Deno.test("proxyCheckSet: signs, left-out rows, both proxies", () => {
  const rows = [
    row("s", "a", 30, 9, 50),
    row("s", "b", 40, 5, 60),
    row("s", "c", 50, 1, 40),
    row("s", "d", null, 100, 100), // no perplexity: left out
  ];
  const r = proxyCheckSet(rows);
  assert.equal(r.n, 3);
  close(r.spearmanDecoder, 1); // more decoder params, lower perplexity
  close(r.spearmanTotal, 0.5); // total ranks b > a > c, truth a > b > c
  close(r.kendallDecoder, 1);
  close(r.kendallTotal, 1 / 3);
  assert.equal(r.commonRatioDecoder["30"], 100); // top 1: a vs a
  assert.equal(r.commonRatioTotal["30"], 0); // top 1: b vs a
  assert.equal(r.commonRatioTotal["70"], 100); // top ⌊2.1⌋ = 2: {b, a} vs {a, b}
  // Published counts as proxies: here they disagree with ours on model c.
  const published = proxyCheckSet(
    rows.map((x) => x.modelId === "c" ? { ...x, publishedNonembeddingParams: 20 } : x),
    { params: "published" },
  );
  close(published.spearmanDecoder, -0.5);
  // Test perplexity as the ground truth (here the same order).
  close(proxyCheckSet(rows, { metric: "test" }).spearmanDecoder, 1);
  assert.throws(() => proxyCheckSet([rows[0], rows[3]]), RangeError);
});

Deno.test("proxyCheck covers random sets only and counts parameter mismatches over all", () => {
  const rows = [
    row("random_a", "config_0_j0", 30, 9, 50),
    row("random_a", "config_0_j1", 40, 5, 60),
    row("random_b", "config_0_j0", 30, 1, 5),
    row("random_b", "config_0_j1", 20, 2, 6),
    row("pareto_c", "M1", 20, 2, 6, { kind: "pareto", publishedNonembeddingParams: 3 }),
    row("pareto_c", "M2", 20, 2, 6, { kind: "pareto", publishedNonembeddingParams: null }),
  ];
  const check = proxyCheck(rows);
  assert.deepEqual(Object.keys(check.sets), ["random_a", "random_b"]);
  close(check.sets.random_b.spearmanDecoder, 1);
  assert.equal(check.metric, "valid");
  assert.equal(check.params, "computed");
  assert.equal(check.paramsCompared, 5);
  assert.deepEqual(check.paramMismatches, [
    { set: "pareto_c", modelId: "M1", publishedNonembeddingParams: 3, decoderParamsAsPublished: 2 },
  ]);
  assert.deepEqual(findParamMismatches(rows.slice(0, 4)), []);
});

import assert from "node:assert/strict";
import {
  dominates,
  frontierDistance,
  hypervolume,
  lowerConvexHull,
  lowerConvexHullIndices,
  nonDominatedRanks,
  nonDominatedSort,
  type Objective,
  paretoFront,
  paretoFrontIndices,
} from "../lib/pareto/mod.ts";
import { createRng, type Rng } from "../lib/util/rng.ts";

type P = { x: number; y: number; z?: number };
const minXY: Objective<P>[] = [{ key: "x", goal: "min" }, { key: "y", goal: "min" }];

Deno.test("dominance: standard vs strict, ties and equal points", () => {
  assert.equal(dominates({ x: 1, y: 1 }, { x: 1, y: 2 }, minXY), true);
  assert.equal(dominates({ x: 1, y: 1 }, { x: 1, y: 2 }, minXY, "strict"), false);
  assert.equal(dominates({ x: 0, y: 1 }, { x: 1, y: 2 }, minXY, "strict"), true);
  assert.equal(dominates({ x: 1, y: 1 }, { x: 1, y: 1 }, minXY), false);
  assert.equal(dominates({ x: 1, y: 3 }, { x: 2, y: 2 }, minXY), false);
  // Flipping one objective flips the verdict.
  const maxX: Objective<P>[] = [{ key: "x", goal: "max" }, { key: "y", goal: "min" }];
  assert.equal(dominates({ x: 2, y: 1 }, { x: 1, y: 1 }, minXY), false);
  assert.equal(dominates({ x: 2, y: 1 }, { x: 1, y: 1 }, maxX), true);
  // Accessor functions work like keys.
  assert.equal(
    dominates({ x: 2, y: 1 }, { x: 1, y: 1 }, [{ key: (p) => -p.x, goal: "min" }]),
    true,
  );
});

Deno.test("paretoFront: ties, duplicates, flipped objective", () => {
  const pts: P[] = [
    { x: 1, y: 5 }, // 0 front
    { x: 2, y: 3 }, // 1 front
    { x: 2, y: 4 }, // 2 dominated by 1 (tie in x)
    { x: 1, y: 5 }, // 3 duplicate of 0
    { x: 4, y: 1 }, // 4 front
    { x: 4, y: 1 }, // 5 duplicate of 4
    { x: 5, y: 1 }, // 6 dominated by 4 (tie in y)
    { x: 3, y: 3 }, // 7 dominated by 1 (tie in y)
  ];
  assert.deepEqual(paretoFrontIndices(pts, minXY), [0, 1, 3, 4, 5]);
  assert.deepEqual(paretoFrontIndices(pts, minXY, { duplicates: "first" }), [0, 1, 4]);
  // Strict (archai) dominance keeps points that only tie-lose.
  assert.deepEqual(paretoFrontIndices(pts, minXY, { dominance: "strict" }), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
  ]);
  assert.deepEqual(paretoFront(pts, minXY, { duplicates: "first" }), [pts[0], pts[1], pts[4]]);
  // Maximise x: only the largest x with smallest y, plus nothing else beats (5, 1).
  const maxX: Objective<P>[] = [{ key: "x", goal: "max" }, { key: "y", goal: "min" }];
  assert.deepEqual(paretoFrontIndices(pts, maxX), [6]);
  assert.deepEqual(paretoFrontIndices([], minXY), []);
  assert.throws(() => paretoFrontIndices([{ x: NaN, y: 1 }], minXY), RangeError);
});

function randomPoints(rng: Rng, n: number, k: number, grid = 0): number[][] {
  return Array.from(
    { length: n },
    () => Array.from({ length: k }, () => grid ? rng.int(0, grid) : rng.float()),
  );
}

const colObjectives = (k: number, goals?: ("min" | "max")[]): Objective<number[]>[] =>
  Array.from({ length: k }, (_, j) => ({ key: (r: number[]) => r[j], goal: goals?.[j] ?? "min" }));

function bruteFront(rows: number[][], objs: Objective<number[]>[], strict = false): number[] {
  const sign = objs.map((o) => o.goal === "max" ? -1 : 1);
  const dom = (a: number[], b: number[]) => {
    const av = a.map((v, j) => v * sign[j]), bv = b.map((v, j) => v * sign[j]);
    if (strict) return av.every((v, j) => v < bv[j]);
    return av.every((v, j) => v <= bv[j]) && av.some((v, j) => v < bv[j]);
  };
  return rows.map((_, i) => i).filter((i) => !rows.some((r) => dom(r, rows[i])));
}

Deno.test("paretoFront agrees with brute force on random sets (with many ties)", () => {
  const rng = createRng(11);
  for (let t = 0; t < 40; t++) {
    const k = 1 + (t % 3);
    const rows = randomPoints(rng, 30, k, 5);
    const goals = Array.from({ length: k }, () => rng.bernoulli(0.5) ? "max" : "min") as (
      | "min"
      | "max"
    )[];
    const objs = colObjectives(k, goals);
    assert.deepEqual(paretoFrontIndices(rows, objs), bruteFront(rows, objs));
    assert.deepEqual(
      paretoFrontIndices(rows, objs, { dominance: "strict" }),
      bruteFront(rows, objs, true),
    );
  }
});

Deno.test("nonDominatedSort partitions the set into successive fronts", () => {
  const rng = createRng(5);
  for (let t = 0; t < 20; t++) {
    const rows = randomPoints(rng, 40, 3, 6);
    const objs = colObjectives(3);
    const fronts = nonDominatedSort(rows, objs);
    const all = fronts.flat().sort((a, b) => a - b);
    assert.deepEqual(all, rows.map((_, i) => i));
    let rest = rows.map((_, i) => i);
    for (const front of fronts) {
      const sub = rest.map((i) => rows[i]);
      assert.deepEqual(front, bruteFront(sub, objs).map((j) => rest[j]));
      rest = rest.filter((i) => !front.includes(i));
    }
    const ranks = nonDominatedRanks(rows, objs);
    fronts.forEach((f, r) => f.forEach((i) => assert.equal(ranks[i], r)));
  }
  assert.deepEqual(
    nonDominatedSort([{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }, { x: 0, y: 4 }], minXY),
    [[0, 3], [1], [2]],
  );
});

Deno.test("lowerConvexHull: vertices only, efficient part, duplicates, flipped axis", () => {
  const pts: P[] = [
    { x: 1, y: 10 }, // 0 vertex
    { x: 2, y: 9 }, // 1 above chord 0–2
    { x: 3, y: 5 }, // 2 vertex
    { x: 4.5, y: 4.5 }, // 3 on chord 2–4 (collinear): not a vertex
    { x: 6, y: 4 }, // 4 vertex (lowest y)
    { x: 8, y: 4 }, // 5 same y, dominated
    { x: 9, y: 6 }, // 6 rising part
    { x: 1, y: 10 }, // 7 duplicate of 0
    { x: 1, y: 12 }, // 8 same x, worse y
  ];
  assert.deepEqual(lowerConvexHullIndices(pts, [minXY[0], minXY[1]]), [0, 2, 4]);
  // Maximise y (e.g. decoder params) instead: the hull now faces the other side.
  const flipped: [Objective<P>, Objective<P>] = [{ key: "x", goal: "min" }, {
    key: "y",
    goal: "max",
  }];
  assert.deepEqual(lowerConvexHullIndices(pts, flipped), [8]);
  const up: P[] = [{ x: 1, y: 1 }, { x: 2, y: 3 }, { x: 3, y: 4 }, { x: 4, y: 4.2 }];
  assert.deepEqual(lowerConvexHull(up, flipped), [up[0], up[1], up[2], up[3]]);
  assert.deepEqual(lowerConvexHullIndices([], [minXY[0], minXY[1]]), []);
});

Deno.test("lowerConvexHull vertices are Pareto-optimal and no point lies below the chain", () => {
  const rng = createRng(21);
  for (let t = 0; t < 30; t++) {
    const rows = randomPoints(rng, 25, 2);
    const objs = colObjectives(2) as [Objective<number[]>, Objective<number[]>];
    const hull = lowerConvexHullIndices(rows, objs);
    const front = new Set(paretoFrontIndices(rows, objs));
    for (const i of hull) assert.ok(front.has(i));
    for (let a = 0; a + 1 < hull.length; a++) {
      const [p, q] = [rows[hull[a]], rows[hull[a + 1]]];
      assert.ok(p[0] < q[0] && p[1] > q[1]);
      for (const r of rows) {
        if (r[0] < p[0] || r[0] > q[0]) continue;
        const yOnChord = p[1] + (q[1] - p[1]) * (r[0] - p[0]) / (q[0] - p[0]);
        assert.ok(r[1] >= yOnChord - 1e-12);
      }
    }
  }
});

Deno.test("hypervolume: hand-made cases in 1, 2 and 3 objectives", () => {
  assert.equal(hypervolume([{ x: 1, y: 2 }, { x: 2, y: 1 }], minXY, { x: 3, y: 3 }), 3);
  // Duplicates and dominated points change nothing; points outside the reference add nothing.
  assert.equal(
    hypervolume(
      [{ x: 1, y: 2 }, { x: 2, y: 1 }, { x: 1, y: 2 }, { x: 2, y: 2 }, { x: 0, y: 5 }],
      minXY,
      { x: 3, y: 3 },
    ),
    3,
  );
  assert.equal(hypervolume([{ x: 4, y: 4 }], minXY, { x: 3, y: 3 }), 0);
  assert.equal(hypervolume([], minXY, { x: 3, y: 3 }), 0);
  // Maximised objective: reference is a lower bound.
  const maxX: Objective<P>[] = [{ key: "x", goal: "max" }, { key: "y", goal: "min" }];
  assert.equal(hypervolume([{ x: 2, y: 1 }], maxX, { x: 0, y: 3 }), 4);
  assert.equal(hypervolume([{ x: 2, y: 1 }], [{ key: "x", goal: "max" }], { x: -1, y: 0 }), 3);
  // 3-D: two unit-overlapping boxes.
  const xyz: Objective<P>[] = [...minXY, { key: (p) => p.z ?? 0, goal: "min" }];
  const boxes = [{ x: 0, y: 0, z: 1 }, { x: 1, y: 1, z: 0 }];
  // Box A: 2·2·1 = 4, box B: 1·1·2 = 2, overlap 1·1·1 = 1.
  assert.equal(hypervolume(boxes, xyz, { x: 2, y: 2, z: 2 }), 5);
  assert.throws(() => hypervolume(boxes, [...xyz, xyz[0]], { x: 2, y: 2, z: 2 }), RangeError);
});

Deno.test("hypervolume matches a seeded Monte-Carlo estimate within its confidence interval", () => {
  const rng = createRng(99);
  const samples = 20000;
  for (const k of [2, 3]) {
    for (let t = 0; t < 4; t++) {
      const goals = Array.from({ length: k }, () => rng.bernoulli(0.5) ? "max" : "min") as (
        | "min"
        | "max"
      )[];
      const objs = colObjectives(k, goals);
      const rows = randomPoints(rng, 12, k);
      // Reference: 1 for minimised objectives, 0 for maximised ones (the unit box).
      const ref = goals.map((g) => g === "max" ? 0 : 1);
      const exact = hypervolume(rows, objs, ref);
      let hits = 0;
      for (let s = 0; s < samples; s++) {
        const u = Array.from({ length: k }, () => rng.float());
        const covered = rows.some((r) =>
          r.every((v, j) => goals[j] === "min" ? v <= u[j] : v >= u[j])
        );
        if (covered) hits++;
      }
      const estimate = hits / samples;
      const se = Math.sqrt(estimate * (1 - estimate) / samples);
      assert.ok(
        Math.abs(exact - estimate) < 4.5 * se + 1e-9,
        `k=${k}: exact ${exact} vs MC ${estimate} ± ${se}`,
      );
    }
  }
});

Deno.test("frontierDistance: the paper's d_avg with nearest-latency matching", () => {
  const truth = [{ ms: 1, ppl: 40 }, { ms: 3, ppl: 30 }, { ms: 10, ppl: 20 }];
  const proxy = [{ ms: 1.2, ppl: 42 }, { ms: 2.9, ppl: 30 }, { ms: 9, ppl: 25 }];
  const d = frontierDistance(proxy, truth, { x: "ms", y: "ppl" });
  assert.ok(Math.abs(d - (2 / 40 + 0 + 5 / 20) / 3) < 1e-15);
  // Equal distance in latency goes to the smaller latency.
  assert.equal(frontierDistance([{ ms: 2, ppl: 40 }], truth, { x: "ms", y: "ppl" }), 0);
  assert.equal(frontierDistance(truth, truth, { x: "ms", y: "ppl" }), 0);
  assert.throws(() => frontierDistance([], truth, { x: "ms", y: "ppl" }), RangeError);
});

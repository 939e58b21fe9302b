/**
 * Heterogeneous against homogeneous search over several seeds: the hypervolume of each seed's
 * frontiers (all normalised together, so they can be compared across seeds), their mean and
 * their spread across seeds, and a verdict only when the mean difference exceeds that spread.
 *
 * @module
 */
import { type ComparedPoint, frontierHypervolumes } from "../search/compare.ts";

/** The two frontiers of one seed. */
export interface SeedFrontiers {
  seed: number;
  heterogeneous: readonly ComparedPoint[];
  homogeneous: readonly ComparedPoint[];
}

/** One row of the per-seed hypervolume table. */
export type SeedHypervolumeRow = {
  seed: number;
  heterogeneous: number;
  homogeneous: number;
  /** heterogeneous − homogeneous. */
  difference: number;
};

/** The per-seed hypervolumes and what they allow to conclude. */
export interface SeedComparison {
  rows: SeedHypervolumeRow[];
  /** Means over the seeds. */
  mean: { heterogeneous: number; homogeneous: number; difference: number };
  /** Sample standard deviation across seeds (0 for one seed). */
  spread: { heterogeneous: number; homogeneous: number };
  /**
   * The family whose mean hypervolume beats the other's by more than the larger spread, with at
   * least two seeds; undefined otherwise (a tie, or too few seeds to tell).
   */
  winner?: "heterogeneous" | "homogeneous";
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * Compares the families over seeds (see the module doc). Rows are joined by seed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareSeeds } from "./seed_spread.ts";
 * const p = (id: string, decoderParams: number, latencyP50Ms: number) =>
 *   ({ id, decoderParams, latencyP50Ms, peakMemoryBytes: 100 });
 * const cmp = compareSeeds([
 *   { seed: 1, heterogeneous: [p("a", 100, 10)], homogeneous: [p("b", 60, 10)] },
 *   { seed: 2, heterogeneous: [p("c", 98, 10)], homogeneous: [p("d", 62, 10)] },
 * ]);
 * assert.equal(cmp.winner, "heterogeneous");
 * assert.ok(cmp.mean.difference > 0);
 * ```
 */
export function compareSeeds(seeds: readonly SeedFrontiers[]): SeedComparison {
  const frontiers: Record<string, readonly ComparedPoint[]> = {};
  for (const s of seeds) {
    frontiers[`heterogeneous/${s.seed}`] = s.heterogeneous;
    frontiers[`homogeneous/${s.seed}`] = s.homogeneous;
  }
  const hv = frontierHypervolumes(frontiers).hypervolume;
  const rows = seeds.map((s) => {
    const heterogeneous = hv[`heterogeneous/${s.seed}`];
    const homogeneous = hv[`homogeneous/${s.seed}`];
    return { seed: s.seed, heterogeneous, homogeneous, difference: heterogeneous - homogeneous };
  });
  const het = rows.map((r) => r.heterogeneous), hom = rows.map((r) => r.homogeneous);
  const comparison: SeedComparison = {
    rows,
    mean: {
      heterogeneous: mean(het),
      homogeneous: mean(hom),
      difference: mean(rows.map((r) => r.difference)),
    },
    spread: { heterogeneous: sampleStd(het), homogeneous: sampleStd(hom) },
  };
  const spread = Math.max(comparison.spread.heterogeneous, comparison.spread.homogeneous);
  if (rows.length >= 2 && Math.abs(comparison.mean.difference) > spread) {
    comparison.winner = comparison.mean.difference > 0 ? "heterogeneous" : "homogeneous";
  }
  return comparison;
}

/**
 * The conclusion sentence of a seed comparison.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seedConclusion } from "./seed_spread.ts";
 * const line = seedConclusion({ rows: [{ seed: 1, heterogeneous: 0.6, homogeneous: 0.6, difference: 0 }],
 *   mean: { heterogeneous: 0.6, homogeneous: 0.6, difference: 0 }, spread: { heterogeneous: 0, homogeneous: 0 } });
 * assert.match(line, /one seed/);
 * ```
 */
export function seedConclusion(cmp: SeedComparison): string {
  const n = cmp.rows.length;
  // Four decimals: the hypervolumes of one space differ in the third, and a difference and a
  // spread that round alike must still read as the comparison that was made.
  const f = (x: number) => x.toFixed(4);
  const means = `mean hypervolume over ${n} seed${n === 1 ? "" : "s"}: heterogeneous ${
    f(cmp.mean.heterogeneous)
  } (± ${f(cmp.spread.heterogeneous)} across seeds), homogeneous ${f(cmp.mean.homogeneous)} (± ${
    f(cmp.spread.homogeneous)
  })`;
  if (n < 2) {
    return `- Heterogeneous vs homogeneous, ${means}: with one seed there is no spread across seeds to judge a difference against.`;
  }
  if (!cmp.winner) {
    return `- Heterogeneous vs homogeneous, ${means}: the mean difference (${
      f(cmp.mean.difference)
    }) is within the spread across seeds, so neither search covers more of the objective space here (a tie).`;
  }
  const spread = Math.max(cmp.spread.heterogeneous, cmp.spread.homogeneous);
  const sign = cmp.winner === "heterogeneous" ? 1 : -1;
  const ahead = cmp.rows.filter((r) => sign * r.difference > 0).length;
  return `- Heterogeneous vs homogeneous, ${means}: the **${cmp.winner}** search covers more of the objective space, by ${
    f(Math.abs(cmp.mean.difference))
  } on average, more than the larger spread across seeds (${
    f(spread)
  }); it was ahead in ${ahead} of ${n} seeds.`;
}

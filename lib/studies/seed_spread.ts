/**
 * Heterogeneous against homogeneous search over several seeds: the hypervolume of each seed's
 * frontiers (all normalised together, so they can be compared across seeds), their mean and
 * their spread across seeds, and a verdict only when the mean difference exceeds that spread and,
 * given the measurement noise, the difference the noise alone can make on one seed (the
 * hypervolume ranges of {@linkcode hypervolumeRanges}).
 *
 * @module
 */
import { type ComparedPoint, frontierHypervolumes } from "../search/compare.ts";
import { hypervolumeRanges } from "./hypervolume_range.ts";

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
  /**
   * With the measurement noise: the family whose hypervolume range under the noise lies wholly
   * above the other's on this seed, or `"tie"` when the ranges overlap.
   */
  aheadBeyondNoise?: "heterogeneous" | "homogeneous" | "tie";
};

/** The per-seed hypervolumes and what they allow to conclude. */
export interface SeedComparison {
  rows: SeedHypervolumeRow[];
  /** Means over the seeds. */
  mean: { heterogeneous: number; homogeneous: number; difference: number };
  /** Sample standard deviation across seeds (0 for one seed). */
  spread: { heterogeneous: number; homogeneous: number };
  /**
   * With the measurement noise: the difference it alone can make on one seed, averaged over the
   * seeds (the heterogeneous range's lower half-width plus the homogeneous range's upper one,
   * or the reverse, whichever way the mean difference points).
   */
  noiseMargin?: number;
  /**
   * The family whose mean hypervolume beats the other's by more than the larger spread (and
   * than `noiseMargin`, when known), with at least two seeds; undefined otherwise (a tie, or too
   * few seeds to tell).
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
 * Compares the families over seeds (see the module doc). Rows are joined by seed. With `noise`
 * (the relative latency and memory noise measured on this device), every row says which family
 * is ahead beyond the noise, and a mean difference within `noiseMargin` is a tie.
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
 * ], { latency: 0.01, memory: 0.01 });
 * assert.equal(cmp.winner, "heterogeneous");
 * assert.ok(cmp.mean.difference > cmp.noiseMargin!);
 * assert.equal(cmp.rows[0].aheadBeyondNoise, "heterogeneous");
 * ```
 */
export function compareSeeds(
  seeds: readonly SeedFrontiers[],
  noise?: { latency: number; memory: number },
): SeedComparison {
  const frontiers: Record<string, readonly ComparedPoint[]> = {};
  for (const s of seeds) {
    frontiers[`heterogeneous/${s.seed}`] = s.heterogeneous;
    frontiers[`homogeneous/${s.seed}`] = s.homogeneous;
  }
  // With the noise, each frontier is also scored at ± the noise, under the same normalisation
  // (all seeds together); its measured value is the one frontierHypervolumes gives.
  const ranges = noise ? hypervolumeRanges(frontiers, noise).ranges : undefined;
  const hv = ranges
    ? Object.fromEntries(Object.entries(ranges).map(([name, r]) => [name, r.value]))
    : frontierHypervolumes(frontiers).hypervolume;
  const margins: { heteroAhead: number; homoAhead: number }[] = [];
  const rows = seeds.map((s): SeedHypervolumeRow => {
    const heterogeneous = hv[`heterogeneous/${s.seed}`];
    const homogeneous = hv[`homogeneous/${s.seed}`];
    const row: SeedHypervolumeRow = {
      seed: s.seed,
      heterogeneous,
      homogeneous,
      difference: heterogeneous - homogeneous,
    };
    if (ranges) {
      const het = ranges[`heterogeneous/${s.seed}`], hom = ranges[`homogeneous/${s.seed}`];
      margins.push({
        heteroAhead: (het.value - het.low) + (hom.high - hom.value),
        homoAhead: (hom.value - hom.low) + (het.high - het.value),
      });
      row.aheadBeyondNoise = het.low > hom.high
        ? "heterogeneous"
        : hom.low > het.high
        ? "homogeneous"
        : "tie";
    }
    return row;
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
  if (margins.length > 0) {
    comparison.noiseMargin = mean(
      margins.map((m) => comparison.mean.difference >= 0 ? m.heteroAhead : m.homoAhead),
    );
  }
  const spread = Math.max(comparison.spread.heterogeneous, comparison.spread.homogeneous);
  const gap = Math.abs(comparison.mean.difference);
  if (rows.length >= 2 && gap > spread && gap > (comparison.noiseMargin ?? 0)) {
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
  const spread = Math.max(cmp.spread.heterogeneous, cmp.spread.homogeneous);
  const gap = Math.abs(cmp.mean.difference);
  const tally = seedTally(cmp);
  const perSeed = tally ? `, ${tally}` : "";
  if (!cmp.winner) {
    if (gap > spread && cmp.noiseMargin !== undefined) {
      return `- Heterogeneous vs homogeneous, ${means}: the mean difference (${
        f(gap)
      }) exceeds the spread across seeds (${
        f(spread)
      }) but not the difference the measurement noise alone can make on one seed (${
        f(cmp.noiseMargin)
      }), so neither search covers more of the objective space here (a tie within noise)${perSeed}.`;
    }
    return `- Heterogeneous vs homogeneous, ${means}: the mean difference (${
      f(cmp.mean.difference)
    }) is within the spread across seeds, so neither search covers more of the objective space here (a tie)${perSeed}.`;
  }
  const noise = cmp.noiseMargin === undefined
    ? ""
    : ` and than the difference the measurement noise alone can make on one seed (${
      f(cmp.noiseMargin)
    })`;
  const sign = cmp.winner === "heterogeneous" ? 1 : -1;
  const ahead = cmp.rows.filter((r) => sign * r.difference > 0).length;
  return `- Heterogeneous vs homogeneous, ${means}: the **${cmp.winner}** search covers more of the objective space, by ${
    f(gap)
  } on average, more than the larger spread across seeds (${f(spread)})${noise}; ${
    tally ?? `it was ahead in ${ahead} of ${n} seeds`
  }.`;
}

/**
 * "per seed beyond the measurement noise: heterogeneous ahead in a, homogeneous ahead in b, tied
 * in c of n", or `undefined` when the rows were compared without the noise.
 */
function seedTally(cmp: SeedComparison): string | undefined {
  if (cmp.rows.some((r) => r.aheadBeyondNoise === undefined)) return undefined;
  const count = (v: string) => cmp.rows.filter((r) => r.aheadBeyondNoise === v).length;
  return `per seed beyond the measurement noise: heterogeneous ahead in ${
    count("heterogeneous")
  }, homogeneous ahead in ${count("homogeneous")}, tied in ${count("tie")} of ${cmp.rows.length}`;
}

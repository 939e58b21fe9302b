/**
 * Hypervolumes with their measurement noise: each frontier's hypervolume at its measured values,
 * and the range it would take if every latency and memory value were off by the measured
 * relative noise in its favour or against it. Two frontiers whose ranges overlap are a tie.
 *
 * @module
 */
import {
  type ComparedPoint,
  frontierHypervolumes,
  type ObjectiveBounds,
} from "../search/compare.ts";

/** One frontier's hypervolume and its range under the noise. */
export interface HypervolumeRange {
  /** At the measured values. */
  value: number;
  /** Every latency and memory value × (1 + noise). */
  low: number;
  /** Every latency and memory value × (1 − noise). */
  high: number;
}

/** The hypervolumes of several frontiers, normalised together, with ranges and the verdict. */
export interface HypervolumeRanges {
  bounds: ObjectiveBounds;
  reference: number;
  ranges: Record<string, HypervolumeRange>;
  /** The frontier whose low end beats every other's high end; undefined when none does. */
  winner?: string;
}

/**
 * Computes {@linkcode HypervolumeRanges}: the normalisation is fixed by the measured values
 * (as {@linkcode frontierHypervolumes} does), then each frontier is scored with its latencies
 * and memories scaled by (1 ± noise).
 *
 * @example
 * ```ts
 * import { hypervolumeRanges } from "./hypervolume_range.ts";
 * import assert from "node:assert/strict";
 * const a = [{ id: "a", decoderParams: 100, latencyP50Ms: 10, peakMemoryBytes: 100 }];
 * const b = [{ id: "b", decoderParams: 100, latencyP50Ms: 10.2, peakMemoryBytes: 101 }];
 * const c = [{ id: "c", decoderParams: 50, latencyP50Ms: 20, peakMemoryBytes: 200 }];
 * assert.equal(hypervolumeRanges({ a, b, c }, { latency: 0.05, memory: 0.01 }).winner, undefined);
 * assert.equal(hypervolumeRanges({ a, c }, { latency: 0.05, memory: 0.01 }).winner, "a");
 * ```
 */
export function hypervolumeRanges(
  frontiers: Readonly<Record<string, readonly ComparedPoint[]>>,
  noise: { latency: number; memory: number },
): HypervolumeRanges {
  const measured = frontierHypervolumes(frontiers);
  const scaled = (factor: number) => {
    const out: Record<string, ComparedPoint[]> = {};
    for (const [name, points] of Object.entries(frontiers)) {
      out[name] = points.map((p) => ({
        ...p,
        latencyP50Ms: p.latencyP50Ms * (1 + factor * noise.latency),
        peakMemoryBytes: p.peakMemoryBytes * (1 + factor * noise.memory),
      }));
    }
    return frontierHypervolumes(out, measured.bounds).hypervolume;
  };
  const worse = scaled(1);
  const better = scaled(-1);
  const ranges: Record<string, HypervolumeRange> = {};
  for (const name of Object.keys(frontiers)) {
    ranges[name] = { value: measured.hypervolume[name], low: worse[name], high: better[name] };
  }
  const names = Object.keys(ranges);
  const winner = names.find((n) => names.every((m) => m === n || ranges[n].low > ranges[m].high));
  return { bounds: measured.bounds, reference: measured.reference, ranges, winner };
}

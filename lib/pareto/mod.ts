/**
 * Pareto tools over k objectives, each minimised or maximised: dominance (standard or archai's
 * strict), the non-dominated filter and sorting into fronts, the 2-D lower convex hull, exact
 * hypervolume (1–3 objectives) and LiteTransformerSearch's frontier distance.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hypervolume, paretoFront } from "./mod.ts";
 * const models = [
 *   { decoderParams: 40e6, latencyMs: 12 },
 *   { decoderParams: 20e6, latencyMs: 6 },
 *   { decoderParams: 10e6, latencyMs: 7 },
 * ];
 * const objectives = [
 *   { key: "decoderParams", goal: "max" },
 *   { key: "latencyMs", goal: "min" },
 * ] as const;
 * assert.equal(paretoFront(models, [...objectives]).length, 2);
 * assert.equal(hypervolume(models, [...objectives], { decoderParams: 0, latencyMs: 20 }), 440e6);
 * ```
 *
 * @module
 */
export * from "./objective.ts";
export * from "./dominance.ts";
export * from "./front.ts";
export * from "./hull.ts";
export * from "./hypervolume.ts";
export * from "./distance.ts";
export * from "./subset.ts";

/**
 * The studies the notebooks walk through, as plain functions: aspect-ratio architectures, spreads,
 * tie pairs, the papers' architectures, measuring with provenance and live progress, the rows of
 * the notebooks' tables (joined by key), the paper's frontier distance d_avg on its Pareto sets,
 * and the conclusions worded from the numbers.
 *
 * @example
 * ```ts
 * import { aspectRatioArchs } from "./mod.ts";
 * aspectRatioArchs(20e6, { dModels: [256, 512, 768] }).length;
 * ```
 *
 * @module
 */
export * from "./aspect_ratio.ts";
export * from "./ties.ts";
export * from "./paper_archs.ts";
export * from "./context.ts";
export * from "./measure.ts";
export * from "./report_search.ts";
export * from "./noise.ts";
export * from "./hypervolume_range.ts";
export * from "./seed_spread.ts";
export * from "./wording.ts";
export * from "./conclusions.ts";
export * from "./interrupt.ts";
export * from "./hetero_homo.ts";
export * from "./pareto3d.ts";
export * from "./proxy_tables.ts";
export * from "./frontier_distance.ts";
export * from "./opt_tables.ts";
export * from "./text_prediction.ts";
export * from "./cost_model.ts";
export * from "./published_pareto.ts";

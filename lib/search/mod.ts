/**
 * Training-free, hardware-aware architecture search (Algorithm 1 of LiteTransformerSearch):
 * evolution or random search over decoder parameters, latency and peak memory, with
 * checkpointed run directories, layer-scaled baselines, comparisons and model export.
 *
 * @example
 * ```ts
 * import { runSearch, spaceOperators, validateSearchOptions } from "./mod.ts";
 * import { getSpace } from "../space/mod.ts";
 * const result = await runSearch({
 *   operators: spaceOperators(getSpace("lts-gpt2", { homogeneous: true })),
 *   measure: (arch) => Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer * arch.dModel / 100 }, peakMemoryBytes: arch.dModel * 1e5 }),
 *   options: validateSearchOptions({ iterations: 3, population: 20, seed: 1 }),
 * });
 * console.log(result.frontier.length);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./record.ts";
export * from "./summary.ts";
export * from "./options.ts";
export * from "./algorithm.ts";
export * from "./operators.ts";
export * from "./run_dir.ts";
export * from "./progress.ts";
export * from "./baselines.ts";
export * from "./compare.ts";
export * from "./export.ts";
export * from "./cost.ts";
export * from "./verify.ts";
export * from "./cost_run.ts";
export * from "./device.ts";

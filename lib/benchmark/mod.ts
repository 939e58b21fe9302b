/**
 * The published LiteTransformerSearch benchmark (archai's `saved_logs`): where it lives, what its
 * set names mean, and a loader into plain rows and an Arquero table.
 *
 * @example
 * ```ts
 * import { loadBenchmark } from "./mod.ts";
 * const bench = await loadBenchmark();
 * console.log(bench.sets.map((s) => `${s.set}: ${s.models}`).join("\n"));
 * ```
 *
 * @module
 */
export * from "./paths.ts";
export * from "./load.ts";

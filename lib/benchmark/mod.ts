/**
 * The published LiteTransformerSearch benchmark (archai's `saved_logs`): where it comes from,
 * what its set names mean, the pack bundled with the repository
 * (`data/published/lts-saved-logs.jsonl`, read by default), the raw-folder reader, and a loader
 * into plain rows and an Arquero table that gives the same models from either form.
 *
 * @example
 * ```ts
 * import { loadBenchmark } from "./mod.ts";
 * const bench = await loadBenchmark(); // the bundled pack (or $LTS_SAVED_LOGS)
 * console.log(bench.sets.map((s) => `${s.set}: ${s.models}`).join("\n"));
 * ```
 *
 * @module
 */
export * from "./paths.ts";
export * from "./source.ts";
export * from "./saved_logs.ts";
export * from "./pack.ts";
export * from "./make_pack.ts";
export * from "./load.ts";

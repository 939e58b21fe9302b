/**
 * Options of the architecture search, with the paper's defaults, checked at the edge.
 *
 * @module
 */
import type { Dominance } from "../pareto/dominance.ts";
import { InputError } from "../util/errors.ts";
import { checkOrdered, integerInRange, positiveNumber } from "../util/validate.ts";

/** `"evolution"`: Algorithm 1 of the paper; `"random"`: random search with the same budget. */
export type Strategy = "evolution" | "random";

/** The strategies, in a fixed order. */
export const STRATEGIES: readonly Strategy[] = ["evolution", "random"];

/** Everything that decides which candidates a search proposes and which reach the frontier. */
export interface SearchOptions {
  strategy: Strategy;
  /** Iterations, the initial random population included (iteration 0). */
  iterations: number;
  /** Size of the initial random population (and `parents + mutations + crossovers`). */
  population: number;
  /** Parents drawn (with replacement) from the frontier per iteration. */
  parents: number;
  /** New mutations per iteration. */
  mutations: number;
  /** New crossovers per iteration. */
  crossovers: number;
  /** Probability that a mutation re-draws each gene. */
  mutationProb: number;
  seed: number;
  /** Inclusive bounds on decoder parameters: others are never proposed. */
  minDecoderParams?: number;
  maxDecoderParams?: number;
  /** Budgets: a candidate above one is recorded `over-budget` and kept off the frontier. */
  maxLatencyMs?: number;
  maxMemoryBytes?: number;
  /** Dominance of the frontier; default `"standard"` (`"strict"` is archai's filter). */
  dominance: Dominance;
}

/** The paper's defaults: 30 iterations, population 100 = 20 parents + 40 mutations + 40 crossovers. */
export const DEFAULT_SEARCH_OPTIONS: Readonly<SearchOptions> = Object.freeze({
  strategy: "evolution",
  iterations: 30,
  population: 100,
  parents: 20,
  mutations: 40,
  crossovers: 40,
  mutationProb: 0.3,
  seed: 0,
  dominance: "standard",
});

const KNOWN = new Set([
  ...Object.keys(DEFAULT_SEARCH_OPTIONS),
  "minDecoderParams",
  "maxDecoderParams",
  "maxLatencyMs",
  "maxMemoryBytes",
]);

function int(raw: Record<string, unknown>, key: string, min: number): number | undefined {
  return raw[key] === undefined ? undefined : integerInRange(raw[key], key, min);
}

function positive(raw: Record<string, unknown>, key: string): number | undefined {
  return raw[key] === undefined ? undefined : positiveNumber(raw[key], key);
}

/**
 * Checks partial options and fills in the defaults. When only `population` is given, parents,
 * mutations and crossovers are split from it 20 : 40 : 40; when the split is given too, it must
 * add up to `population`. Throws {@linkcode InputError} naming the option.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateSearchOptions } from "./options.ts";
 * const o = validateSearchOptions({ population: 10, iterations: 3 });
 * assert.deepEqual([o.parents, o.mutations, o.crossovers], [2, 4, 4]);
 * ```
 */
export function validateSearchOptions(input: Partial<SearchOptions> = {}): SearchOptions {
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (raw[key] !== undefined && !KNOWN.has(key)) {
      throw new InputError(`${key}: unknown search option (known: ${[...KNOWN].join(", ")})`);
    }
  }
  const d = DEFAULT_SEARCH_OPTIONS;
  const strategy = raw.strategy ?? d.strategy;
  if (!STRATEGIES.includes(strategy as Strategy)) {
    throw new InputError(`strategy: expected one of ${STRATEGIES.join(", ")}, got ${strategy}`);
  }
  const dominance = raw.dominance ?? d.dominance;
  if (dominance !== "standard" && dominance !== "strict") {
    throw new InputError(`dominance: expected standard or strict, got ${dominance}`);
  }
  const iterations = int(raw, "iterations", 1) ?? d.iterations;
  const population = int(raw, "population", 1) ?? d.population;
  let parents = int(raw, "parents", 1);
  let mutations = int(raw, "mutations", 0);
  let crossovers = int(raw, "crossovers", 0);
  if (parents === undefined && mutations === undefined && crossovers === undefined) {
    parents = Math.max(1, Math.round(population * 0.2));
    mutations = Math.round(population * 0.4);
    crossovers = Math.max(0, population - parents - mutations);
  } else {
    parents ??= d.parents;
    mutations ??= d.mutations;
    crossovers ??= d.crossovers;
    if (parents + mutations + crossovers !== population) {
      throw new InputError(
        `population: ${population} is not parents ${parents} + mutations ${mutations} + crossovers ${crossovers}`,
      );
    }
  }
  if (mutations + crossovers === 0) {
    throw new InputError("mutations: mutations + crossovers must be at least 1");
  }
  const mutationProb = raw.mutationProb ?? d.mutationProb;
  if (typeof mutationProb !== "number" || !(mutationProb > 0 && mutationProb <= 1)) {
    throw new InputError(`mutationProb: expected a number in (0, 1], got ${String(mutationProb)}`);
  }
  const seed = int(raw, "seed", 0) ?? d.seed;
  const options: SearchOptions = {
    strategy: strategy as Strategy,
    iterations,
    population,
    parents,
    mutations,
    crossovers,
    mutationProb,
    seed,
    dominance,
  };
  const minDecoderParams = int(raw, "minDecoderParams", 0);
  const maxDecoderParams = int(raw, "maxDecoderParams", 0);
  checkOrdered(minDecoderParams, "minDecoderParams", maxDecoderParams, "maxDecoderParams");
  if (minDecoderParams !== undefined) options.minDecoderParams = minDecoderParams;
  if (maxDecoderParams !== undefined) options.maxDecoderParams = maxDecoderParams;
  const maxLatencyMs = positive(raw, "maxLatencyMs");
  const maxMemoryBytes = positive(raw, "maxMemoryBytes");
  if (maxLatencyMs !== undefined) options.maxLatencyMs = maxLatencyMs;
  if (maxMemoryBytes !== undefined) options.maxMemoryBytes = maxMemoryBytes;
  return options;
}

/**
 * The most candidates a search with these options can record: the initial population plus
 * `mutations + crossovers` per later iteration (fewer when the space runs out of new ones).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maxCandidates, validateSearchOptions } from "./options.ts";
 * assert.equal(maxCandidates(validateSearchOptions({})), 100 + 29 * 80);
 * ```
 */
export function maxCandidates(options: SearchOptions): number {
  return options.population + (options.iterations - 1) * (options.mutations + options.crossovers);
}

/**
 * The search operators of a search space (`lib/space`): sampling, mutation, uniform crossover.
 *
 * @module
 */
import { crossoverArch, mutateArch, sampleArch, type SearchSpace } from "../space/mod.ts";
import type { SearchOperators } from "./types.ts";

/**
 * Wraps a search space's seeded operations as {@linkcode SearchOperators} for `runSearch`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { spaceOperators } from "./operators.ts";
 * import { getSpace } from "../space/mod.ts";
 * import { createRng } from "../util/rng.ts";
 * const ops = spaceOperators(getSpace("lts-gpt2", { homogeneous: true }));
 * const arch = ops.sample(createRng(1));
 * assert.equal(ops.mutate(arch, createRng(2), 0.3).backbone, "gpt2");
 * ```
 */
export function spaceOperators(space: SearchSpace): SearchOperators {
  return {
    sample: (rng) => sampleArch(space, rng),
    mutate: (parent, rng, probability) => mutateArch(space, parent, rng, probability),
    crossover: (a, b, rng) => crossoverArch(space, a, b, rng),
  };
}

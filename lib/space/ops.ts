/**
 * Seeded operations on a search space: sampling, mutation and uniform crossover. Every result is
 * a validated {@linkcode Arch} inside the space.
 *
 * The genome, as in archai's evolution: `nLayer`, `dModel`, `dEmbed` (absent for a plain
 * embedding, where it follows `dModel`), `divVal`, and a fixed number of per-layer slots
 * `nHead[i]`, `dInner[i]` (the largest `nLayer`, or one slot when homogeneous); an architecture
 * uses the first `nLayer` slots. An {@linkcode Arch} keeps only those, so the slots a parent does
 * not use are not stored: when a mutation grows `nLayer`, the new layers are drawn fresh
 * (uniformly), and a crossover child takes layers beyond the shorter parent from the longer one.
 *
 * Genes are drawn uniformly from the values valid given `dModel` (`nHead` dividing it, `dInner`
 * at least `dInnerRatio · dModel`). A gene that a new `dModel` makes invalid is redrawn
 * (mutation) or taken from the other parent (crossover). Whatever is left — an embedding of
 * width 0, a `dModel` with no valid layer, the decoder-parameter bounds — is handled by
 * rejection: the whole draw is repeated, up to `maxAttempts` times.
 *
 * Sampling is uniform per gene, not uniform over architectures: each `nLayer` is equally likely,
 * so a deep architecture is individually rarer than a shallow one.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { decoderParams } from "../params/mod.ts";
import { InputError } from "../util/errors.ts";
import type { Rng } from "../util/rng.ts";
import { whyNotInSpace, withinParamBounds } from "./contains.ts";
import { dInnerChoices, isValidEmbedding, nHeadChoices } from "./genes.ts";
import type { DrawOptions, SearchSpace } from "./types.ts";

const DEFAULT_MAX_ATTEMPTS = 100_000;

interface Genome {
  nLayer: number;
  dModel: number;
  dEmbed: number;
  divVal: number;
  /** One value per layer, or one shared value in a homogeneous space. */
  nHead: number[];
  dInner: number[];
}

function maxAttemptsOf(options: DrawOptions): number {
  const n = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`maxAttempts: expected a positive integer, got ${n}`);
  }
  return n;
}

function constraintsText(space: SearchSpace): string {
  const parts = [`dInnerRatio ${space.dInnerRatio}`];
  if (space.minDecoderParams !== undefined || space.maxDecoderParams !== undefined) {
    parts.push(
      `decoder params ${space.minDecoderParams ?? 0}…${space.maxDecoderParams ?? "∞"}`,
    );
  }
  return parts.join(", ");
}

/** The architecture of a genome, or undefined when outside the parameter bounds. */
function finish(space: SearchSpace, g: Genome): Arch | undefined {
  const repeat = (xs: number[]) => space.homogeneous ? Array(g.nLayer).fill(xs[0]) : xs;
  const arch: Arch = {
    backbone: space.backbone,
    nLayer: g.nLayer,
    dModel: g.dModel,
    nHead: repeat(g.nHead),
    dInner: repeat(g.dInner),
    dEmbed: g.dEmbed,
    divVal: g.divVal,
    cutoffs: [...space.cutoffs],
    vocabSize: space.vocabSize,
    nPositions: space.nPositions,
    tieWeight: space.tieWeight,
  };
  const bounded = space.minDecoderParams !== undefined || space.maxDecoderParams !== undefined;
  if (bounded && !withinParamBounds(space, decoderParams(arch))) return undefined;
  const config: Record<string, unknown> = { ...arch };
  if (space.backbone !== "gpt2") delete config.nPositions;
  return validateArch(config, `space ${space.name}`);
}

function assertMember(space: SearchSpace, arch: Arch, label: string): void {
  const reason = whyNotInSpace(space, arch);
  if (reason !== undefined) {
    throw new InputError(`${label}: not in space ${space.name}: ${reason}`);
  }
}

function drawGenome(space: SearchSpace, rng: Rng): Genome | undefined {
  const nLayer = rng.choice(space.nLayer);
  const dModel = rng.choice(space.dModel);
  const heads = nHeadChoices(space, dModel), inners = dInnerChoices(space, dModel);
  if (heads.length === 0 || inners.length === 0) return undefined;
  const dEmbed = space.dEmbed === "dModel" ? dModel : rng.choice(space.dEmbed);
  const divVal = rng.choice(space.divVal);
  if (!isValidEmbedding(space, dEmbed, divVal)) return undefined;
  const slots = space.homogeneous ? 1 : nLayer;
  const nHead: number[] = [], dInner: number[] = [];
  for (let i = 0; i < slots; i++) {
    nHead.push(rng.choice(heads));
    dInner.push(rng.choice(inners));
  }
  return { nLayer, dModel, dEmbed, divVal, nHead, dInner };
}

/**
 * A random architecture of the space: every gene drawn uniformly from its valid values, the
 * whole draw repeated until it meets every constraint. Throws {@linkcode InputError} when
 * `maxAttempts` draws find nothing (the constraints are probably unsatisfiable).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createRng } from "../util/rng.ts";
 * import { getSpace } from "./presets.ts";
 * import { sampleArch } from "./ops.ts";
 * const arch = sampleArch(getSpace("lts-gpt2"), createRng(1));
 * assert.equal(arch.nHead.length, arch.nLayer);
 * ```
 */
export function sampleArch(space: SearchSpace, rng: Rng, options: DrawOptions = {}): Arch {
  const maxAttempts = maxAttemptsOf(options);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const genome = drawGenome(space, rng);
    const arch = genome && finish(space, genome);
    if (arch) return arch;
  }
  throw new InputError(
    `space ${space.name}: no valid architecture in ${maxAttempts} random draws; ` +
      `the constraints (${constraintsText(space)}) may be unsatisfiable`,
  );
}

function checkProbability(p: number): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new InputError(`p: expected a probability in [0, 1], got ${p}`);
  }
}

/**
 * A mutant of `arch`: each gene (`nLayer`, `dModel`, `dEmbed`, `divVal`, and `nHead[i]`,
 * `dInner[i]` of every slot in use) is redrawn uniformly with probability `p`; layers added by a
 * larger `nLayer` are drawn fresh; per-layer genes that a new `dModel` makes invalid are redrawn.
 * Repeated until the result meets every constraint. With `p = 0` the result equals `arch`.
 * Throws {@linkcode InputError} if `arch` is not in the space.
 *
 * @example
 * ```ts
 * import { createRng } from "../util/rng.ts";
 * import { getSpace } from "./presets.ts";
 * import { mutateArch, sampleArch } from "./ops.ts";
 * const space = getSpace("lts-transformer-xl");
 * const rng = createRng(7);
 * const child = mutateArch(space, sampleArch(space, rng), rng, 0.3);
 * ```
 */
export function mutateArch(
  space: SearchSpace,
  arch: Arch,
  rng: Rng,
  p = 0.3,
  options: DrawOptions = {},
): Arch {
  checkProbability(p);
  assertMember(space, arch, "parent");
  const maxAttempts = maxAttemptsOf(options);
  const redraw = () => rng.bernoulli(p);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const nLayer = redraw() ? rng.choice(space.nLayer) : arch.nLayer;
    const dModel = redraw() ? rng.choice(space.dModel) : arch.dModel;
    const heads = nHeadChoices(space, dModel), inners = dInnerChoices(space, dModel);
    if (heads.length === 0 || inners.length === 0) continue;
    let dEmbed = dModel;
    if (space.dEmbed !== "dModel") dEmbed = redraw() ? rng.choice(space.dEmbed) : arch.dEmbed;
    const divVal = redraw() ? rng.choice(space.divVal) : arch.divVal;
    if (!isValidEmbedding(space, dEmbed, divVal)) continue;
    const slots = space.homogeneous ? 1 : nLayer;
    const nHead: number[] = [], dInner: number[] = [];
    for (let i = 0; i < slots; i++) {
      let h = i < arch.nLayer && !redraw() ? arch.nHead[i] : rng.choice(heads);
      if (!heads.includes(h)) h = rng.choice(heads);
      let d = i < arch.nLayer && !redraw() ? arch.dInner[i] : rng.choice(inners);
      if (!inners.includes(d)) d = rng.choice(inners);
      nHead.push(h);
      dInner.push(d);
    }
    const child = finish(space, { nLayer, dModel, dEmbed, divVal, nHead, dInner });
    if (child) return child;
  }
  throw new Error(`mutateArch: no valid mutant in ${maxAttempts} attempts (space ${space.name})`);
}

/**
 * A child of two parents by uniform crossover: every gene (and every layer's `nHead` and
 * `dInner`) taken from either parent with probability ½. A layer gene is taken from the other
 * parent when the chosen one lacks that layer or its value is invalid with the child's
 * `dModel`; the whole draw is repeated when neither parent fits or the child breaks a
 * constraint. Crossing a parent with itself gives that parent. Throws {@linkcode InputError}
 * if a parent is not in the space.
 *
 * @example
 * ```ts
 * import { createRng } from "../util/rng.ts";
 * import { getSpace } from "./presets.ts";
 * import { crossoverArch, sampleArch } from "./ops.ts";
 * const space = getSpace("opt-350m");
 * const rng = createRng(3);
 * const child = crossoverArch(space, sampleArch(space, rng), sampleArch(space, rng), rng);
 * ```
 */
export function crossoverArch(
  space: SearchSpace,
  a: Arch,
  b: Arch,
  rng: Rng,
  options: DrawOptions = {},
): Arch {
  assertMember(space, a, "parent a");
  assertMember(space, b, "parent b");
  const maxAttempts = maxAttemptsOf(options);
  const pick = <T>(x: T, y: T): T => rng.bernoulli(0.5) ? x : y;
  const layerGene = (
    key: "nHead" | "dInner",
    i: number,
    allowed: readonly number[],
  ): number | undefined => {
    const [first, second] = pick([a, b], [b, a]);
    for (const parent of [first, second]) {
      if (i < parent.nLayer && allowed.includes(parent[key][i])) return parent[key][i];
    }
    return undefined;
  };
  attempts: for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const nLayer = pick(a.nLayer, b.nLayer);
    const dModel = pick(a.dModel, b.dModel);
    const dEmbed = space.dEmbed === "dModel" ? dModel : pick(a.dEmbed, b.dEmbed);
    const divVal = pick(a.divVal, b.divVal);
    if (!isValidEmbedding(space, dEmbed, divVal)) continue;
    const heads = nHeadChoices(space, dModel), inners = dInnerChoices(space, dModel);
    const slots = space.homogeneous ? 1 : nLayer;
    const nHead: number[] = [], dInner: number[] = [];
    for (let i = 0; i < slots; i++) {
      const h = layerGene("nHead", i, heads);
      const d = layerGene("dInner", i, inners);
      if (h === undefined || d === undefined) continue attempts;
      nHead.push(h);
      dInner.push(d);
    }
    const child = finish(space, { nLayer, dModel, dEmbed, divVal, nHead, dInner });
    if (child) return child;
  }
  throw new Error(`crossoverArch: no valid child in ${maxAttempts} attempts (space ${space.name})`);
}

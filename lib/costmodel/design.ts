/**
 * Which models a calibration measures: small models (one to four blocks) whose blocks cover
 * every (d_model knot, n_head) pair and the extremes of d_inner at each knot, one-block models
 * of every embedding the space allows, and random full-depth architectures of the space — the
 * models a search asks about. In refits of stored measurements (bench/costmodel_forms.ts,
 * bench/RESULTS.md 2026-12-04), 15 full-depth models more raised the share of held-out models
 * within ±5 % from 61–77 % to 80–84 %, and with them 6 d_model knots did as well as 15. All are emitted and measured exactly as a
 * candidate (same emitter, same child-process profiler, same settings), so a block's cost is its
 * cost inside a model. Deterministic: the same space always gives the same design.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { dInnerChoices, embeddingChoices, nHeadChoices } from "../space/genes.ts";
import type { SearchSpace } from "../space/types.ts";
import { sampleArch } from "../space/ops.ts";
import { InputError } from "../util/errors.ts";
import { createRng } from "../util/rng.ts";
import type { TermBasis } from "./terms.ts";

/** The most d_model values a design measures blocks at (others are predicted by the global fit). */
export const MAX_KNOTS = 6;

/** Random architectures of the space in every design (a fixed seed, never a validation's). */
export const DESIGN_SAMPLES = 40;

/** The seed of the design's random architectures. */
export const DESIGN_SEED = 0x5eed;

/** One model of a calibration design, with why it is measured. */
export interface DesignModel {
  /**
   * `"blocks"`: block costs at one knot; `"embedding"`: one embedding's cost; `"sample"`: a
   * random architecture of the space (full depth), so the fit also sees deep models.
   */
  role: "blocks" | "embedding" | "sample";
  arch: Arch;
}

/** A calibration design: the basis it covers and its models. */
export interface CalibrationDesign {
  basis: TermBasis;
  models: DesignModel[];
}

/**
 * The d_model knots of a space: every d_model when there are at most {@linkcode MAX_KNOTS},
 * else that many spread evenly over the grid, both ends included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { designKnots } from "./design.ts";
 * assert.deepEqual(designKnots([128, 192, 256]), [128, 192, 256]);
 * assert.deepEqual(designKnots([128, 192, 256, 320, 384, 448, 512]), [128, 192, 256, 384, 448, 512]);
 * assert.equal(designKnots(Array.from({ length: 25 }, (_, i) => 512 + 64 * i)).length, 6);
 * ```
 */
export function designKnots(dModels: readonly number[]): number[] {
  if (dModels.length <= MAX_KNOTS) return [...dModels];
  const picks = new Set<number>();
  for (let i = 0; i < MAX_KNOTS; i++) {
    picks.add(dModels[Math.round((i * (dModels.length - 1)) / (MAX_KNOTS - 1))]);
  }
  return [...picks].sort((a, b) => a - b);
}

/**
 * The calibration design of a gpt2 space. Per knot: one single-block model per head count,
 * then four models of three or four blocks mixing head counts and the smallest, middle and
 * largest d_inner (each with the space's first adaptive embedding); per embedding choice:
 * single-block models at the smallest and largest knot where it is valid (at every knot for a
 * plain table); then {@linkcode DESIGN_SAMPLES} random architectures of the space.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationDesign } from "./design.ts";
 * import { getSpace } from "../space/mod.ts";
 * const design = calibrationDesign(getSpace("lts-gpt2"));
 * assert.deepEqual(design.basis.knots, [128, 320, 512, 640, 832, 1024]);
 * assert.deepEqual(design.basis.heads, [2, 4, 8]);
 * assert.equal(design.models.filter((m) => m.role === "blocks").length, 6 * 7);
 * assert.equal(design.models.filter((m) => m.role === "sample").length, 40);
 * ```
 */
export function calibrationDesign(space: SearchSpace): CalibrationDesign {
  if (space.backbone !== "gpt2") {
    throw new InputError(
      `preset: the cost model calibrates gpt2 spaces only, not ${space.backbone}`,
    );
  }
  const knots = designKnots(space.dModel);
  const heads = [...new Set(knots.flatMap((d) => nHeadChoices(space, d)))].sort((a, b) => a - b);
  const models: DesignModel[] = [];
  const seen = new Set<string>();
  const push = (role: DesignModel["role"], config: object) => {
    const arch = validateArch({
      backbone: "gpt2",
      vocabSize: space.vocabSize,
      nPositions: space.nPositions,
      cutoffs: [...space.cutoffs],
      tieWeight: space.tieWeight,
      ...config,
    });
    const key = JSON.stringify(arch);
    if (!seen.has(key)) {
      seen.add(key);
      models.push({ role, arch });
    }
  };
  for (const dModel of knots) {
    const h = nHeadChoices(space, dModel);
    const di = dInnerChoices(space, dModel);
    if (h.length === 0 || di.length === 0) continue;
    const widths = [di[0], di[di.length - 1], di[Math.floor(di.length / 2)]];
    const embedding = referenceEmbedding(space, dModel);
    const block = (layers: [number, number][]) =>
      push("blocks", {
        nLayer: layers.length,
        dModel,
        nHead: layers.map(([head]) => head),
        dInner: layers.map(([, inner]) => inner),
        ...embedding,
      });
    h.forEach((head, j) => block([[head, widths[j % 3]]]));
    [3, 4, 3, 4].forEach((n, k) => {
      block(Array.from({ length: n }, (_, j) => [h[(k + j) % h.length], widths[(k + 2 * j) % 3]]));
    });
  }
  const ends = [knots[0], knots[knots.length - 1]];
  for (const dModel of knots) {
    for (const e of embeddingChoices(space, dModel)) {
      const plain = e.divVal === 1 && e.dEmbed === dModel;
      // Plain tables: at every knot where they occur (their cost grows with d_model); the
      // others at both ends (their intercept does not depend on d_model, their projections'
      // cost grows linearly with it).
      if (!plain && !ends.includes(dModel)) continue;
      const head = nHeadChoices(space, dModel)[0];
      const inner = dInnerChoices(space, dModel)[0];
      if (head === undefined || inner === undefined) continue;
      push("embedding", { nLayer: 1, dModel, nHead: head, dInner: inner, ...e });
    }
  }
  // Drawn from the genes alone (every layer its own block, no parameter bounds), so that the
  // design depends only on what the calibration's key covers (`costSpace`).
  const { minDecoderParams: _min, maxDecoderParams: _max, ...genes } = space;
  const sampleSpace: SearchSpace = { ...genes, homogeneous: false };
  const rng = createRng(DESIGN_SEED);
  for (let i = 0, tries = 0; i < DESIGN_SAMPLES && tries < 100 * DESIGN_SAMPLES; tries++) {
    const before = models.length;
    push("sample", sampleArch(sampleSpace, rng));
    if (models.length > before) i++;
  }
  return { basis: { knots, heads }, models };
}

/** The embedding of the block models at `dModel`: the first adaptive choice, else plain. */
function referenceEmbedding(
  space: SearchSpace,
  dModel: number,
): { dEmbed: number; divVal: number } {
  const choices = embeddingChoices(space, dModel);
  return choices.find((c) => !(c.divVal === 1 && c.dEmbed === dModel)) ?? choices[0] ??
    { dEmbed: dModel, divVal: 1 };
}

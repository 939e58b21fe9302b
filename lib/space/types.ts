/**
 * Search spaces as plain data: which values each gene of a decoder-only architecture may take,
 * and the constraints that tie genes together.
 *
 * The genes are `nLayer`, `dModel`, `dEmbed`, `divVal` and, per layer, `nHead[i]` and
 * `dInner[i]`. A space is heterogeneous (every layer draws its own `nHead`/`dInner`) or
 * homogeneous (one block configuration repeated for every layer).
 *
 * Constraints, all checked by `inSpace` and kept by every operation:
 * - `dInner[i] >= dInnerRatio · dModel` (0 turns the bound off);
 * - `dModel % nHead[i] === 0`, always: `validateArch` rejects any other architecture, since the
 *   heads must split `dModel` evenly, so this cannot be switched off;
 * - a valid adaptive embedding: with `divVal > 1`, `floor(dEmbed / divVal^clusters) >= 1`;
 * - optional bounds on decoder (non-embedding) parameters, inclusive.
 *
 * @module
 */
import type { Backbone } from "../arch/types.ts";

/** The names of the built-in presets. */
export type PresetName = "lts-gpt2" | "lts-transformer-xl" | "opt-350m" | "text-predictor";

/**
 * The preset names, in a fixed order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PRESET_NAMES } from "./types.ts";
 * assert.ok(PRESET_NAMES.includes("opt-350m"));
 * ```
 */
export const PRESET_NAMES: readonly PresetName[] = [
  "lts-gpt2",
  "lts-transformer-xl",
  "opt-350m",
  "text-predictor",
];

/**
 * A search space: plain, JSON-friendly data. Value lists are ascending and free of duplicates
 * (as `defineSpace` leaves them). Treat a space as immutable.
 */
export interface SearchSpace {
  /** Preset name or any label of a custom space. */
  name: string;
  /** One line saying what the space is. */
  description: string;
  /** Decoder backbone of every architecture. */
  backbone: Backbone;
  /** Whether every layer shares one `nHead` and one `dInner`. */
  homogeneous: boolean;
  /** Allowed layer counts. */
  nLayer: readonly number[];
  /** Allowed model widths. */
  dModel: readonly number[];
  /** Allowed head counts per layer (only those dividing `dModel` are used with it). */
  nHead: readonly number[];
  /** Allowed feed-forward widths per layer (only those `>= dInnerRatio · dModel` are used). */
  dInner: readonly number[];
  /** Lower bound of `dInner / dModel`; 0 for none. */
  dInnerRatio: number;
  /** Allowed embedding widths, or `"dModel"` for a plain embedding as wide as the model. */
  dEmbed: readonly number[] | "dModel";
  /** Allowed adaptive-embedding factors k (`[1]` for a plain embedding). */
  divVal: readonly number[];
  /** Vocabulary size. */
  vocabSize: number;
  /** Learned positions (gpt2); 0 for transformer-xl. */
  nPositions: number;
  /** Adaptive cluster boundaries, each below `vocabSize`. */
  cutoffs: readonly number[];
  /** Whether the output layer shares the token embedding. */
  tieWeight: boolean;
  /** Inclusive lower bound on decoder parameters, if any. */
  minDecoderParams?: number;
  /** Inclusive upper bound on decoder parameters, if any. */
  maxDecoderParams?: number;
}

/** Exact number of distinct valid architectures of a space. */
export interface SpaceSize {
  /** The exact count. */
  count: bigint;
  /** `log10(count)` as a float (`-Infinity` for an empty space). */
  log10: number;
}

/** Options of the operations that draw until they find a valid architecture. */
export interface DrawOptions {
  /** Draws to try before giving up with an error; default 100 000. */
  maxAttempts?: number;
}

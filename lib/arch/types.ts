/**
 * Architecture configurations: the plain-JSON input form ({@linkcode ArchConfig}) and the
 * validated, normalised form ({@linkcode Arch}) that every other module takes.
 *
 * @module
 */

/** Decoder backbones the project knows. */
export type Backbone = "gpt2" | "transformer-xl";

/** The backbones, in a fixed order. */
export const BACKBONES: readonly Backbone[] = ["gpt2", "transformer-xl"];

/**
 * An architecture as a user writes it (plain JSON, camelCase). Per-layer fields accept one
 * integer (the same for every layer) or an array of length `nLayer`.
 */
export interface ArchConfig {
  backbone: Backbone;
  nLayer: number;
  dModel: number;
  nHead: number | number[];
  dInner: number | number[];
  /** Embedding width; default `dModel`. */
  dEmbed?: number;
  /** Adaptive input factor k; default 1 (no adaptive clusters). */
  divVal?: number;
  /** Adaptive cluster boundaries; default `[19997, 39997, 199997]`, trimmed to the vocabulary. */
  cutoffs?: number[];
  /** Vocabulary size; default 50257 for gpt2, 267735 for transformer-xl. */
  vocabSize?: number;
  /** Learned absolute positions (gpt2 only); default 1024. */
  nPositions?: number;
  /** Whether the LM head shares the token embedding; default true. */
  tieWeight?: boolean;
}

/**
 * A validated architecture with every default filled in and per-layer arrays of length
 * `nLayer`. `cutoffs` holds only boundaries strictly inside the vocabulary, ascending.
 * For transformer-xl, `nPositions` is 0 (relative positions have no table).
 */
export interface Arch {
  backbone: Backbone;
  nLayer: number;
  dModel: number;
  nHead: number[];
  dInner: number[];
  dEmbed: number;
  divVal: number;
  cutoffs: number[];
  vocabSize: number;
  nPositions: number;
  tieWeight: boolean;
}

/** Default adaptive cluster boundaries (archai's). */
export const DEFAULT_CUTOFFS: readonly number[] = [19997, 39997, 199997];

/** Default vocabulary size per backbone. */
export const DEFAULT_VOCAB_SIZE: Readonly<Record<Backbone, number>> = {
  "gpt2": 50257,
  "transformer-xl": 267735,
};

/** Default number of learned positions of gpt2. */
export const DEFAULT_N_POSITIONS = 1024;

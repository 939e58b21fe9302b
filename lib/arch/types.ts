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
 * Upper bounds of every architecture field, checked by `validateArch` (an `InputError` naming
 * the field above them, e.g. `nLayer: must be at most 256, got 100000000`). They are far above
 * every preset space and published architecture (the largest: 29 layers, d_model 2048, d_inner
 * 8192, the benchmark's vocabulary 267,735) and low enough that counting, emitting and
 * measuring never exhaust a machine's memory on the shape alone; whether one emission fits the
 * free disk and memory is checked separately before it is written (`checkEmissionFits`).
 */
export const ARCH_LIMITS = Object.freeze({
  /** Decoder layers. */
  nLayer: 256,
  /** Model width. */
  dModel: 16384,
  /** Attention heads of one layer (they must also divide `dModel`). */
  nHead: 1024,
  /** Feed-forward width of one layer. */
  dInner: 65536,
  /** Embedding width. */
  dEmbed: 16384,
  /** Adaptive input factor k. */
  divVal: 64,
  /** Number of adaptive cluster boundaries (entries of `cutoffs`). */
  cutoffs: 32,
  /** Vocabulary size (2^20); also the largest cutoff. */
  vocabSize: 1_048_576,
  /** Learned positions of gpt2. */
  nPositions: 65536,
});

/**
 * An architecture as a user writes it (plain JSON, camelCase). Per-layer fields accept one
 * integer (the same for every layer) or an array of length `nLayer`. Every number is a positive
 * integer no larger than its {@linkcode ARCH_LIMITS} entry (given after "at most" below).
 */
export interface ArchConfig {
  backbone: Backbone;
  /** Decoder layers; at most 256. */
  nLayer: number;
  /** Model width; at most 16384. */
  dModel: number;
  /** Attention heads (each divides `dModel`); at most 1024. */
  nHead: number | number[];
  /** Feed-forward width; at most 65536. */
  dInner: number | number[];
  /** Embedding width; default `dModel`; at most 16384. */
  dEmbed?: number;
  /** Adaptive input factor k; default 1 (no adaptive clusters); at most 64. */
  divVal?: number;
  /**
   * Adaptive cluster boundaries, ascending; default `[19997, 39997, 199997]`, trimmed to the
   * vocabulary; at most 32 entries, each at most 1,048,576.
   */
  cutoffs?: number[];
  /** Vocabulary size; default 50257 for gpt2, 267735 for transformer-xl; at most 1,048,576. */
  vocabSize?: number;
  /** Learned absolute positions (gpt2 only); default 1024; at most 65536. */
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

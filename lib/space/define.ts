/**
 * Building a {@linkcode SearchSpace} from a definition, with every field checked: bad values
 * throw an {@linkcode InputError} that names the field.
 *
 * @module
 */
import {
  type Backbone,
  BACKBONES,
  DEFAULT_CUTOFFS,
  DEFAULT_N_POSITIONS,
  DEFAULT_VOCAB_SIZE,
} from "../arch/types.ts";
import { InputError } from "../util/errors.ts";
import { checkOrdered, nonNegativeNumber, positiveInteger } from "../util/validate.ts";
import type { SearchSpace } from "./types.ts";

/** What {@linkcode defineSpace} takes: a {@linkcode SearchSpace} with defaults left out. */
export interface SpaceDefinition {
  /** Label of the space. */
  name: string;
  /** Default: empty. */
  description?: string;
  /** Decoder backbone of every architecture. */
  backbone: Backbone;
  /** Default false. */
  homogeneous?: boolean;
  /** Allowed layer counts. */
  nLayer: readonly number[];
  /** Allowed model widths. */
  dModel: readonly number[];
  /** Allowed head counts per layer. */
  nHead: readonly number[];
  /** Allowed feed-forward widths per layer. */
  dInner: readonly number[];
  /** Default 0 (no bound). */
  dInnerRatio?: number;
  /** Default `"dModel"` (plain embedding). */
  dEmbed?: readonly number[] | "dModel";
  /** Default `[1]`. */
  divVal?: readonly number[];
  /** Default per backbone (50257 gpt2, 267735 transformer-xl). */
  vocabSize?: number;
  /** Default 1024 for gpt2; must be 0 or absent for transformer-xl. */
  nPositions?: number;
  /** Default archai's `[19997, 39997, 199997]`; boundaries at or above `vocabSize` are dropped. */
  cutoffs?: readonly number[];
  /** Default true. */
  tieWeight?: boolean;
  /** Inclusive lower bound on decoder parameters; default none. */
  minDecoderParams?: number;
  /** Inclusive upper bound on decoder parameters; default none. */
  maxDecoderParams?: number;
}

/**
 * The integers `lo, lo + step, …` up to `hi` inclusive.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valueGrid } from "./define.ts";
 * assert.deepEqual(valueGrid(128, 384, 64), [128, 192, 256, 320, 384]);
 * ```
 */
export function valueGrid(lo: number, hi: number, step = 1): number[] {
  if (![lo, hi, step].every(Number.isInteger) || step <= 0) {
    throw new RangeError(`valueGrid: bad grid ${lo}..${hi} step ${step}`);
  }
  const out: number[] = [];
  for (let v = lo; v <= hi; v += step) out.push(v);
  return out;
}

function intList(value: unknown, field: string, allowEmpty = false): number[] {
  if (!Array.isArray(value) || (value.length === 0 && !allowEmpty)) {
    throw new InputError(`${field}: expected a non-empty array of positive integers`);
  }
  value.forEach((v, i) => positiveInteger(v, `${field}[${i}]`));
  return [...new Set(value as number[])].sort((a, b) => a - b);
}

function paramBound(value: unknown, field: string): number | undefined {
  return value === undefined ? undefined : nonNegativeNumber(value, field);
}

/**
 * Checks a definition and returns the normalised space: value lists sorted and de-duplicated,
 * defaults filled in, cutoffs trimmed to the vocabulary.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineSpace } from "./define.ts";
 * const tiny = defineSpace({
 *   name: "tiny",
 *   backbone: "gpt2",
 *   nLayer: [1, 2],
 *   dModel: [64, 128],
 *   nHead: [2, 4],
 *   dInner: [256, 128],
 *   dInnerRatio: 2,
 * });
 * assert.deepEqual(tiny.dInner, [128, 256]);
 * ```
 */
export function defineSpace(def: SpaceDefinition): SearchSpace {
  if (def === null || typeof def !== "object") {
    throw new InputError("space: expected an object");
  }
  if (typeof def.name !== "string" || def.name === "") {
    throw new InputError("name: expected a non-empty string");
  }
  if (!BACKBONES.includes(def.backbone)) {
    throw new InputError(`backbone: expected one of ${BACKBONES.join(", ")}, got ${def.backbone}`);
  }
  const backbone = def.backbone;
  const dInnerRatio = def.dInnerRatio ?? 0;
  nonNegativeNumber(dInnerRatio, "dInnerRatio");
  const vocabSize = def.vocabSize === undefined
    ? DEFAULT_VOCAB_SIZE[backbone]
    : positiveInteger(def.vocabSize, "vocabSize");
  let nPositions = 0;
  if (backbone === "gpt2") {
    nPositions = def.nPositions === undefined
      ? DEFAULT_N_POSITIONS
      : positiveInteger(def.nPositions, "nPositions");
  } else if (def.nPositions !== undefined && def.nPositions !== 0) {
    throw new InputError("nPositions: transformer-xl uses relative positions; leave it out");
  }
  const cutoffs = intList(def.cutoffs ?? DEFAULT_CUTOFFS, "cutoffs", true).filter((c) =>
    c < vocabSize
  );
  const minDecoderParams = paramBound(def.minDecoderParams, "minDecoderParams");
  const maxDecoderParams = paramBound(def.maxDecoderParams, "maxDecoderParams");
  checkOrdered(minDecoderParams, "minDecoderParams", maxDecoderParams, "maxDecoderParams");
  if (def.tieWeight !== undefined && typeof def.tieWeight !== "boolean") {
    throw new InputError(`tieWeight: expected true or false, got ${String(def.tieWeight)}`);
  }
  if (def.homogeneous !== undefined && typeof def.homogeneous !== "boolean") {
    throw new InputError(`homogeneous: expected true or false, got ${String(def.homogeneous)}`);
  }
  const space: SearchSpace = {
    name: def.name,
    description: def.description ?? "",
    backbone,
    homogeneous: def.homogeneous ?? false,
    nLayer: intList(def.nLayer, "nLayer"),
    dModel: intList(def.dModel, "dModel"),
    nHead: intList(def.nHead, "nHead"),
    dInner: intList(def.dInner, "dInner"),
    dInnerRatio,
    dEmbed: def.dEmbed === undefined || def.dEmbed === "dModel"
      ? "dModel"
      : intList(def.dEmbed, "dEmbed"),
    divVal: intList(def.divVal ?? [1], "divVal"),
    vocabSize,
    nPositions,
    cutoffs,
    tieWeight: def.tieWeight ?? true,
  };
  if (minDecoderParams !== undefined) space.minDecoderParams = minDecoderParams;
  if (maxDecoderParams !== undefined) space.maxDecoderParams = maxDecoderParams;
  return space;
}

/**
 * Validation at the edge: turns untrusted JSON into an {@linkcode Arch}, or throws an
 * {@linkcode InputError} whose message names the field (and the layer index). Every number must
 * be a positive integer within {@linkcode ARCH_LIMITS}.
 *
 * @module
 */
import { InputError } from "../util/errors.ts";
import { describeValue, positiveInteger, withWhere } from "../util/validate.ts";
import {
  type Arch,
  ARCH_LIMITS,
  type ArchConfig,
  type Backbone,
  BACKBONES,
  DEFAULT_CUTOFFS,
  DEFAULT_N_POSITIONS,
  DEFAULT_VOCAB_SIZE,
} from "./types.ts";

const KNOWN_FIELDS = new Set([
  "backbone",
  "nLayer",
  "dModel",
  "nHead",
  "dInner",
  "dEmbed",
  "divVal",
  "cutoffs",
  "vocabSize",
  "nPositions",
  "tieWeight",
]);

function perLayer(value: unknown, field: string, nLayer: number, max: number): number[] {
  if (Array.isArray(value)) {
    if (value.length !== nLayer) {
      throw new InputError(
        `${field}: expected ${nLayer} values (one per layer), got ${value.length}`,
      );
    }
    return value.map((v, i) => positiveInteger(v, `${field}[${i}]`, max));
  }
  if (value === undefined) throw new InputError(`${field}: missing`);
  const one = positiveInteger(value, field, max);
  return Array.from({ length: nLayer }, () => one);
}

/**
 * Validates and normalises an architecture. Throws {@linkcode InputError} naming the field, also
 * for a value above its {@linkcode ARCH_LIMITS} bound (`nLayer: must be at most 256, got 1000`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateArch } from "./validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: [2, 4], dInner: 512 });
 * assert.deepEqual(arch.dInner, [512, 512]);
 * ```
 */
export function validateArch(input: unknown, where = ""): Arch {
  return withWhere(where, () => validateInner(input));
}

function validateInner(input: unknown): Arch {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InputError(`architecture: expected a JSON object, got ${describeValue(input)}`);
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) {
      throw new InputError(
        `${key}: unknown field (known: ${[...KNOWN_FIELDS].join(", ")})`,
      );
    }
  }
  if (!BACKBONES.includes(raw.backbone as Backbone)) {
    throw new InputError(
      `backbone: expected one of ${BACKBONES.map((b) => `"${b}"`).join(", ")}, got ${
        raw.backbone === undefined ? "nothing" : describeValue(raw.backbone)
      }`,
    );
  }
  const backbone = raw.backbone as Backbone;
  const nLayer = positiveInteger(raw.nLayer, "nLayer", ARCH_LIMITS.nLayer);
  const dModel = positiveInteger(raw.dModel, "dModel", ARCH_LIMITS.dModel);
  const nHead = perLayer(raw.nHead, "nHead", nLayer, ARCH_LIMITS.nHead);
  nHead.forEach((h, i) => {
    if (dModel % h !== 0) {
      const field = Array.isArray(raw.nHead) ? `nHead[${i}]` : "nHead";
      throw new InputError(`${field}: ${h} does not divide dModel ${dModel}`);
    }
  });
  const dInner = perLayer(raw.dInner, "dInner", nLayer, ARCH_LIMITS.dInner);
  const dEmbed = raw.dEmbed === undefined
    ? dModel
    : positiveInteger(raw.dEmbed, "dEmbed", ARCH_LIMITS.dEmbed);
  const divVal = raw.divVal === undefined
    ? 1
    : positiveInteger(raw.divVal, "divVal", ARCH_LIMITS.divVal);
  const vocabSize = raw.vocabSize === undefined
    ? DEFAULT_VOCAB_SIZE[backbone]
    : positiveInteger(raw.vocabSize, "vocabSize", ARCH_LIMITS.vocabSize);
  let nPositions = 0;
  if (backbone === "gpt2") {
    nPositions = raw.nPositions === undefined
      ? DEFAULT_N_POSITIONS
      : positiveInteger(raw.nPositions, "nPositions", ARCH_LIMITS.nPositions);
  } else if (raw.nPositions !== undefined) {
    throw new InputError("nPositions: transformer-xl uses relative positions; leave it out");
  }
  let cutoffs: number[];
  if (raw.cutoffs === undefined) cutoffs = [...DEFAULT_CUTOFFS];
  else {
    if (!Array.isArray(raw.cutoffs)) {
      throw new InputError(
        `cutoffs: expected an array of integers, got ${describeValue(raw.cutoffs)}`,
      );
    }
    if (raw.cutoffs.length > ARCH_LIMITS.cutoffs) {
      throw new InputError(
        `cutoffs: must have at most ${ARCH_LIMITS.cutoffs} entries, got ${raw.cutoffs.length}`,
      );
    }
    cutoffs = raw.cutoffs.map((c, i) => positiveInteger(c, `cutoffs[${i}]`, ARCH_LIMITS.vocabSize));
    for (let i = 1; i < cutoffs.length; i++) {
      if (cutoffs[i] <= cutoffs[i - 1]) {
        throw new InputError(`cutoffs[${i}]: ${cutoffs[i]} is not above ${cutoffs[i - 1]}`);
      }
    }
  }
  cutoffs = cutoffs.filter((c) => c < vocabSize);
  if (divVal > 1) {
    const lastWidth = Math.floor(dEmbed / divVal ** cutoffs.length);
    if (lastWidth < 1) {
      throw new InputError(
        `divVal: ${divVal} leaves cluster ${cutoffs.length} with width 0 (dEmbed ${dEmbed})`,
      );
    }
  }
  let tieWeight = true;
  if (raw.tieWeight !== undefined) {
    if (typeof raw.tieWeight !== "boolean") {
      throw new InputError(
        `tieWeight: expected true or false, got ${describeValue(raw.tieWeight)}`,
      );
    }
    tieWeight = raw.tieWeight;
  }
  return {
    backbone,
    nLayer,
    dModel,
    nHead,
    dInner,
    dEmbed,
    divVal,
    cutoffs,
    vocabSize,
    nPositions,
    tieWeight,
  };
}

/**
 * The compact {@linkcode ArchConfig} of an {@linkcode Arch}: per-layer arrays collapsed to one
 * integer when every layer agrees, defaults left out.
 *
 * @example
 * ```ts
 * import { compactArch, validateArch } from "./validate.ts";
 * compactArch(validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: [512, 512] }));
 * // { backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 512 }
 * ```
 */
export function compactArch(arch: Arch): ArchConfig {
  const collapse = (xs: number[]) => xs.every((x) => x === xs[0]) ? xs[0] : [...xs];
  const out: ArchConfig = {
    backbone: arch.backbone,
    nLayer: arch.nLayer,
    dModel: arch.dModel,
    nHead: collapse(arch.nHead),
    dInner: collapse(arch.dInner),
  };
  if (arch.dEmbed !== arch.dModel) out.dEmbed = arch.dEmbed;
  if (arch.divVal !== 1) out.divVal = arch.divVal;
  const defaultCutoffs = DEFAULT_CUTOFFS.filter((c) => c < arch.vocabSize);
  if (arch.cutoffs.join() !== defaultCutoffs.join()) out.cutoffs = [...arch.cutoffs];
  if (arch.vocabSize !== DEFAULT_VOCAB_SIZE[arch.backbone]) out.vocabSize = arch.vocabSize;
  if (arch.backbone === "gpt2" && arch.nPositions !== DEFAULT_N_POSITIONS) {
    out.nPositions = arch.nPositions;
  }
  if (!arch.tieWeight) out.tieWeight = false;
  return out;
}

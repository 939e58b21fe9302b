/**
 * The named search spaces:
 *
 * - `lts-gpt2`, `lts-transformer-xl`: LiteTransformerSearch (NeurIPS 2022, Appendix H):
 *   2–16 layers; d_model 128–1024 step 64; per layer d_inner 256–4096 step 64 with
 *   d_inner ≥ ratio·d_model (the paper's text says 2.0, the authors' code used 1.7; default 2.0)
 *   and n_head ∈ {2, 4, 8}; adaptive embedding d_embed ∈ {128, 256, 512}, k ∈ {1, 2, 4}.
 * - `opt-350m`: the paper's OPT-350M comparison (GPT-2 backbone): 3–29 layers; d_model
 *   512–1472 step 64; d_inner 512–6080 step 64 (no ratio bound); n_head ∈ {2, 4, 8, 16};
 *   plain embedding; vocabulary 50272; 2048 positions.
 * - `text-predictor`: a GPT-2 text-prediction case study: 6–18 layers; d_model 512–2048 step 64;
 *   d_inner 1024–8192 step 64 with d_inner ≥ 2·d_model; n_head ∈ {4, 8, 16, 32}; plain
 *   embedding; decoder parameters between 120 M and 180 M.
 *
 * Each also has a homogeneous variant (`{ homogeneous: true }`): one block configuration
 * repeated for every layer.
 *
 * @module
 */
import { InputError } from "../util/errors.ts";
import { defineSpace, type SpaceDefinition, valueGrid } from "./define.ts";
import { PRESET_NAMES, type PresetName, type SearchSpace } from "./types.ts";

/** Options of {@linkcode getSpace}. */
export interface SpaceOptions {
  /** One block configuration for every layer; default false. */
  homogeneous?: boolean;
  /** Lower bound of `dInner / dModel` (0 for none); default per preset (2.0, or 0 for opt-350m). */
  dInnerRatio?: number;
  /** Inclusive lower bound on decoder parameters; default per preset (120e6 for text-predictor). */
  minDecoderParams?: number;
  /** Inclusive upper bound on decoder parameters; default per preset (180e6 for text-predictor). */
  maxDecoderParams?: number;
  /** Vocabulary size; default per preset. */
  vocabSize?: number;
  /** Learned positions (gpt2 only); default per preset. */
  nPositions?: number;
  /**
   * Embedding widths, or `"dModel"` for d_embed = d_model. Default per preset. The published
   * LiteTransformerSearch runs used `"dModel"` with `divVal: [4]` and `dInnerRatio: 1.7`.
   */
  dEmbed?: readonly number[] | "dModel";
  /** Adaptive-embedding factors k; default per preset. */
  divVal?: readonly number[];
  /** Adaptive cluster boundaries; default archai's `[19997, 39997, 199997]`. */
  cutoffs?: readonly number[];
}

const OPTION_KEYS = new Set([
  "homogeneous",
  "dInnerRatio",
  "minDecoderParams",
  "maxDecoderParams",
  "vocabSize",
  "nPositions",
  "dEmbed",
  "divVal",
  "cutoffs",
]);

/** A preset as listed by {@linkcode listPresets}. */
export interface PresetInfo {
  /** Preset name, for {@linkcode getSpace}. */
  name: PresetName;
  /** Decoder backbone. */
  backbone: SearchSpace["backbone"];
  /** One line: source, genes and constraints. */
  description: string;
}

function ltsDefinition(name: PresetName, backbone: SearchSpace["backbone"]): SpaceDefinition {
  return {
    name,
    backbone,
    nLayer: valueGrid(2, 16),
    dModel: valueGrid(128, 1024, 64),
    nHead: [2, 4, 8],
    dInner: valueGrid(256, 4096, 64),
    dInnerRatio: 2,
    dEmbed: [128, 256, 512],
    divVal: [1, 2, 4],
  };
}

const DEFINITIONS: Readonly<Record<PresetName, () => SpaceDefinition>> = {
  "lts-gpt2": () => ltsDefinition("lts-gpt2", "gpt2"),
  "lts-transformer-xl": () => ltsDefinition("lts-transformer-xl", "transformer-xl"),
  "opt-350m": () => ({
    name: "opt-350m",
    backbone: "gpt2",
    nLayer: valueGrid(3, 29),
    dModel: valueGrid(512, 1472, 64),
    nHead: [2, 4, 8, 16],
    dInner: valueGrid(512, 6080, 64),
    dInnerRatio: 0,
    dEmbed: "dModel",
    divVal: [1],
    vocabSize: 50272,
    nPositions: 2048,
  }),
  "text-predictor": () => ({
    name: "text-predictor",
    backbone: "gpt2",
    nLayer: valueGrid(6, 18),
    dModel: valueGrid(512, 2048, 64),
    nHead: [4, 8, 16, 32],
    dInner: valueGrid(1024, 8192, 64),
    dInnerRatio: 2,
    dEmbed: "dModel",
    divVal: [1],
    minDecoderParams: 120e6,
    maxDecoderParams: 180e6,
  }),
};

const SOURCES: Readonly<Record<PresetName, string>> = {
  "lts-gpt2": "LTS paper GPT-2 space",
  "lts-transformer-xl": "LTS paper Transformer-XL space",
  "opt-350m": "LTS paper OPT-350M comparison space",
  "text-predictor": "GPT-2 text-prediction case study space",
};

function span(values: readonly number[]): string {
  if (values.length === 1) return String(values[0]);
  const step = values[1] - values[0];
  const regular = values.every((v, i) => i === 0 || v - values[i - 1] === step);
  if (regular && values.length > 3) {
    return `${values[0]}–${values[values.length - 1]}${step === 1 ? "" : ` step ${step}`}`;
  }
  return `{${values.join(", ")}}`;
}

function millions(n: number): string {
  return `${+(n / 1e6).toPrecision(6)} M`;
}

/**
 * A one-line description of a space's genes and constraints.
 *
 * @example
 * ```ts
 * import { describeSpace, getSpace } from "./presets.ts";
 * describeSpace(getSpace("opt-350m"));
 * // "n_layer 3–29, d_model 512–1472 step 64, per layer n_head {2, 4, 8, 16} and …"
 * ```
 */
export function describeSpace(space: SearchSpace): string {
  const parts = [
    `n_layer ${span(space.nLayer)}`,
    `d_model ${span(space.dModel)}`,
    `${space.homogeneous ? "shared by all layers" : "per layer"} n_head ${
      span(space.nHead)
    } and d_inner ${span(space.dInner)}${
      space.dInnerRatio > 0 ? ` ≥ ${space.dInnerRatio}·d_model` : ""
    }`,
    space.dEmbed === "dModel" && space.divVal.length === 1 && space.divVal[0] === 1
      ? "plain embedding"
      : `d_embed ${space.dEmbed === "dModel" ? "= d_model" : span(space.dEmbed)}, k ${
        span(space.divVal)
      }`,
    `vocab ${space.vocabSize}`,
  ];
  if (space.nPositions > 0) parts.push(`${space.nPositions} positions`);
  const lo = space.minDecoderParams, hi = space.maxDecoderParams;
  if (lo !== undefined && hi !== undefined) {
    parts.push(`decoder params ${millions(lo)}–${millions(hi)}`);
  } else if (lo !== undefined) parts.push(`decoder params ≥ ${millions(lo)}`);
  else if (hi !== undefined) parts.push(`decoder params ≤ ${millions(hi)}`);
  return parts.join(", ");
}

/**
 * Whether a string names a preset.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPresetName } from "./presets.ts";
 * assert.equal(isPresetName("lts-gpt2"), true);
 * ```
 */
export function isPresetName(name: unknown): name is PresetName {
  return PRESET_NAMES.includes(name as PresetName);
}

/**
 * A preset space, optionally in its homogeneous variant, with its ratio bound, parameter bounds,
 * vocabulary or embedding genes changed. Throws {@linkcode InputError} for an unknown name (listing the known
 * ones) or bad options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getSpace } from "./presets.ts";
 * const space = getSpace("lts-gpt2", { dInnerRatio: 1.7 });
 * assert.equal(space.nLayer.length, 15); // 2–16
 * assert.equal(getSpace("text-predictor", { homogeneous: true }).maxDecoderParams, 180e6);
 * ```
 */
export function getSpace(name: string, options: SpaceOptions = {}): SearchSpace {
  if (!isPresetName(name)) {
    throw new InputError(
      `preset: unknown ${JSON.stringify(name)} (known: ${PRESET_NAMES.join(", ")})`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new InputError("options: expected an object");
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new InputError(`${key}: unknown option (known: ${[...OPTION_KEYS].join(", ")})`);
    }
  }
  const def: SpaceDefinition = { ...DEFINITIONS[name]() };
  if (options.homogeneous !== undefined) def.homogeneous = options.homogeneous;
  if (options.dInnerRatio !== undefined) def.dInnerRatio = options.dInnerRatio;
  if (options.minDecoderParams !== undefined) def.minDecoderParams = options.minDecoderParams;
  if (options.maxDecoderParams !== undefined) def.maxDecoderParams = options.maxDecoderParams;
  if (options.vocabSize !== undefined) def.vocabSize = options.vocabSize;
  if (options.nPositions !== undefined) def.nPositions = options.nPositions;
  if (options.dEmbed !== undefined) def.dEmbed = options.dEmbed;
  if (options.divVal !== undefined) def.divVal = options.divVal;
  if (options.cutoffs !== undefined) def.cutoffs = options.cutoffs;
  const space = defineSpace(def);
  space.description = `${SOURCES[name]}: ${describeSpace(space)}`;
  return space;
}

/**
 * Every preset with its backbone and a one-line description (of its default, heterogeneous
 * variant).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listPresets } from "./presets.ts";
 * assert.deepEqual(listPresets().map((p) => p.name), ["lts-gpt2", "lts-transformer-xl", "opt-350m", "text-predictor"]);
 * ```
 */
export function listPresets(): PresetInfo[] {
  return PRESET_NAMES.map((name) => {
    const space = getSpace(name);
    return { name, backbone: space.backbone, description: space.description };
  });
}

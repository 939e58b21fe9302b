/**
 * The tables and sentences of notebook 01 (the decoder-parameter proxy), as pure functions: the
 * sizes of the search spaces, parameter breakdowns, the published benchmark per set, and the
 * rank agreement of the proxy per random set. Rows are keyed by name (preset, model, set), never
 * paired by position.
 *
 * @module
 */
import * as aq from "arquero";
import type { Arch } from "../arch/types.ts";
import { countParams, type ParamCount } from "../params/count.ts";
import { getSpace, listPresets } from "../space/presets.ts";
import { perLayerDModelSpaceSize, spaceSize } from "../space/size.ts";
import type { ProxyCheck, SetProxyCheck } from "../stats/proxy.ts";

/** The exact size of one preset, heterogeneous or homogeneous. */
export type SpaceSizeRow = {
  preset: string;
  backbone: string;
  homogeneous: boolean;
  log10Count: number;
  /** The exact count, in decimal. */
  count: string;
};

/**
 * The exact size of every preset's search space, heterogeneous then homogeneous, presets in
 * `listPresets()` order.
 *
 * @example
 * ```ts
 * import { spaceSizeRows } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const rows = spaceSizeRows();
 * const gpt2 = rows.find((r) => r.preset === "lts-gpt2" && !r.homogeneous)!;
 * assert.ok(gpt2.log10Count > 20 && BigInt(gpt2.count) > 10n ** 20n);
 * ```
 */
export function spaceSizeRows(): SpaceSizeRow[] {
  return listPresets().flatMap(({ name, backbone }) =>
    [false, true].map((homogeneous) => {
      const size = spaceSize(getSpace(name, { homogeneous }));
      return {
        preset: name,
        backbone,
        homogeneous,
        log10Count: size.log10,
        count: size.count.toString(),
      };
    })
  );
}

/** log10 of the sizes of the paper's GPT-2 space under three readings. */
export interface Gpt2SpaceSizes {
  /** One d_model for all layers, d_inner ≥ 2·d_model (our search space). */
  sharedDModelLog10: number;
  /** The same with the authors' code's d_inner ratio 1.7. */
  ratio17Log10: number;
  /** d_model drawn per layer too (one reading of the paper's Figure 2). */
  perLayerDModelLog10: number;
}

/**
 * The sizes of the `lts-gpt2` space under the three readings of {@linkcode Gpt2SpaceSizes}.
 *
 * @example
 * ```ts
 * import { gpt2SpaceSizes } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const s = gpt2SpaceSizes();
 * assert.ok(s.perLayerDModelLog10 > 54 && s.sharedDModelLog10 < s.perLayerDModelLog10);
 * ```
 */
export function gpt2SpaceSizes(): Gpt2SpaceSizes {
  return {
    sharedDModelLog10: spaceSize(getSpace("lts-gpt2")).log10,
    ratio17Log10: spaceSize(getSpace("lts-gpt2", { dInnerRatio: 1.7 })).log10,
    perLayerDModelLog10: perLayerDModelSpaceSize(getSpace("lts-gpt2")).log10,
  };
}

/**
 * The paragraph under the space sizes: our count of the paper's GPT-2 space against its
 * "more than 10^54".
 *
 * @example
 * ```ts
 * import { gpt2SpaceSizeText } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const text = gpt2SpaceSizeText({ sharedDModelLog10: 40.04, ratio17Log10: 41.2, perLayerDModelLog10: 56.31 });
 * assert.ok(text.includes("holds **10^40.0** architectures"));
 * assert.ok(text.includes("10^41.2 with the authors' code's ratio 1.7"));
 * assert.ok(text.includes("then the count is **10^56.3**."));
 * ```
 */
export function gpt2SpaceSizeText(sizes: Gpt2SpaceSizes): string {
  return `The paper's GPT-2 space (n_layer 2–16, d_model 128–1024, per-layer n_head ∈ {2,4,8} and d_inner ≥ 2·d_model, ` +
    `d_embed ∈ {128,256,512}, k ∈ {1,2,4}) holds **10^${
      sizes.sharedDModelLog10.toFixed(1)
    }** architectures by exact ` +
    `count when one d_model is shared by all layers, as in our search space (10^${
      sizes.ratio17Log10.toFixed(1)
    } with the ` +
    `authors' code's ratio 1.7). The paper says "more than 10^54". That figure is reached if d_model is also drawn per ` +
    `layer, one reading of the paper's Figure 2: then the count is **10^${
      sizes.perLayerDModelLog10.toFixed(1)
    }**. ` +
    `See \`lib/space/size.ts\`.`;
}

/** Where one model's parameters are (sums over its layers). */
export type ParamBreakdownRow = {
  model: string;
  attention: number;
  ffn: number;
  /** Every layer's LayerNorms plus the final one. */
  layerNorms: number;
  decoderParams: number;
  tokenEmbedding: number;
  positionEmbedding: number;
  totalParams: number;
};

/**
 * The parameter breakdown of named architectures (LM head tied to the token embedding), one row
 * per model in input order.
 *
 * @example
 * ```ts
 * import { paramBreakdownRows } from "./proxy_tables.ts";
 * import { validateArch } from "../arch/validate.ts";
 * import assert from "node:assert/strict";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 });
 * const [row] = paramBreakdownRows([{ name: "GPT-2 small", arch }]);
 * assert.equal(row.attention + row.ffn + row.layerNorms, row.decoderParams);
 * assert.equal(row.totalParams, 124_439_808);
 * ```
 */
export function paramBreakdownRows(
  models: readonly { name: string; arch: Arch }[],
): ParamBreakdownRow[] {
  return models.map(({ name, arch }) => {
    const c = countParams(arch);
    return {
      model: name,
      attention: c.components.attention,
      ffn: c.components.ffn,
      layerNorms: c.components.layerNorm + c.components.finalLayerNorm,
      decoderParams: c.decoderParams,
      tokenEmbedding: c.components.tokenEmbedding,
      positionEmbedding: c.components.positionEmbedding,
      totalParams: c.totalParams,
    };
  });
}

/**
 * The paragraph under the breakdown: GPT-2 small's total and decoder share, and the OPT-350M
 * shape's decoder parameters with and without its learned positions (the paper's OPT table
 * counts them; `lib/params` `decoderParamsWithPositions`).
 *
 * @example
 * ```ts
 * import { paramCountText } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const text = paramCountText({
 *   gpt2Small: { totalParams: 1000, decoderParams: 680 },
 *   opt350m: { decoderParams: 3000 },
 *   opt350mWithPositions: 3500,
 * });
 * assert.ok(text.includes("**1,000** parameters in all (HF's count), of which 680 (68 %)"));
 * assert.match(text, /3,000 decoder parameters, or 3,500 if its 2048 learned positions/);
 * ```
 */
export function paramCountText(input: {
  gpt2Small: Pick<ParamCount, "totalParams" | "decoderParams">;
  opt350m: Pick<ParamCount, "decoderParams">;
  opt350mWithPositions: number;
}): string {
  const { gpt2Small: small, opt350m: opt } = input;
  return `GPT-2 small has **${
    small.totalParams.toLocaleString("en")
  }** parameters in all (HF's count), of which ` +
    `${small.decoderParams.toLocaleString("en")} (${
      (100 * small.decoderParams / small.totalParams).toFixed(0)
    } %) are ` +
    `decoder parameters. The OPT-350M shape has ${
      opt.decoderParams.toLocaleString("en")
    } decoder parameters, or ` +
    `${
      input.opt350mWithPositions.toLocaleString("en")
    } if its 2048 learned positions are counted ` +
    `as the paper's OPT table does. Notebook 05 says which convention it uses.`;
}

/** The fields of a benchmark model the set table reads (a `BenchmarkModel` fits). */
export interface BenchmarkSetModel {
  set: string;
  kind: string;
  backbone: string;
  dataset: string;
  validPpl: number | null;
}

/**
 * Models per set of the published benchmark, and how many of them have a validation
 * perplexity, ordered by set name.
 *
 * @example
 * ```ts
 * import { benchmarkSetTable } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const t = benchmarkSetTable([
 *   { set: "b", kind: "random", backbone: "gpt2", dataset: "wt103", validPpl: 30 },
 *   { set: "a", kind: "pareto", backbone: "gpt2", dataset: "lm1b", validPpl: null },
 *   { set: "b", kind: "random", backbone: "gpt2", dataset: "wt103", validPpl: 31 },
 * ]);
 * assert.deepEqual(t.array("set"), ["a", "b"]);
 * assert.deepEqual(t.array("models"), [1, 2]);
 * assert.deepEqual(t.array("withPerplexity"), [0, 2]);
 * ```
 */
export function benchmarkSetTable(models: readonly BenchmarkSetModel[]): aq.ColumnTable {
  return aq.from(models as BenchmarkSetModel[])
    .groupby("set", "kind", "backbone", "dataset")
    .rollup({ models: aq.op.count(), withPerplexity: aq.op.valid("validPpl") })
    .orderby("set");
}

/**
 * The sentence on how many of our decoder counts match the published `nonembedding`, and how
 * many gaps of the published files were tolerated.
 *
 * @example
 * ```ts
 * import { paramsMatchText } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const text = paramsMatchText({ paramsCompared: 10, paramMismatches: [] }, 2);
 * assert.ok(text.includes("**10 of 10** models. 2 gaps"));
 * assert.doesNotMatch(paramsMatchText({ paramsCompared: 3, paramMismatches: [] }, 0), /gaps/);
 * ```
 */
export function paramsMatchText(
  check: Pick<ProxyCheck, "paramsCompared"> & { paramMismatches: readonly unknown[] },
  warnings: number,
): string {
  return `Our decoder-parameter counts match the published \`nonembedding\` of **${
    check.paramsCompared - check.paramMismatches.length
  } of ${check.paramsCompared}** models. ` +
    (warnings
      ? `${warnings} gaps in the published files were tolerated (models without a perplexity are left out of the statistics).`
      : "");
}

/** The fields of a benchmark model the perplexity plot reads (a `BenchmarkModel` fits). */
export interface RandomSetModel {
  set: string;
  kind: string;
  validPpl: number | null;
  decoderParams: number;
  totalParams: number;
}

/**
 * The models of the random sets that have a validation perplexity (what the proxy statistics
 * use).
 *
 * @example
 * ```ts
 * import { randomWithPerplexity } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const m = { set: "r", decoderParams: 1, totalParams: 2 };
 * assert.equal(randomWithPerplexity([
 *   { ...m, kind: "random", validPpl: 30 }, { ...m, kind: "random", validPpl: null },
 *   { ...m, kind: "pareto", validPpl: 40 },
 * ]).length, 1);
 * ```
 */
export function randomWithPerplexity<T extends RandomSetModel>(
  models: readonly T[],
): (T & { validPpl: number })[] {
  return models.filter((m): m is T & { validPpl: number } =>
    m.kind === "random" && m.validPpl !== null
  );
}

/** One point of the perplexity-against-parameters plot. */
export interface ParamsPerplexityPoint {
  set: string;
  /** Which count `params` is. */
  count: "decoder params" | "total params";
  params: number;
  validPpl: number;
}

/**
 * Each model twice, once with its decoder and once with its total parameters (a long table for
 * a faceted plot).
 *
 * @example
 * ```ts
 * import { paramsPerplexityPoints } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const points = paramsPerplexityPoints([{ set: "r", validPpl: 30, decoderParams: 5, totalParams: 9 }]);
 * assert.deepEqual(points.map((p) => [p.count, p.params]), [["decoder params", 5], ["total params", 9]]);
 * ```
 */
export function paramsPerplexityPoints(
  models: readonly { set: string; validPpl: number; decoderParams: number; totalParams: number }[],
): ParamsPerplexityPoint[] {
  return models.flatMap((m) => [
    { set: m.set, count: "decoder params", params: m.decoderParams, validPpl: m.validPpl },
    { set: m.set, count: "total params", params: m.totalParams, validPpl: m.validPpl },
  ]);
}

/** The rank agreement of one random set with −validation perplexity. */
export type ProxyAgreementRow = {
  set: string;
  n: number;
  spearmanDecoder: number;
  spearmanTotal: number;
  kendallDecoder: number;
  kendallTotal: number;
  /** Common ratio (%) of the top 20 %. */
  commonRatioDecoderTop20: number;
  commonRatioTotalTop20: number;
};

/**
 * One row per random set of a proxy check: Spearman ρ, Kendall τ and the top-20 % common
 * ratio of decoder and total parameters.
 *
 * @example
 * ```ts
 * import { proxyAgreementRows } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const s = { n: 9, spearmanDecoder: 0.9, spearmanTotal: 0.8, kendallDecoder: 0.7, kendallTotal: 0.6,
 *   commonRatioDecoder: { "20": 100 }, commonRatioTotal: { "20": 50 } };
 * const [row] = proxyAgreementRows({ sets: { r: s } });
 * assert.deepEqual([row.set, row.commonRatioDecoderTop20, row.commonRatioTotalTop20], ["r", 100, 50]);
 * ```
 */
export function proxyAgreementRows(
  check: { sets: Record<string, ProxyCheckSetFields> },
): ProxyAgreementRow[] {
  return Object.entries(check.sets).map(([set, s]) => ({
    set,
    n: s.n,
    spearmanDecoder: s.spearmanDecoder,
    spearmanTotal: s.spearmanTotal,
    kendallDecoder: s.kendallDecoder,
    kendallTotal: s.kendallTotal,
    commonRatioDecoderTop20: s.commonRatioDecoder["20"],
    commonRatioTotalTop20: s.commonRatioTotal["20"],
  }));
}

/** The fields of a set's proxy check that the rows read (a `SetProxyCheck` fits). */
export type ProxyCheckSetFields = Pick<
  SetProxyCheck,
  | "n"
  | "spearmanDecoder"
  | "spearmanTotal"
  | "kendallDecoder"
  | "kendallTotal"
  | "commonRatioDecoder"
  | "commonRatioTotal"
>;

/** One point of the common-ratio plot. */
export interface CommonRatioPoint {
  set: string;
  topPercent: number;
  proxy: "decoder params" | "total params";
  /** Common ratio in %. */
  commonRatio: number;
}

/**
 * The common ratio of every set, top-k % and proxy as a long table (a line per set and proxy).
 * Decoder and total parameters are paired by top-k key.
 *
 * @example
 * ```ts
 * import { commonRatioPoints } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const points = commonRatioPoints({ sets: { r: {
 *   commonRatioDecoder: { "10": 100, "20": 90 }, commonRatioTotal: { "20": 40, "10": 50 },
 * } } });
 * assert.deepEqual(points.map((p) => [p.topPercent, p.proxy, p.commonRatio]), [
 *   [10, "decoder params", 100], [10, "total params", 50],
 *   [20, "decoder params", 90], [20, "total params", 40],
 * ]);
 * ```
 */
export function commonRatioPoints(
  check: {
    sets: Record<
      string,
      Pick<ProxyCheckSetFields, "commonRatioDecoder" | "commonRatioTotal">
    >;
  },
): CommonRatioPoint[] {
  return Object.entries(check.sets).flatMap(([set, s]) =>
    Object.keys(s.commonRatioDecoder).flatMap((k) => [
      { set, topPercent: Number(k), proxy: "decoder params", commonRatio: s.commonRatioDecoder[k] },
      { set, topPercent: Number(k), proxy: "total params", commonRatio: s.commonRatioTotal[k] },
    ])
  );
}

/**
 * The homogeneous random set and the heterogeneous set it was sampled beside (its name without
 * `_homogeneous`), found by name. Throws when either is missing.
 *
 * @example
 * ```ts
 * import { homogeneousPair } from "./proxy_tables.ts";
 * import assert from "node:assert/strict";
 * const rows = [{ set: "x" }, { set: "x_homogeneous" }, { set: "y" }];
 * const pair = homogeneousPair(rows);
 * assert.deepEqual([pair.heterogeneous.set, pair.homogeneous.set], ["x", "x_homogeneous"]);
 * ```
 */
export function homogeneousPair<T extends { set: string }>(
  rows: readonly T[],
): { heterogeneous: T; homogeneous: T } {
  const suffix = "_homogeneous";
  const homogeneous = rows.find((r) => r.set.endsWith(suffix));
  if (!homogeneous) throw new Error(`no set named …${suffix}`);
  const name = homogeneous.set.slice(0, -suffix.length);
  const heterogeneous = rows.find((r) => r.set === name);
  if (!heterogeneous) throw new Error(`no set ${name} beside ${homogeneous.set}`);
  return { heterogeneous, homogeneous };
}

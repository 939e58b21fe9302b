/**
 * How well parameter counts rank trained models, per benchmark set: the computation behind
 * `lts proxy-check` (the paper's Figure 3 and 6b numbers).
 *
 * Ground truth is perplexity, lower is better (validation perplexity by default, as in the
 * paper); the proxy is a parameter count, more is better. Correlations are taken between the
 * proxy and −perplexity, so a positive value means "the proxy agrees".
 *
 * @module
 */
import { commonRatios, TOP_PERCENTS, topKSpearman } from "./common_ratio.ts";
import { kendall, spearman } from "./rank.ts";

/** Which published perplexity is the ground truth. */
export type PplMetric = "valid" | "test";

/** Which parameter counts serve as proxies: ours (lib/params) or `params_summary.yaml`'s. */
export type ParamSource = "computed" | "published";

/** The fields of a benchmark row that the proxy check reads (a `BenchmarkModel` has them all). */
export interface ProxyCheckRow {
  set: string;
  kind: string;
  modelId: string;
  validPpl: number | null;
  testPpl: number | null;
  decoderParams: number;
  totalParams: number;
  publishedNonembeddingParams: number | null;
  publishedTotalParams: number | null;
  /** Our decoder count with the formula the set's published numbers follow. */
  decoderParamsAsPublished: number;
}

/** Options of {@linkcode proxyCheck} and {@linkcode proxyCheckSet}. */
export interface ProxyCheckOptions {
  /** Ground truth; default `"valid"`. */
  metric?: PplMetric;
  /** Proxy counts; default `"computed"`. */
  params?: ParamSource;
  /** Top-k percentages of the common ratio; default 10, 20, …, 100. */
  percents?: readonly number[];
}

/** Rank agreement of decoder and total parameters with the ground truth, for one set. */
export interface SetProxyCheck {
  /** Models with a ground-truth perplexity (the others are left out). */
  n: number;
  spearmanDecoder: number;
  spearmanTotal: number;
  /** Kendall τ-b. */
  kendallDecoder: number;
  kendallTotal: number;
  /** Common ratio in % per top-k % (`"10"` … `"100"`). */
  commonRatioDecoder: Record<string, number>;
  commonRatioTotal: Record<string, number>;
  /**
   * Spearman ρ among the top-k % models by ground truth, per top-k % (the paper's Figure 6b
   * SRC curve); NaN (null in JSON) where fewer than 2 models.
   */
  topKSpearmanDecoder: Record<string, number>;
  topKSpearmanTotal: Record<string, number>;
}

/** A model whose published `nonembedding` differs from our count. */
export interface ParamMismatch {
  set: string;
  modelId: string;
  publishedNonembeddingParams: number;
  decoderParamsAsPublished: number;
}

/** The proxy check of a whole benchmark. */
export interface ProxyCheck {
  metric: PplMetric;
  params: ParamSource;
  /** One entry per random set, by set name. */
  sets: Record<string, SetProxyCheck>;
  /** Models (over all sets) with a published `nonembedding` count to compare. */
  paramsCompared: number;
  /** Those whose published count differs from our `decoderParamsAsPublished`. */
  paramMismatches: ParamMismatch[];
}

/**
 * The proxy check of one set's rows. Rows without the chosen perplexity are left out; rows
 * without published counts (when `params` is `"published"`) too. Throws a `RangeError` when
 * fewer than 2 rows remain.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyCheckSet } from "./proxy.ts";
 * const row = (id: string, ppl: number, dec: number, tot: number) => ({
 *   set: "s", kind: "random", modelId: id, validPpl: ppl, testPpl: null,
 *   decoderParams: dec, totalParams: tot, publishedNonembeddingParams: dec,
 *   publishedTotalParams: tot, decoderParamsAsPublished: dec,
 * });
 * const r = proxyCheckSet([row("a", 30, 9, 50), row("b", 40, 5, 60), row("c", 50, 1, 40)]);
 * assert.ok(Math.abs(r.spearmanDecoder - 1) < 1e-12); // 1 up to rounding
 * assert.equal(r.spearmanTotal, 0.5);
 * ```
 */
export function proxyCheckSet(
  rows: readonly ProxyCheckRow[],
  options: ProxyCheckOptions = {},
): SetProxyCheck {
  const metric = options.metric ?? "valid";
  const source = options.params ?? "computed";
  const truth: number[] = [];
  const decoder: number[] = [];
  const total: number[] = [];
  for (const row of rows) {
    const ppl = metric === "valid" ? row.validPpl : row.testPpl;
    const dec = source === "computed" ? row.decoderParams : row.publishedNonembeddingParams;
    const tot = source === "computed" ? row.totalParams : row.publishedTotalParams;
    if (ppl === null || dec === null || tot === null) continue;
    truth.push(-ppl);
    decoder.push(dec);
    total.push(tot);
  }
  const percents = options.percents ?? TOP_PERCENTS;
  return {
    n: truth.length,
    spearmanDecoder: spearman(decoder, truth),
    spearmanTotal: spearman(total, truth),
    kendallDecoder: kendall(decoder, truth),
    kendallTotal: kendall(total, truth),
    commonRatioDecoder: commonRatios(decoder, truth, percents),
    commonRatioTotal: commonRatios(total, truth, percents),
    topKSpearmanDecoder: topKSpearman(decoder, truth, percents),
    topKSpearmanTotal: topKSpearman(total, truth, percents),
  };
}

/**
 * Models whose published `nonembedding` count differs from our count (compared exactly; rows
 * without a published count are skipped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findParamMismatches } from "./proxy.ts";
 * const mismatches = findParamMismatches([{ set: "s", modelId: "M1", publishedNonembeddingParams: 10,
 *   decoderParamsAsPublished: 12 }]);
 * assert.equal(mismatches.length, 1);
 * ```
 */
export function findParamMismatches(
  rows: readonly Pick<
    ProxyCheckRow,
    "set" | "modelId" | "publishedNonembeddingParams" | "decoderParamsAsPublished"
  >[],
): ParamMismatch[] {
  const out: ParamMismatch[] = [];
  for (const row of rows) {
    const published = row.publishedNonembeddingParams;
    if (published !== null && published !== row.decoderParamsAsPublished) {
      out.push({
        set: row.set,
        modelId: row.modelId,
        publishedNonembeddingParams: published,
        decoderParamsAsPublished: row.decoderParamsAsPublished,
      });
    }
  }
  return out;
}

/**
 * The proxy check of every random set (`kind === "random"`), and the parameter-count
 * comparison over all rows.
 *
 * @example
 * ```ts
 * import { loadBenchmark } from "../benchmark/mod.ts";
 * import { proxyCheck } from "./proxy.ts";
 * const check = proxyCheck((await loadBenchmark()).models);
 * check.sets["random_GPT2_wt103"].spearmanDecoder > check.sets["random_GPT2_wt103"].spearmanTotal;
 * ```
 */
export function proxyCheck(
  rows: readonly ProxyCheckRow[],
  options: ProxyCheckOptions = {},
): ProxyCheck {
  const bySet = new Map<string, ProxyCheckRow[]>();
  for (const row of rows) {
    if (row.kind !== "random") continue;
    const list = bySet.get(row.set);
    if (list) list.push(row);
    else bySet.set(row.set, [row]);
  }
  const sets: Record<string, SetProxyCheck> = {};
  for (const name of [...bySet.keys()].sort()) {
    sets[name] = proxyCheckSet(bySet.get(name)!, options);
  }
  return {
    metric: options.metric ?? "valid",
    params: options.params ?? "computed",
    sets,
    paramsCompared: rows.filter((r) => r.publishedNonembeddingParams !== null).length,
    paramMismatches: findParamMismatches(rows),
  };
}

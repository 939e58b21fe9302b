/**
 * `lts proxy-check`: how well decoder and total parameter counts rank the trained models of
 * the published benchmark's random sets, and whether our parameter counts agree with the
 * published ones.
 *
 * @module
 */
import { loadBenchmark } from "../benchmark/load.ts";
import { BUNDLED_PACK_FILE, SAVED_LOGS_ENV, SAVED_LOGS_ORIGIN } from "../benchmark/paths.ts";
import { type ParamSource, type PplMetric, proxyCheck } from "../stats/proxy.ts";
import { InputError } from "../util/errors.ts";
import { choiceFlag, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: deno task lts proxy-check [--saved-logs PATH] [--metric valid|test]
                                  [--params computed|published]

Ranks the trained models of each random set of the published LiteTransformerSearch benchmark
by decoder parameters and by total parameters, and compares with their perplexity.
Prints one JSON object on stdout:
  { "<set>": { "n", "spearmanDecoder", "spearmanTotal", "kendallDecoder", "kendallTotal",
               "commonRatioDecoder": { "10": %, …, "100": % }, "commonRatioTotal": {…},
               "topKSpearmanDecoder": { "10": ρ, …, "100": ρ }, "topKSpearmanTotal": {…} },
    …, "metric", "params", "paramsCompared", "paramMismatches" }
Correlations are between parameters and −perplexity: positive means more parameters, lower
perplexity. Kendall is tau-b. The common ratio is the % of the top-k % by perplexity that are
also in the top-k % by parameters (top-k % = floor(k·n/100) models); topKSpearman is ρ among
the top-k % by perplexity only (the paper's Figure 6b; null if < 2 models). paramMismatches
counts models, over all sets, whose params_summary.yaml "nonembedding" differs from our count
(expected 0); they are listed on stderr.

Options:
  --saved-logs PATH the benchmark to read: a pack file or archai's raw saved_logs folder
                    (default: $${SAVED_LOGS_ENV}, else the pack bundled with the repository,
                    ${BUNDLED_PACK_FILE}, made from ${SAVED_LOGS_ORIGIN.repository}
                    branch ${SAVED_LOGS_ORIGIN.branch}, folder ${SAVED_LOGS_ORIGIN.folder},
                    commit ${SAVED_LOGS_ORIGIN.commit}; ${SAVED_LOGS_ORIGIN.licence} licence)
  --metric M        ground truth: valid (default, as in the paper) or test perplexity
  --params P        proxies: computed (default; lib/params counts) or published
                    (params_summary.yaml's nonembedding and total)`;

/**
 * The `proxy-check` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { command } from "./proxy_check.ts";
 * const code = await command.run(["--metric", "valid"]); // prints one JSON object
 * assert.equal(code, 0);
 * ```
 */
export const command: Command = {
  name: "proxy-check",
  summary: "rank correlation of parameter counts with published perplexity (random sets)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      "saved-logs": { type: "string" },
      metric: { type: "string" },
      params: { type: "string" },
    });
    if (positionals.length > 0) {
      throw new InputError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    }
    const metric = choiceFlag<PplMetric>(values, "metric", ["valid", "test"], "valid");
    const params = choiceFlag<ParamSource>(values, "params", ["computed", "published"], "computed");
    const savedLogs = values["saved-logs"];
    const bench = await loadBenchmark({
      source: typeof savedLogs === "string" ? savedLogs : undefined,
    });
    for (const line of bench.warnings) console.error(`lts proxy-check: warning: ${line}`);
    const check = proxyCheck(bench.models, { metric, params });
    for (const m of check.paramMismatches) {
      console.error(
        `lts proxy-check: ${m.set}/${m.modelId}: published nonembedding ` +
          `${m.publishedNonembeddingParams}, ours ${m.decoderParamsAsPublished}`,
      );
    }
    console.log(JSON.stringify({
      ...check.sets,
      metric: check.metric,
      params: check.params,
      paramsCompared: check.paramsCompared,
      paramMismatches: check.paramMismatches.length,
    }));
    return 0;
  },
};

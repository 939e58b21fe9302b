/**
 * The conclusions printed under each notebook, as functions from that notebook's numbers to
 * Markdown lines. They state only what the numbers show: correlations with their sign (or "no
 * clear relation"), and a difference between two measured values only when it exceeds the
 * noise measured between processes on this device (otherwise a tie within noise). Every data
 * string in a line (model, baseline and set names, failure reasons, objective and slice labels)
 * is escaped (`escapeMarkdown`, or `codeSpan` where it is shown as code), so it renders as its
 * literal text.
 *
 * @module
 */
import {
  codeSpan,
  escapeMarkdown as esc,
  formatCount,
  formatMiB,
  formatRatio,
} from "../plots/markdown.ts";
import type { HypervolumeRanges } from "./hypervolume_range.ts";
import { type SeedComparison, seedConclusion } from "./seed_spread.ts";
import { spearman } from "../stats/rank.ts";
import { compareMeasured, describeCorrelation, describeSpeed, percent } from "./wording.ts";

// ---------------------------------------------------------------------------------------------
// 01 · the proxy on the published benchmark

/** One random set's rank agreement with −validation perplexity. */
export interface ProxySetRow {
  set: string;
  spearmanDecoder: number;
  spearmanTotal: number;
}

/**
 * Conclusions of notebook 01. `rows` are the random sets; `homogeneousSet` and
 * `heterogeneousSet` name the pair compared side by side.
 *
 * @example
 * ```ts
 * import { proxyConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const lines = proxyConclusions({
 *   rows: [
 *     { set: "a", spearmanDecoder: 0.98, spearmanTotal: 0.9 },
 *     { set: "b_homogeneous", spearmanDecoder: 0.95, spearmanTotal: 0.33 },
 *   ],
 *   models: 400,
 *   homogeneousSet: "b_homogeneous",
 *   heterogeneousSet: "a",
 * });
 * assert.ok(lines[0].includes("between **+0.950** and **+0.980**"));
 * assert.match(lines[1], /beat total parameters in 2 of 2 sets/);
 * ```
 */
export function proxyConclusions(input: {
  rows: readonly ProxySetRow[];
  models: number;
  homogeneousSet: string;
  heterogeneousSet: string;
}): string[] {
  const { rows } = input;
  if (rows.length === 0) return ["- No random set with perplexities was loaded."];
  const exact = 1e-9;
  const wins = rows.filter((r) => r.spearmanDecoder > r.spearmanTotal + exact);
  const losses = rows.filter((r) => r.spearmanDecoder < r.spearmanTotal - exact);
  const ties = rows.filter((r) => Math.abs(r.spearmanDecoder - r.spearmanTotal) <= exact);
  const rhos = rows.map((r) => r.spearmanDecoder);
  const fmt = (x: number) => `${x < 0 ? "−" : "+"}${Math.abs(x).toFixed(3)}`;
  const worstTotal = rows.reduce((a, b) => (a.spearmanTotal < b.spearmanTotal ? a : b));
  const lines = [
    `- Decoder parameters rank the trained models of the ${rows.length} random sets (${
      formatCount(input.models)
    } models) against −validation perplexity with Spearman ρ between **${
      fmt(Math.min(...rhos))
    }** and **${fmt(Math.max(...rhos))}** (positive: more decoder parameters, lower perplexity).`,
    `- They beat total parameters in ${wins.length} of ${rows.length} sets${
      losses.length ? `, lose in ${losses.map((t) => codeSpan(t.set)).join(", ")}` : ""
    }${
      ties.length
        ? ` and tie exactly in ${
          ties.map((t) => codeSpan(t.set)).join(", ")
        } (where both counts order the models the same way)`
        : ""
    }. Total parameters do worst on ${codeSpan(worstTotal.set)} (ρ = ${
      fmt(worstTotal.spearmanTotal)
    }, against ${fmt(worstTotal.spearmanDecoder)} for decoder parameters).`,
  ];
  const homo = rows.find((r) => r.set === input.homogeneousSet);
  const hetero = rows.find((r) => r.set === input.heterogeneousSet);
  if (homo && hetero) {
    lines.push(
      `- With homogeneous layers ρ(decoder) = ${fmt(homo.spearmanDecoder)}, with heterogeneous ` +
        `layers ${fmt(hetero.spearmanDecoder)}${
          hetero.spearmanDecoder >= 0.9
            ? ": the proxy holds for heterogeneous decoders too, which is what lets the search skip training."
            : "."
        }`,
    );
  }
  return lines;
}

/** One Pareto set's frontier distance, as {@linkcode frontierDistanceConclusions} reads it. */
export interface FrontierDistanceSummary {
  set: string;
  models: number;
  proxyFrontier: number;
  proxyOnHull: number;
  dAvg: number | null;
  dAvgVsFrontier: number | null;
  note: string | null;
}

/**
 * Conclusions of notebook 01's frontier-distance section (rows of `frontierDistanceRows`): the
 * range of d_avg over the sets, where the hull recalibration raises or lowers it, and which sets
 * have no d_avg and why. Published numbers without a noise figure: they are compared as printed
 * (equal means equal to 0.01 %, the precision shown).
 *
 * @example
 * ```ts
 * import { frontierDistanceConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const lines = frontierDistanceConclusions([
 *   { set: "a", models: 40, proxyFrontier: 30, proxyOnHull: 6, dAvg: 0.021, dAvgVsFrontier: 0.01, note: null },
 *   { set: "b", models: 30, proxyFrontier: 20, proxyOnHull: 5, dAvg: 0.009, dAvgVsFrontier: 0.001, note: null },
 * ]);
 * assert.ok(lines[0].includes("between **0.90 %** (`b`) and **2.10 %** (`a`)"));
 * assert.match(lines[1], /11 of the 50/);
 * assert.match(lines[2], /higher against the hull in 2 of 2 sets/);
 * ```
 */
export function frontierDistanceConclusions(rows: readonly FrontierDistanceSummary[]): string[] {
  const given = rows.filter((r) => r.dAvg !== null && r.dAvgVsFrontier !== null);
  const missing = rows.filter((r) => r.dAvg === null || r.dAvgVsFrontier === null);
  const missingLines = missing.map((r) =>
    `- ${codeSpan(r.set)}: no d_avg (${esc(r.note ?? "not computed")}).`
  );
  if (given.length === 0) {
    return [`- No Pareto set allows a comparison of the two frontiers.`, ...missingLines];
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)} %`;
  const low = given.reduce((a, b) => (a.dAvg! <= b.dAvg! ? a : b));
  const high = given.reduce((a, b) => (a.dAvg! >= b.dAvg! ? a : b));
  const range = given.length === 1
    ? `is **${pct(low.dAvg!)}** (${codeSpan(low.set)})`
    : `lies between **${pct(low.dAvg!)}** (${codeSpan(low.set)}) and **${pct(high.dAvg!)}** (${
      codeSpan(high.set)
    })`;
  const picked = given.reduce((s, r) => s + r.proxyFrontier, 0);
  const onHull = given.reduce((s, r) => s + r.proxyOnHull, 0);
  const shown = (x: number) => Math.round(1e4 * x);
  const higher = given.filter((r) => shown(r.dAvg!) > shown(r.dAvgVsFrontier!));
  const lower = given.filter((r) => shown(r.dAvg!) < shown(r.dAvgVsFrontier!));
  const same = given.length - higher.length - lower.length;
  return [
    `- Over ${given.length} Pareto set${
      given.length === 1 ? "" : "s"
    }, d_avg (the mean relative perplexity gap between the proxy's frontier and the lower convex hull of the perplexity frontier, at the nearest latency) ${range}: choosing by decoder parameters instead of trained perplexity costs that much perplexity on average, among these models.`,
    `- ${onHull} of the ${picked} models on the proxy frontiers are vertices of the hull; the others are matched to the nearest vertex in latency, which is where the gap comes from.`,
    `- Against the plain non-dominated frontier (no hull), d_avg is ${
      given.map((r) => `${pct(r.dAvgVsFrontier!)} for ${codeSpan(r.set)}`).join(", ")
    }: higher against the hull in ${higher.length} of ${given.length} sets${
      lower.length ? `, lower in ${lower.length}` : ""
    }${same ? `, the same to 0.01 % in ${same}` : ""}.${
      higher.length
        ? " Where it is higher, the hull has fewer points, so a proxy model is matched to a vertex farther away in latency."
        : ""
    }`,
    ...missingLines,
    `- Every model of these sets was already picked by the paper's own search on that device and then trained, so this is the gap within near-optimal models, not over the whole search space.`,
  ];
}

// ---------------------------------------------------------------------------------------------
// 02 · aspect ratio

/** The max/min spread of one budget's models. */
export interface SpreadRow {
  budget: string;
  latencySpread: number;
  memorySpread: number;
}

/** A measured model of the aspect-ratio study. */
export interface AspectModel {
  budget: string;
  nLayer: number;
  dModel: number;
  latencyP50Ms: number;
  vocabSize: number;
}

/**
 * Conclusions of notebook 02. `noise` is the relative latency difference below which two
 * models tie (see `latencyTieThreshold`); memory is compared exactly (repeatable to ~1 MB).
 *
 * @example
 * ```ts
 * import { aspectRatioConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const lines = aspectRatioConclusions({
 *   spreads: [{ budget: "5.0 M", latencySpread: 1.02, memorySpread: 2 }],
 *   models: [
 *     { budget: "5.0 M", nLayer: 20, dModel: 128, latencyP50Ms: 10.1, vocabSize: 50257 },
 *     { budget: "5.0 M", nLayer: 2, dModel: 512, latencyP50Ms: 9.9, vocabSize: 50257 },
 *   ],
 *   noise: 0.05,
 *   failed: [],
 * });
 * assert.match(lines[0], /within the 5.0 % noise/);
 * assert.match(lines[1], /tie within the 5.0 % noise/);
 * ```
 */
export function aspectRatioConclusions(input: {
  spreads: readonly SpreadRow[];
  models: readonly AspectModel[];
  noise: number;
  failed: readonly { name: string; reason: string }[];
}): string[] {
  const { spreads, models, noise } = input;
  if (spreads.length === 0 || models.length === 0) {
    return ["- Nothing was measured.", ...failedLine(input.failed)];
  }
  const worstLatency = spreads.reduce((a, b) => (a.latencySpread > b.latencySpread ? a : b));
  const worstMemory = spreads.reduce((a, b) => (a.memorySpread > b.memorySpread ? a : b));
  const ofBudget = models.filter((m) => m.budget === worstLatency.budget);
  const deepest = ofBudget.reduce((a, b) => (a.nLayer > b.nLayer ? a : b));
  const widest = ofBudget.reduce((a, b) => (a.nLayer < b.nLayer ? a : b));
  const latencyText = worstLatency.latencySpread - 1 <= noise
    ? `latency on this device varies by at most ${
      formatRatio(worstLatency.latencySpread)
    }, within the ${percent(noise)} noise`
    : `latency on this device varies up to **${formatRatio(worstLatency.latencySpread)}** (budget ${
      esc(worstLatency.budget)
    })`;
  const cmp = compareMeasured(deepest.latencyP50Ms, widest.latencyP50Ms, noise);
  const verdict = cmp === "higher"
    ? "depth costs more than width here"
    : cmp === "lower"
    ? "width costs more than depth here"
    : `a tie within the ${percent(noise)} noise`;
  return [
    `- At equal decoder parameters, ${latencyText}, and peak memory up to **${
      formatRatio(worstMemory.memorySpread)
    }** (budget ${
      esc(worstMemory.budget)
    }). The paper reported up to 2.8× and 5.5× on its hardware.`,
    `- At ${
      esc(worstLatency.budget)
    }, the deepest model (${deepest.nLayer} layers × d_model ${deepest.dModel}) runs in ${
      deepest.latencyP50Ms.toFixed(1)
    } ms and the shallowest (${widest.nLayer} × ${widest.dModel}) in ${
      widest.latencyP50Ms.toFixed(1)
    } ms: ${verdict}.`,
    `- The token embedding (vocabulary × d_model, fp32), which the proxy leaves out, grows with width: ${
      formatMiB(4 * widest.vocabSize * widest.dModel)
    } for d_model ${widest.dModel}, against ${
      formatMiB(4 * deepest.vocabSize * deepest.dModel)
    } for d_model ${deepest.dModel}.`,
    `- The proxy cannot tell these models apart; only measuring on the device separates them.`,
    ...failedLine(input.failed, models.length),
  ];
}

function failedLine(
  failures: readonly { name: string; reason: string }[],
  succeededCount?: number,
): string[] {
  if (failures.length > 0) {
    return [
      `- ${failures.length} measurement${failures.length === 1 ? "" : "s"} failed: ${
        failures.map((f) => `${esc(f.name)}: ${esc(f.reason)}`).join("; ")
      }.`,
    ];
  }
  return succeededCount === undefined ? [] : [`- All ${succeededCount} measurements succeeded.`];
}

// ---------------------------------------------------------------------------------------------
// 03 · heterogeneous vs homogeneous vs the layer-scaled baseline

/** Ratios for one baseline (baseline ÷ best frontier model with ≥ its decoder parameters). */
export interface BaselineRatioRow {
  baseline: string;
  decoderParams: number;
  heteroLatencyRatio: number | null;
  homoLatencyRatio: number | null;
  heteroMemoryRatio: number | null;
  homoMemoryRatio: number | null;
}

/**
 * Conclusions of notebook 03.
 *
 * @example
 * ```ts
 * import { heteroHomoConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const lines = heteroHomoConclusions({
 *   ratios: [{ baseline: "L2", decoderParams: 14e6, heteroLatencyRatio: 1.5, homoLatencyRatio: 1.02,
 *     heteroMemoryRatio: 1.2, homoMemoryRatio: 1.1 }],
 *   hypervolumes: { bounds: {} as never, reference: 1.1, winner: undefined, ranges: {
 *     heterogeneous: { value: 0.669, low: 0.64, high: 0.7 },
 *     homogeneous: { value: 0.671, low: 0.64, high: 0.7 },
 *   } },
 *   noise: 0.05,
 *   iterations: 5,
 * });
 * assert.match(lines[0], /1\.50× faster than/);
 * assert.match(lines.join("\n"), /tie within noise/);
 * ```
 */
export function heteroHomoConclusions(input: {
  ratios: readonly BaselineRatioRow[];
  hypervolumes: HypervolumeRanges;
  noise: number;
  iterations: number;
  /** Candidates proposed per iteration after the first (default: the iterations alone are named). */
  population?: number;
  /** The comparison over seeds (`compareSeeds`), when the searches ran with several. */
  seeds?: SeedComparison;
}): string[] {
  const { ratios, noise } = input;
  const matched = ratios.filter((r) => r.heteroLatencyRatio !== null);
  const lines: string[] = [];
  if (matched.length > 0) {
    const best = matched.reduce((a, b) => (a.heteroLatencyRatio! > b.heteroLatencyRatio! ? a : b));
    const speed = describeSpeed(1, best.heteroLatencyRatio!, noise);
    lines.push(
      `- For ${esc(best.baseline)} (${
        formatCount(best.decoderParams)
      } decoder parameters) the heterogeneous frontier has a model with at least as many decoder parameters that is **${speed}** the baseline on this device${
        best.heteroMemoryRatio
          ? best.heteroMemoryRatio >= 1
            ? `, and one that needs ${
              formatRatio(best.heteroMemoryRatio)
            } less peak memory (baseline ÷ model)`
            : `, and one that needs ${
              formatRatio(1 / best.heteroMemoryRatio)
            } more peak memory (model ÷ baseline)`
          : ""
      }.`,
    );
  } else {
    lines.push(
      `- No heterogeneous frontier model matched a baseline's decoder parameters within this budget.`,
    );
  }
  lines.push(
    `- Baselines matched by a frontier model: heterogeneous ${matched.length} of ${ratios.length}, homogeneous ${
      ratios.filter((r) => r.homoLatencyRatio !== null).length
    } of ${ratios.length}.`,
  );
  const hv = input.hypervolumes;
  const listed = Object.entries(hv.ranges).map(([k, r]) =>
    `${esc(k)} ${r.value.toFixed(3)} (${r.low.toFixed(3)}–${r.high.toFixed(3)})`
  ).join(", ");
  lines.push(
    `- Hypervolume, with its range if every latency and memory were off by the measured noise: ${listed}. ` +
      (hv.winner
        ? `The **${
          esc(hv.winner)
        }** frontier covers the most of the objective space, beyond the noise.`
        : `The ranges overlap: no frontier covers more of the objective space than another beyond the noise (a tie within noise).`),
  );
  if (input.seeds) lines.push(seedConclusion(input.seeds));
  lines.push(
    input.iterations >= 30
      ? `- The searches ran the paper's budget (${input.iterations} iterations${
        input.population ? ` of ${input.population}` : ""
      }). The run folders let anyone extend them with \`deno task lts search … --resume\`.`
      : `- These are short searches (${input.iterations} iterations) on a capped parameter range, so they show direction rather than the paper's converged numbers. The run folders let anyone continue them with \`deno task lts search … --resume\`.`,
  );
  return lines;
}

// ---------------------------------------------------------------------------------------------
// 04 · the 3-D view

/**
 * Conclusions of notebook 04. `pairs` are tie pairs already filtered to differ by more than the
 * noise on their third objective.
 *
 * @example
 * ```ts
 * import { pareto3dConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const lines = pareto3dConclusions({
 *   frontier: 5, models: 40, slices: [{ label: "params vs latency", lost: 2 }],
 *   pairs: [{ a: "2×d256", b: "4×d128", differsOn: "peak memory", ratio: 1.4 }],
 *   objectives: ["decoder params", "latency", "peak memory"], noise: 0.04, minRatio: 1.2,
 * });
 * assert.match(lines[1], /1\.40×/);
 * ```
 */
export function pareto3dConclusions(input: {
  frontier: number;
  models: number;
  slices: readonly { label: string; lost: number }[];
  pairs: readonly { a: string; b: string; differsOn: string; ratio: number }[];
  objectives: readonly string[];
  noise: number;
  minRatio: number;
}): string[] {
  const top = input.pairs[0];
  const byObjective = input.objectives.map((n) => ({
    n,
    count: input.pairs.filter((p) => p.differsOn === n).length,
  }));
  const lines = [
    `- ${input.frontier} of ${input.models} measured candidates are Pareto-optimal in 3-D. The 2-D slices drop ${
      input.slices.map((s) => `${s.lost} of them in "${esc(s.label)}"`).join(", ")
    }.`,
    top
      ? `- The most different tie: ${esc(top.a)} and ${
        esc(top.b)
      } agree within 5 % on two objectives but differ **${formatRatio(top.ratio)}** in ${
        esc(top.differsOn)
      }.`
      : `- No pair of candidates tied within 5 % on two objectives while differing by ${
        formatRatio(input.minRatio)
      } or more on the third in this run.`,
    `- Tie pairs found (third objective differing by ≥ ${formatRatio(input.minRatio)}, above the ${
      percent(input.noise)
    } latency noise), by that objective: ${
      byObjective.map((b) => `${esc(b.n)} ${b.count}`).join(", ")
    }.`,
  ];
  const latencyPairs = byObjective.find((b) => b.n === "latency")?.count ?? 0;
  const memoryPairs = byObjective.find((b) => b.n === "peak memory")?.count ?? 0;
  if (latencyPairs > 0 && memoryPairs > 0) {
    lines.push(
      `- Models that tie on parameters and memory can differ in latency, and the other way round: on this device latency and memory are not interchangeable, so the search measures both.`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// 05 · OPT-350M-scale architectures

/** One measured candidate of notebook 05. */
export interface OptCandidateRow {
  name: string;
  latencyP50Ms: number;
  decoderParamsWithPositions: number;
  moreParamsThanBaseline: boolean;
}

/**
 * Conclusions of notebook 05.
 *
 * @example
 * ```ts
 * import { optConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const lines = optConclusions({
 *   seqLen: 2048, baseline: { latencyP50Ms: 1000, runs: 3 },
 *   candidates: [
 *     { name: "M1", latencyP50Ms: 980, decoderParamsWithPositions: 3.1e8, moreParamsThanBaseline: true },
 *     { name: "M2", latencyP50Ms: 800, decoderParamsWithPositions: 3.2e8, moreParamsThanBaseline: true },
 *   ],
 *   noise: 0.03, failed: [],
 * });
 * assert.match(lines[1], /1 of 2 paper architectures are faster than the baseline beyond/);
 * assert.match(lines[1], /1 ties/);
 * ```
 */
export function optConclusions(input: {
  seqLen: number;
  baseline: { latencyP50Ms: number; runs: number };
  candidates: readonly OptCandidateRow[];
  noise: number;
  failed: readonly { name: string; reason: string }[];
}): string[] {
  const { baseline, candidates, noise } = input;
  const verdict = (c: OptCandidateRow) =>
    compareMeasured(c.latencyP50Ms, baseline.latencyP50Ms, noise);
  const faster = candidates.filter((c) => verdict(c) === "lower");
  const ties = candidates.filter((c) => verdict(c) === "tie");
  const fasterAndBigger = faster.filter((c) => c.moreParamsThanBaseline);
  const best = candidates.length
    ? candidates.reduce((a, b) => (a.latencyP50Ms < b.latencyP50Ms ? a : b))
    : undefined;
  return [
    `- On this device at seq len ${input.seqLen}, the baseline takes **${
      baseline.latencyP50Ms.toFixed(0)
    } ms** per forward pass (p50 of ${baseline.runs} runs).`,
    `- ${faster.length} of ${candidates.length} paper architectures are faster than the baseline beyond the ${
      percent(noise)
    } noise${
      ties.length
        ? ` and ${ties.length} ${ties.length === 1 ? "ties" : "tie"} with it within noise`
        : ""
    }; ${fasterAndBigger.length} of the faster ones ${
      fasterAndBigger.length === 1 ? "has" : "have"
    } at least the baseline's decoder parameters (paper's convention), which by the proxy makes them at least as accurate${
      best
        ? `. The fastest is ${esc(best.name)} (${
          formatCount(best.decoderParamsWithPositions)
        } parameters), ${
          describeSpeed(best.latencyP50Ms, baseline.latencyP50Ms, noise)
        } the baseline`
        : ""
    }.`,
    `- The paper's speed-ups were measured on a GPU (A6000). On a CPU the ranking can differ, because wide matrix multiplications and many small layers do not cost the same on the two; that is the case for searching on the target device itself.`,
    ...failedLine(input.failed, candidates.length + 1),
  ];
}

// ---------------------------------------------------------------------------------------------
// 06 · text prediction

/** One measured model of notebook 06. */
export interface TextPredictionRow {
  name: string;
  nLayer: number;
  dModel: number;
  decoderParams: number;
  totalParams: number;
  promptLatencyP50Ms: number;
  tokenLatencyP50Ms: number;
  latencyPerTokenP95Ms: number;
  paperPromptLatencyMs: number;
  paperTokenLatencyMs: number;
}

/**
 * Conclusions of notebook 06. `tokenNoise` and `promptNoise` are the tie thresholds of token and
 * prompt latency measured here; the study's own numbers come without a noise figure and are
 * taken as printed.
 *
 * @example
 * ```ts
 * import { textPredictionConclusions } from "./conclusions.ts";
 * import assert from "node:assert/strict";
 * const row = (name: string, tl: number, paperTl: number, totalParams: number, nLayer: number) => ({
 *   name, nLayer, dModel: 1024, decoderParams: 1e8, totalParams, promptLatencyP50Ms: 40,
 *   tokenLatencyP50Ms: tl, latencyPerTokenP95Ms: tl + 1, paperPromptLatencyMs: 47,
 *   paperTokenLatencyMs: paperTl,
 * });
 * const lines = textPredictionConclusions({
 *   baseline: row("baseline", 10, 11.8, 2e8, 12),
 *   candidates: [row("C1", 10.2, 7.6, 2.6e8, 7), row("C2", 8, 6.6, 2.6e8, 6)],
 *   tokenNoise: 0.05, promptNoise: 0.05, promptLen: 64,
 * });
 * assert.match(lines.join("\n"), /1 of 2 candidates/);
 * assert.match(lines.join("\n"), /C1: token latency ties with the baseline's within the 5.0 % noise/);
 * ```
 */
export function textPredictionConclusions(input: {
  baseline: TextPredictionRow;
  candidates: readonly TextPredictionRow[];
  tokenNoise: number;
  promptNoise: number;
  promptLen: number;
}): string[] {
  const { baseline: base, candidates: others, tokenNoise } = input;
  const lines = [
    `- Baseline (${base.nLayer} layers, d_model ${base.dModel}, ${
      formatCount(base.decoderParams)
    } decoder parameters): prompt latency **${
      base.promptLatencyP50Ms.toFixed(1)
    } ms** for ${input.promptLen} tokens, token latency **${
      base.tokenLatencyP50Ms.toFixed(1)
    } ms**, latency per generated token p95 ${
      base.latencyPerTokenP95Ms.toFixed(1)
    } ms on this device.`,
  ];
  if (others.length === 0) return [...lines, "- Only the baseline was measured."];
  const here = (r: TextPredictionRow) =>
    compareMeasured(r.tokenLatencyP50Ms, base.tokenLatencyP50Ms, tokenNoise);
  const study = (r: TextPredictionRow) =>
    compareMeasured(r.paperTokenLatencyMs, base.paperTokenLatencyMs, 0);
  const resolved = others.filter((r) => here(r) !== "tie");
  const agree = resolved.filter((r) => here(r) === study(r));
  const fastest = others.reduce((a, b) => (a.tokenLatencyP50Ms < b.tokenLatencyP50Ms ? a : b));
  lines.push(
    `- Among the candidates, ${
      esc(fastest.name)
    } (${fastest.nLayer} × d${fastest.dModel}) has the lowest token latency here: ${
      fastest.tokenLatencyP50Ms.toFixed(1)
    } ms, ${
      describeSpeed(fastest.tokenLatencyP50Ms, base.tokenLatencyP50Ms, tokenNoise)
    } the baseline. The study measured it ${
      describeSpeed(fastest.paperTokenLatencyMs, base.paperTokenLatencyMs, 0)
    } its baseline.`,
    `- Token latency against the baseline: ${resolved.length} of ${others.length} candidates differ from it here beyond the ${
      percent(tokenNoise)
    } noise, and for ${agree.length} of those ${resolved.length} this device and the study agree on the direction${
      others.length - resolved.length
        ? `; ${others.length - resolved.length} tie with the baseline within noise here`
        : ""
    }.`,
    ...others.map((r) => {
      const verdict = here(r);
      const token = verdict === "tie"
        ? `token latency ties with the baseline's within the ${percent(tokenNoise)} noise`
        : `token latency ${
          formatRatio(r.tokenLatencyP50Ms / base.tokenLatencyP50Ms)
        } the baseline's`;
      return `- ${esc(r.name)}: ${token}, with ${
        formatRatio(r.totalParams / base.totalParams)
      } its total weights and ${formatRatio(r.nLayer / base.nLayer)} its layers.`;
    }),
  );
  const all = [base, ...others];
  const tl = all.map((r) => r.tokenLatencyP50Ms);
  const rhoWeights = spearman(tl, all.map((r) => r.totalParams));
  const rhoDepth = spearman(tl, all.map((r) => r.nLayer));
  lines.push(
    `- Over all ${all.length} models: ${
      describeCorrelation("token latency", "total weights", rhoWeights, all.length)
    }; ${describeCorrelation("token latency", "depth", rhoDepth, all.length)}.`,
    `- Each token pass reads every weight once, the tied LM head included, so on a memory-bound CPU token latency would be expected to rise with total weights${
      all.length >= 4 && rhoWeights >= 0.3
        ? "; the measurements here are consistent with that"
        : "; the measurements here do not show that clearly"
    }. Prompt latency (${input.promptLen} tokens) is compute-bound instead. Which one matters depends on the prompt length and the number of tokens generated, which a user should set to match their product.`,
  );
  return lines;
}

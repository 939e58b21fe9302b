/**
 * `deno task lts search`: the training-free, hardware-aware evolutionary search (Algorithm 1 of
 * LiteTransformerSearch), or a random-search baseline with the same budget, measuring every
 * candidate with the profiler on this device and checkpointing into a run directory.
 *
 * @module
 */
import { join } from "node:path";
import { detectDevice, deviceFingerprint } from "../profile/fingerprint.ts";
import { DIALECTS } from "../onnx/gpt2.ts";
import type { ProfileSchedule } from "../profile/profile.ts";
import { type ProfileSettings, PROVIDERS, validateProfileSettings } from "../profile/settings.ts";
import { compactArch } from "../arch/validate.ts";
import {
  baselineJson,
  baselinePoints,
  layerScaledBaselines,
  measureBaselines,
  parseBaselineLines,
} from "../search/baselines.ts";
import type { BaselineRecord } from "../search/baselines.ts";
import { compareWithBaselines, frontierHypervolumes } from "../search/compare.ts";
import { type SearchOptions, STRATEGIES, validateSearchOptions } from "../search/options.ts";
import { spaceOperators } from "../search/operators.ts";
import { renderSearchProgress } from "../search/progress.ts";
import {
  deviceRunConfig,
  profilerMeasures,
  resolveSearchCost,
  type SearchCostInput,
} from "../search/device.ts";
import {
  COST_MODES,
  type CostMode,
  DEFAULT_VERIFY_MAX,
  MARGIN_LIMIT,
  predictedMeasure,
  VERIFY_MAX_LIMIT,
} from "../search/cost.ts";
import { runCostSearchInDir } from "../search/cost_run.ts";
import type { VerificationProgress } from "../search/verify.ts";
import { ProgressBar } from "../profile/progress.ts";
import { loadRun, prepareRunDir, type RunConfig } from "../search/run_dir.ts";
import type { FrontierPoint, Measure, SearchProgress } from "../search/types.ts";
import { frontierPoint } from "../search/algorithm.ts";
import { getSpace, type SearchSpace, type SpaceOptions } from "../space/mod.ts";
import { PRESET_NAMES } from "../space/types.ts";
import { InputError } from "../util/errors.ts";
import { checkWritableDir, pathExists, writeFileAtomic } from "../util/fs.ts";
import { choiceFlag, numberFlag, parseFlags } from "./args.ts";
import { onInterrupt } from "./interrupt.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: deno task lts search --preset NAME --out RUN_DIR [options] [--resume]

Training-free, hardware-aware architecture search (LiteTransformerSearch, Algorithm 1) over three
objectives: decoder parameters (maximised; the perplexity proxy), latency p50 and peak memory
(minimised), each candidate measured by the profiler on this device.

Iteration 0 measures --population random architectures. Each later iteration takes the Pareto
frontier of everything measured so far, draws --parents parents from it (with replacement,
favouring those used least), makes --mutations mutations (each gene re-drawn with probability
--mutation-prob) and --crossovers uniform crossovers that are valid and never seen before, and
measures only those. --strategy random proposes as many new random architectures instead.

Space:
  --preset NAME              ${PRESET_NAMES.join(", ")} (gpt2 backbones only: the
                             profiler emits gpt2). Embedding genes are searched as the preset
                             has them: plain embeddings get the tied LM head, projected or
                             adaptive ones (lts-gpt2: dEmbed, divVal) archai's tied adaptive
                             softmax
  --homogeneous              one n_head/d_inner for every layer
  --d-inner-ratio R          d_inner >= R·d_model (default per preset)
  --min-decoder-params N     inclusive bounds on decoder parameters (never proposed outside)
  --max-decoder-params N
Search:
  --strategy S               evolution (default) or random (same budget)
  --iterations N             iterations, the random initial population included (default 30)
  --population N             initial population (default 100); alone, it also sets the split
                             parents/mutations/crossovers 20:40:40
  --parents N                parents per iteration (default 20)
  --mutations N              mutations per iteration (default 40)
  --crossovers N             crossovers per iteration (default 40)
  --mutation-prob P          per-gene mutation probability (default 0.3)
  --dominance D              standard (default) or strict (archai: dominated only when beaten
                             in all three objectives at once)
  --seed S                   seed (default 0); the same seed gives the same search
  --max-latency-ms X         budgets: candidates above are recorded as over-budget and kept
  --max-memory-mb Y          off the frontier (memory in MiB, 2^20 bytes)
Measurement:
  --seq-len N                tokens per forward pass (default 192, batch 1)
  --threads N                ONNX Runtime intra-op threads (default 1)
  --dialect D                ${DIALECTS.join(" or ")} ONNX graph (default fast)
  --provider P               ONNX Runtime execution provider: ${
  PROVIDERS.join(" or ")
} (default cpu)
  --process-repeats K        measure each candidate in K fresh processes and keep the median
                             one by p50 (default 1; p50s of separate processes differ by a few
                             per cent, more than the stopping rule's 1 %)
Cost (where each candidate's latency and memory come from):
  --cost MODE                measured (default): every candidate measured by the profiler;
                             predicted: every cost predicted by this device's calibrated cost
                             model (lts costmodel), nothing measured; verified: the search runs
                             on predictions, then the candidates on or near the predicted
                             frontier are measured and the final frontier is theirs. A missing
                             calibration is measured first (about 2.5 min) and stored
  --calibration FILE         the calibration to use (default: the stored one of this device and
                             settings); one from another device: --cost predicted only
  --verify-margin M          verified: measure every candidate that predictions at most a factor
                             1 + M off could put on the frontier (default (1 + e)^2 - 1 per
                             objective, e the 95th percentile of the calibration's held-out
                             error once its common bias is taken out, or of its in-sample error
                             when it was never validated)
  --verify-max N             verified: measure at most N candidates: the predicted frontier
                             by greedy hypervolume, then the rest by slack (default ${DEFAULT_VERIFY_MAX})
Run:
  --out RUN_DIR              run directory (must be new or empty, unless --resume)
  --resume                   continue the run in RUN_DIR (killed at any point); options must
                             equal the run's; nothing already measured is measured again
  --baselines                then measure GPT-2 small's block with 1-16 layers the same way
                             (Transformer-XL base's block: parameters only) and compare
  --overlap-session-creation create the next candidate's session during this one's timed runs
                             (another core): hides part of the overhead, but it may
                             disturb the timing; check with deno task bench first (default off)
  -h, --help                 this text

RUN_DIR gets run.json (options, cost mode and calibration), device.json (device fingerprint),
candidates.jsonl (every candidate: arch, decoderParams, latencyMs {p50, p10, p90, mean, n},
peakMemoryBytes, costSource measured | predicted with its calibrationId, status ok | over-budget |
failed, reason, iteration, origin; appended after every candidate), candidates.csv,
frontier.jsonl (the frontier after each iteration), with --cost verified verified.jsonl (each
measured candidate) and verification.json (margin, selection, prediction error, the measured
frontier), and with --baselines baselines.jsonl and comparison.json. Progress goes to stderr;
the final frontier to stdout, one JSON line per model: {"id", "decoderParams", "latencyP50Ms",
"peakMemoryBytes", "costSource", "arch"}.

Examples:
  deno task lts search --preset lts-gpt2 --out data/runs/gpt2-evo --seed 1
  deno task lts search --preset lts-gpt2 --out data/runs/gpt2-random --seed 1 --strategy random
  deno task lts search --preset lts-gpt2 --out data/runs/gpt2-evo --seed 1 --resume
  deno task lts search --preset lts-gpt2 --cost verified --out data/runs/gpt2-verified
  deno task lts search --preset lts-gpt2 --homogeneous --iterations 5 --population 20 \\
    --max-latency-ms 50 --out data/runs/quick`;

/** Configuration paths of `run.json` and the flags that set them, for resume errors. */
export const FLAG_OF_PATH: Readonly<Record<string, string>> = {
  "space.preset": "--preset",
  "space.homogeneous": "--homogeneous",
  "space.dInnerRatio": "--d-inner-ratio",
  "search.strategy": "--strategy",
  "search.iterations": "--iterations",
  "search.population": "--population",
  "search.parents": "--parents",
  "search.mutations": "--mutations",
  "search.crossovers": "--crossovers",
  "search.mutationProb": "--mutation-prob",
  "search.dominance": "--dominance",
  "search.seed": "--seed",
  "search.minDecoderParams": "--min-decoder-params",
  "search.maxDecoderParams": "--max-decoder-params",
  "search.maxLatencyMs": "--max-latency-ms",
  "search.maxMemoryBytes": "--max-memory-mb",
  "profile.seqLen": "--seq-len",
  "profile.threads": "--threads",
  "profile.dialect": "--dialect",
  "profile.provider": "--provider",
  "profile.processRepeats": "--process-repeats",
  cost: "--cost",
  "cost.mode": "--cost",
  "cost.calibrationKey": "--calibration",
  "cost.calibrationId": "--calibration",
  "cost.margin": "--verify-margin",
  "cost.margin.latency": "--verify-margin",
  "cost.margin.memory": "--verify-margin",
  "cost.verifyMax": "--verify-max",
};

const FLAG_OF_OPTION: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FLAG_OF_PATH).map(([path, flag]) => [path.split(".")[1], flag]),
);

function withFlagNames<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw new InputError(e.message.replace(/^(\w+)/, (name) => FLAG_OF_OPTION[name] ?? name));
  }
}

/** Everything `search` will do, decided from its flags before anything is measured or written. */
export interface SearchPlan {
  dir: string;
  resume: boolean;
  baselines: boolean;
  /** The profiler's schedule: `"overlapped"` with `--overlap-session-creation` (see lib/profile). */
  schedule: ProfileSchedule;
  /** The run's configuration; its `cost` is filled in once the calibration is resolved. */
  config: RunConfig;
  /** The space searched (the preset's embedding choices included), and the options it came from. */
  space: SearchSpace;
  spaceOptions: SpaceOptions;
  settings: ProfileSettings;
  /** The cost mode and calibration asked for. */
  cost: SearchCostInput & { mode: CostMode };
}

/**
 * Parses and checks the flags of `search` (throws {@linkcode InputError} naming the flag).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { planSearch } from "./search.ts";
 * const plan = planSearch(["--preset", "lts-gpt2", "--out", "data/runs/x", "--iterations", "3"]);
 * assert.equal(plan.config.search.iterations, 3);
 * ```
 */
export function planSearch(args: string[]): SearchPlan {
  const { values, positionals } = parseFlags(args, {
    preset: { type: "string" },
    homogeneous: { type: "boolean" },
    "d-inner-ratio": { type: "string" },
    "min-decoder-params": { type: "string" },
    "max-decoder-params": { type: "string" },
    strategy: { type: "string" },
    iterations: { type: "string" },
    population: { type: "string" },
    parents: { type: "string" },
    mutations: { type: "string" },
    crossovers: { type: "string" },
    "mutation-prob": { type: "string" },
    dominance: { type: "string" },
    seed: { type: "string" },
    "max-latency-ms": { type: "string" },
    "max-memory-mb": { type: "string" },
    "seq-len": { type: "string" },
    threads: { type: "string" },
    dialect: { type: "string" },
    provider: { type: "string" },
    "process-repeats": { type: "string" },
    out: { type: "string" },
    resume: { type: "boolean" },
    baselines: { type: "boolean" },
    "overlap-session-creation": { type: "boolean" },
    cost: { type: "string" },
    calibration: { type: "string" },
    "verify-margin": { type: "string" },
    "verify-max": { type: "string" },
  });
  if (positionals.length > 0) {
    throw new InputError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const preset = values.preset;
  if (typeof preset !== "string") {
    throw new InputError(`--preset: missing (one of ${PRESET_NAMES.join(", ")})`);
  }
  const out = values.out;
  if (typeof out !== "string" || out.trim() === "") {
    throw new InputError("--out: missing (the run directory)");
  }
  const int = { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER };
  const minDecoderParams = numberFlag(values, "min-decoder-params", undefined, int);
  const maxDecoderParams = numberFlag(values, "max-decoder-params", undefined, int);
  const dInnerRatio = numberFlag(values, "d-inner-ratio", undefined, { min: 0 });
  const spaceOptions: Parameters<typeof getSpace>[1] = { homogeneous: values.homogeneous === true };
  if (dInnerRatio !== undefined) spaceOptions.dInnerRatio = dInnerRatio;
  if (minDecoderParams !== undefined) spaceOptions.minDecoderParams = minDecoderParams;
  if (maxDecoderParams !== undefined) spaceOptions.maxDecoderParams = maxDecoderParams;
  const preset_ = withFlagNames(() => getSpace(preset, spaceOptions));
  if (preset_.backbone !== "gpt2") {
    throw new InputError(
      `--preset: ${preset} has a ${preset_.backbone} backbone; the profiler emits gpt2 only`,
    );
  }
  const space: SearchSpace = preset_;

  const search: Partial<SearchOptions> = {
    strategy: choiceFlag(values, "strategy", STRATEGIES, "evolution"),
    dominance: choiceFlag(values, "dominance", ["standard", "strict"] as const, "standard"),
    iterations: numberFlag(values, "iterations", 30, { integer: true, min: 1, max: 1e6 }),
    population: numberFlag(values, "population", 100, { integer: true, min: 1, max: 1e6 }),
    parents: numberFlag(values, "parents", undefined, { integer: true, min: 1, max: 1e6 }),
    mutations: numberFlag(values, "mutations", undefined, { integer: true, min: 0, max: 1e6 }),
    crossovers: numberFlag(values, "crossovers", undefined, { integer: true, min: 0, max: 1e6 }),
    mutationProb: numberFlag(values, "mutation-prob", 0.3, { min: 0, max: 1 }),
    seed: numberFlag(values, "seed", 0, int),
    minDecoderParams: space.minDecoderParams,
    maxDecoderParams: space.maxDecoderParams,
    maxLatencyMs: numberFlag(values, "max-latency-ms", undefined, { min: 0 }),
  };
  const maxMemoryMb = numberFlag(values, "max-memory-mb", undefined, { min: 0 });
  if (maxMemoryMb !== undefined) search.maxMemoryBytes = Math.round(maxMemoryMb * 2 ** 20);
  const options = withFlagNames(() => validateSearchOptions(search));

  const settings = withFlagNames(() =>
    validateProfileSettings({
      seqLen: numberFlag(values, "seq-len", 192, { integer: true, min: 1, max: 1 << 20 }),
      threads: numberFlag(values, "threads", 1, { integer: true, min: 1, max: 1024 }),
      dialect: choiceFlag(values, "dialect", DIALECTS, "fast"),
      provider: choiceFlag(values, "provider", PROVIDERS, "cpu"),
      processRepeats: numberFlag(values, "process-repeats", 1, { integer: true, min: 1, max: 100 }),
    })
  );
  if (settings.seqLen > space.nPositions) {
    throw new InputError(
      `--seq-len: ${settings.seqLen} is above the space's ${space.nPositions} positions`,
    );
  }
  const mode = choiceFlag(values, "cost", COST_MODES, "measured");
  const cost: SearchPlan["cost"] = { mode };
  const margin = numberFlag(values, "verify-margin", undefined, { min: 0, max: MARGIN_LIMIT });
  const verifyMax = numberFlag(values, "verify-max", undefined, {
    integer: true,
    min: 1,
    max: VERIFY_MAX_LIMIT,
  });
  if (mode !== "verified") {
    const flag = margin !== undefined
      ? "--verify-margin"
      : verifyMax !== undefined
      ? "--verify-max"
      : undefined;
    if (flag) throw new InputError(`${flag}: only with --cost verified`);
  }
  if (typeof values.calibration === "string") {
    if (mode === "measured") {
      throw new InputError("--calibration: only with --cost predicted or verified");
    }
    if (values.calibration.trim() === "") throw new InputError("--calibration: empty path");
    cost.calibrationFile = values.calibration;
  }
  if (margin !== undefined) cost.margin = margin;
  if (verifyMax !== undefined) cost.verifyMax = verifyMax;
  const config = deviceRunConfig(preset, space, options, settings);
  return {
    dir: out,
    resume: values.resume === true,
    baselines: values.baselines === true,
    schedule: values["overlap-session-creation"] === true ? "overlapped" : "pipelined",
    config,
    space,
    spaceOptions,
    settings,
    cost,
  };
}

function progressPrinter(): (p: SearchProgress) => void {
  const tty = Deno.stderr.isTerminal();
  const encoder = new TextEncoder();
  let lastDraw = -Infinity;
  return (p) => {
    const endOfIteration = p.last === undefined;
    if (tty) {
      const now = performance.now();
      if (!endOfIteration && now - lastDraw < 100) return;
      lastDraw = now;
      Deno.stderr.writeSync(encoder.encode(`\r${renderSearchProgress(p)}\x1b[K`));
      if (endOfIteration && p.iteration + 1 === p.iterations) {
        Deno.stderr.writeSync(encoder.encode("\n"));
      }
    } else if (endOfIteration) {
      console.error(renderSearchProgress(p));
    }
  };
}

const jsonLines = (values: readonly unknown[]) =>
  values.map((v) => JSON.stringify(v) + "\n").join("");

async function runBaselines(plan: SearchPlan, measure: Measure, frontier: FrontierPoint[]) {
  const path = join(plan.dir, "baselines.jsonl");
  const known: BaselineRecord[] = (await pathExists(path))
    ? parseBaselineLines(await Deno.readTextFile(path), path)
    : [];
  const gpt2 = layerScaledBaselines("gpt2-small", {
    vocabSize: plan.space.vocabSize,
    nPositions: plan.space.nPositions,
  });
  const xl = layerScaledBaselines("transformer-xl-base");
  console.error(
    `baselines: ${gpt2.length} gpt2-small (measured), ${xl.length} transformer-xl-base (params only)`,
  );
  const records = await measureBaselines([...gpt2, ...xl], measure, {
    known,
    unsupported: (a) =>
      a.backbone === "gpt2"
        ? undefined
        : "not measured: ONNX emission supports the gpt2 backbone only (parameters only)",
    onRecord: async (r, all) => {
      await writeFileAtomic(path, jsonLines(all.map(baselineJson)));
      console.error(
        `baseline ${r.name}: ${r.status}${
          r.latencyMs ? ` p50 ${r.latencyMs.p50.toFixed(1)} ms` : ""
        }`,
      );
    },
  });
  await writeFileAtomic(path, jsonLines(records.map(baselineJson)));
  const measured = baselinePoints(records);
  const comparison = {
    baselines: compareWithBaselines(frontier, measured),
    hypervolume: frontierHypervolumes({ search: frontier, baselines: measured }),
    notMeasured: records.filter((r) => r.status !== "ok").map((r) => ({
      name: r.name,
      decoderParams: r.decoderParams,
      reason: r.reason,
    })),
  };
  await writeFileAtomic(
    join(plan.dir, "comparison.json"),
    JSON.stringify(comparison, null, 2) + "\n",
  );
  for (const row of comparison.baselines) {
    if (row.latencyRatio === undefined) continue;
    console.error(
      `${row.baseline}: frontier model ${row.fastestId} has >= its decoder params and is ` +
        `${row.latencyRatio.toFixed(2)}× faster; ${row.leanestId} uses ${
          row.memoryRatio!.toFixed(2)
        }× less memory`,
    );
  }
}

/**
 * The configuration to check a resumed run against before the calibration is resolved: the
 * plan's, with the run's own `cost` when the mode is the same (the calibration is checked once
 * it is resolved); a different mode is refused here, naming `--cost`.
 */
async function earlyConfig(plan: SearchPlan): Promise<RunConfig> {
  if (!plan.resume || !(await pathExists(join(plan.dir, "run.json")))) return plan.config;
  const run = await loadRun(plan.dir);
  const before = run.config.cost?.mode ?? "measured";
  if (before !== plan.cost.mode) {
    throw new InputError(
      `--cost: differs from the run being resumed ("${before}" there, "${plan.cost.mode}" now)`,
    );
  }
  return run.config.cost ? { ...plan.config, cost: run.config.cost } : plan.config;
}

/** The `search` command. */
export const command: Command = {
  name: "search",
  summary: "evolutionary (or random) hardware-aware architecture search into a run directory",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const plan = planSearch(args);
    // Check the folder and, on resume, the options before loading the runtime.
    await checkWritableDir(plan.dir, "--out", { create: !plan.resume });
    await prepareRunDir(plan.dir, await earlyConfig(plan), undefined, plan.resume, FLAG_OF_PATH);
    const interrupt = onInterrupt();
    try {
      return await searchAndReport(plan, interrupt.signal);
    } catch (e) {
      if (!interrupt.signal.aborted) throw e;
      console.error(
        `\nlts search: interrupted; what was measured is kept in ${plan.dir} (continue with --resume)`,
      );
      return interrupt.code();
    } finally {
      interrupt.dispose();
    }
  },
};

const percent = (x: number) => `${(100 * x).toFixed(1)} %`;

function verifyPrinter(): (p: VerificationProgress) => void {
  let bar: ProgressBar | undefined;
  return (p) => {
    // The bar counts this session's measurements (a resumed verification has some already).
    bar ??= new ProgressBar({ total: p.total - p.done + 1, label: "verify" });
    const r = p.last;
    bar.tick(
      r.latencyMs ? `${r.id} p50 ${r.latencyMs.p50.toFixed(2)} ms` : `${r.id} ${r.status}`,
    );
    if (p.done === p.total) bar.done();
  };
}

async function searchAndReport(plan: SearchPlan, signal: AbortSignal): Promise<number> {
  let calibrationBar: ProgressBar | undefined;
  const resolved = await resolveSearchCost(
    plan.config.space.preset as string,
    plan.spaceOptions,
    plan.settings,
    {
      ...plan.cost,
      onCalibrationProgress: (_done, total, result) => {
        calibrationBar ??= new ProgressBar({ total, label: "calibrate" });
        calibrationBar.tick(
          result.ok
            ? `${result.archHash} p50 ${result.latencyMs.p50.toFixed(2)} ms`
            : `${result.archHash} failed`,
        );
      },
    },
    signal,
  );
  calibrationBar?.done();
  const config: RunConfig = resolved.cost ? { ...plan.config, cost: resolved.cost } : plan.config;
  if (resolved.calibration) {
    const cal = resolved.calibration;
    console.error(
      `search: costs ${plan.cost.mode} with calibration ${resolved.cost!.calibrationId} ` +
        `(${resolved.calibrationPath}; ${
          cal.fingerprint.cpuModel ?? "unknown CPU"
        }, measured ${cal.measuredAt}` +
        `${resolved.calibratedNow ? ", just now" : ""}${
          resolved.foreign ? ", ANOTHER DEVICE" : ""
        })`,
    );
  }
  if (resolved.margin) {
    const m = resolved.margin;
    console.error(
      `search: verification margin ${percent(m.latency)} latency, ${percent(m.memory)} memory (${
        m.from === "flag"
          ? "--verify-margin"
          : m.from === "validation"
          ? "from the held-out validation"
          : "from the in-sample fit"
      }), at most ${resolved.cost!.verifyMax} measured`,
    );
    if (m.from === "fit") {
      console.error(
        "warning: the calibration was never validated, so the margin comes from its in-sample error " +
          "(optimistic); run lts costmodel validate to derive it from held-out models",
      );
    }
  }
  const device = resolved.foreign
    ? resolved.calibration!.fingerprint
    : deviceFingerprint(await detectDevice(), plan.settings);
  const { measure, measureMany } = profilerMeasures(plan.settings, {
    schedule: plan.schedule,
    signal,
  });
  const result = await runCostSearchInDir({
    dir: plan.dir,
    config,
    device,
    resume: plan.resume,
    optionNames: FLAG_OF_PATH,
    operators: spaceOperators(plan.space),
    measure,
    measureMany,
    ...(resolved.calibration ? { calibration: resolved.calibration } : {}),
    signal,
    onProgress: progressPrinter(),
    onVerifyProgress: verifyPrinter(),
  });
  const last = result.iterations.at(-1)!;
  console.error(
    `search: ${result.records.length} candidates (${last.okSoFar} ok, ${last.overBudgetSoFar} ` +
      `over budget, ${last.failedSoFar} failed, costs ${
        plan.cost.mode === "measured" ? "measured" : "predicted"
      }), ` +
      `frontier ${last.frontierPoints.length}, in ${plan.dir}`,
  );
  const v = result.verification;
  if (v) {
    const s = v.summary;
    console.error(
      `verify: ${s.measured} of ${s.withinMargin} candidates within the margin measured in ${
        (s.measureMs / 1000).toFixed(0)
      } s ` +
        `(predicted frontier ${s.predictedFrontier}, largest slack measured ${
          s.largestSlackMeasured.toFixed(2)
        }); ` +
        `measured frontier ${result.frontier.length}`,
    );
    if (s.accuracy) {
      const a = s.accuracy;
      console.error(
        `verify: prediction error on them: latency median ${percent(a.latency.medianAbsError)}, ` +
          `max ${percent(a.latency.maxAbsError)}, bias ${
            percent(a.latency.meanSignedError)
          }; memory median ` +
          `${percent(a.memory.medianAbsError)}, max ${percent(a.memory.maxAbsError)}`,
      );
    }
    if (s.withinMargin > s.measured) {
      console.error(
        `verify: ${
          s.withinMargin - s.measured
        } more candidates were within the margin; the ${s.measured} measured keep the most predicted hypervolume (--verify-max ${s.max} raises the cap)`,
      );
    }
  }
  if (plan.baselines) {
    // Baselines are costed like the frontier they are compared with.
    const baselineMeasure = config.cost?.mode === "predicted"
      ? predictedMeasure(resolved.calibration!)
      : measure;
    await runBaselines(plan, baselineMeasure, result.frontier.map(frontierPoint));
  }
  for (const r of result.frontier) {
    console.log(JSON.stringify({
      id: r.id,
      decoderParams: r.decoderParams,
      latencyP50Ms: r.latencyMs!.p50,
      peakMemoryBytes: r.peakMemoryBytes,
      costSource: r.costSource ?? "measured",
      ...(r.calibrationId ? { calibrationId: r.calibrationId } : {}),
      arch: compactArch(r.arch),
    }));
  }
  return 0;
}

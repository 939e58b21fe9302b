/**
 * `deno task lts costmodel calibrate|predict|validate`: the calibrated cost model of this device
 * (`lib/costmodel`) from the command line.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import {
  calibrateCostModel,
  calibrationPath,
  predictCost,
  predictionGap,
  saveCalibration,
  useCalibration,
  validateCostModel,
} from "../costmodel/mod.ts";
import { ProgressBar } from "../profile/progress.ts";
import type { ProfileResult } from "../profile/result.ts";
import { getSpace } from "../space/presets.ts";
import { PRESET_NAMES } from "../space/types.ts";
import { InputError } from "../util/errors.ts";
import { checkWritableFile, pathExists, writeFileAtomic } from "../util/fs.ts";
import { numberFlag, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";
import { onInterrupt } from "./interrupt.ts";
import { readArchs } from "./input.ts";
import {
  MEASUREMENT_FLAGS,
  MEASUREMENT_FLAGS_HELP,
  measurementFlagSettings,
} from "./settings_flags.ts";

const HELP = `Usage: deno task lts costmodel calibrate --preset P [--out FILE] [measurement options]
       deno task lts costmodel predict [FILE|-] [--preset P] [--calibration FILE] [measurement options]
       deno task lts costmodel validate --preset P [--sample 100] [--seed 1] [--process-repeats 3]
                                        [--calibration FILE] [--rows FILE] [measurement options]

A cost model of this device: predicts the forward-pass p50 latency and the peak memory of any
gpt2 architecture of a preset in microseconds, without emitting it.

  calibrate  measures the preset's calibration models (lts-gpt2: 99, blocks at 6 d_model
             values and every head count, every embedding, 40 random full-depth models) with
             the profiler and fits the model: 2 to 3 minutes on a 2-vCPU machine. The calibration is stored
             under data/cache/costmodel/<key>.json, keyed by device fingerprint, settings,
             genes and graph version; --out FILE also writes it there (portable: measure on
             the target device, predict and search on another machine with --calibration).
  predict    one JSON line per architecture (ArchConfig JSON, an array, JSON lines or an
             archai model_config.yaml): {"archHash", "latencyMs": {"p50"}, "peakMemoryBytes",
             "source": "predicted", "calibration": {key, path, cpuModel, measuredAt, foreign}}.
             Uses the stored calibration of this device and settings, or --calibration FILE.
  validate   measures --sample random held-out architectures of the preset for real, each in
             --process-repeats fresh processes (the median process is the truth), and prints
             one JSON line: per objective the share within ±5 % and ±10 %, median and max
             absolute error, bias and Spearman ρ, and the processes' p50 spread (noise). The
             result is recorded in the calibration file.

A stale calibration (other settings, genes or graph version) is refused (exit 2). One measured
on another device is used only from an explicit --calibration FILE, with a warning on stderr
and "foreign": true in the output.

Options:
  --preset P           ${
  PRESET_NAMES.filter((p) => p !== "lts-transformer-xl").join(", ")
} (default lts-gpt2 for predict)
  --calibration FILE   use this calibration file (predict, validate)
  --out FILE           also write the calibration here (calibrate)
  --sample N           held-out architectures (validate; default 100)
  --seed N             their sampling seed (validate; default 1)
  --process-repeats K  fresh processes per held-out architecture (validate; default 3, at least 3)
  --rows FILE          write each held-out architecture's prediction and measurement (JSON lines)
${MEASUREMENT_FLAGS_HELP}
  -h, --help           this text

Examples:
  deno task lts costmodel calibrate --preset lts-gpt2 --out my-laptop.json
  deno task lts costmodel validate --preset lts-gpt2 --sample 100 --seed 1
  echo '{"backbone":"gpt2","nLayer":12,"dModel":768,"nHead":8,"dInner":3072,"dEmbed":256,"divVal":4}' | deno task lts costmodel predict`;

const SUBCOMMANDS = ["calibrate", "predict", "validate"] as const;

function bar(label: string, total: number): ProgressBar {
  return new ProgressBar({ total, label });
}

/** One progress note: the model just measured. */
function note(result: ProfileResult): string {
  return result.ok
    ? `${result.archHash} p50 ${result.latencyMs.p50.toFixed(2)} ms`
    : `${result.archHash} failed`;
}

/**
 * Runs `work` with SIGINT/SIGTERM aborting its signal: an interrupted run prints one line and
 * exits 130 (143 for SIGTERM); nothing half-measured is stored.
 */
async function interruptible(
  label: string,
  work: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const interrupt = onInterrupt();
  try {
    return await work(interrupt.signal);
  } catch (e) {
    if (!interrupt.signal.aborted) throw e;
    console.error(`lts costmodel ${label}: interrupted; nothing was stored`);
    return interrupt.code();
  } finally {
    interrupt.dispose();
  }
}

function presetOf(value: unknown, fallback?: string): string {
  if (value === undefined && fallback) return fallback;
  if (typeof value !== "string") {
    throw new InputError(`--preset: missing (one of ${PRESET_NAMES.join(", ")})`);
  }
  getSpace(value); // names the preset when unknown
  return value;
}

async function calibrate(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...MEASUREMENT_FLAGS,
    preset: { type: "string" },
    out: { type: "string" },
  });
  if (positionals.length > 0) {
    throw new InputError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const preset = presetOf(values.preset);
  const settings = measurementFlagSettings(values);
  const out = typeof values.out === "string" ? values.out : undefined;
  if (out !== undefined) await checkWritableFile(out, "--out");
  let progress: ProgressBar | undefined;
  let calibration: Awaited<ReturnType<typeof calibrateCostModel>> | undefined;
  const code = await interruptible("calibrate", async (signal) => {
    calibration = await calibrateCostModel({
      preset,
      settings,
      cache: false,
      signal,
      onProgress: (_done, total, result) => {
        progress ??= bar("calibrate", total);
        progress.tick(note(result));
      },
    });
    return 0;
  });
  progress?.done();
  if (!calibration) return code;
  const stored = await saveCalibration(calibration);
  if (out !== undefined) await saveCalibration(calibration, out);
  console.log(JSON.stringify({
    key: calibration.key,
    path: stored,
    ...(out !== undefined ? { out } : {}),
    models: calibration.models.length,
    calibrationMs: Math.round(calibration.calibrationMs),
    fit: calibration.fit,
  }));
  return 0;
}

function warnForeign(foreign: boolean, cpuModel: string, path: string): void {
  if (foreign) {
    console.error(
      `lts costmodel: ${path} was measured on another device (${cpuModel}): predictions are for that device; verify on it (lts profile)`,
    );
  }
}

async function predict(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...MEASUREMENT_FLAGS,
    preset: { type: "string" },
    calibration: { type: "string" },
    backbone: { type: "string" },
  });
  if (positionals.length > 1) {
    throw new InputError(`expected one input file, got ${positionals.length}`);
  }
  const file = typeof values.calibration === "string" ? values.calibration : undefined;
  const archs = await readArchs(positionals[0], {
    backbone: values.backbone as string | undefined,
  });
  const source = await useCalibration({
    preset: presetOf(values.preset, "lts-gpt2"),
    settings: measurementFlagSettings(values),
    ...(file !== undefined ? { file } : {}),
  });
  const cal = source.calibration;
  archs.forEach((arch, i) => {
    const gap = predictionGap(cal, arch);
    if (gap) throw new InputError(`architecture ${i + 1}: ${gap}`);
  });
  warnForeign(source.foreign, cal.fingerprint.cpuModel, source.path);
  const calibration = {
    key: cal.key,
    path: source.path,
    cpuModel: cal.fingerprint.cpuModel,
    measuredAt: cal.measuredAt,
    foreign: source.foreign,
  };
  for (const arch of archs) {
    const p = predictCost(cal, arch);
    console.log(JSON.stringify({
      archHash: archHash(arch),
      latencyMs: { p50: p.latencyMs },
      peakMemoryBytes: Math.round(p.peakMemoryBytes),
      source: "predicted",
      calibration,
    }));
  }
  return 0;
}

async function validate(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...MEASUREMENT_FLAGS,
    preset: { type: "string" },
    calibration: { type: "string" },
    sample: { type: "string" },
    "process-repeats": { type: "string" },
    rows: { type: "string" },
  });
  if (positionals.length > 0) {
    throw new InputError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  const preset = presetOf(values.preset);
  const sample = numberFlag(values, "sample", 100, { integer: true, min: 1, max: 10_000 });
  const seed = numberFlag(values, "seed", 1, { integer: true, min: 0 });
  const processRepeats = numberFlag(values, "process-repeats", 3, {
    integer: true,
    min: 3,
    max: 100,
  });
  const rowsPath = typeof values.rows === "string" ? values.rows : undefined;
  if (rowsPath !== undefined) await checkWritableFile(rowsPath, "--rows");
  const file = typeof values.calibration === "string" ? values.calibration : undefined;
  // --seed is the sampling seed here; the weights' seed stays the calibration's.
  const { seed: _weightsSeed, ...settings } = measurementFlagSettings({
    ...values,
    seed: undefined,
  });
  const source = await useCalibration({
    preset,
    settings,
    ...(file !== undefined ? { file } : {}),
  });
  if (source.foreign) {
    throw new InputError(
      `--calibration: ${source.path} was measured on another device (${source.calibration.fingerprint.cpuModel}); validate it on that device`,
    );
  }
  let progress: ProgressBar | undefined;
  let report: Awaited<ReturnType<typeof validateCostModel>> | undefined;
  const code = await interruptible("validate", async (signal) => {
    report = await validateCostModel({
      calibration: source.calibration,
      sample,
      seed,
      processRepeats,
      cache: false,
      signal,
      settings: { timeoutMs: settings.timeoutMs },
      onProgress: (_done, total, result) => {
        progress ??= bar("validate", total);
        progress.tick(note(result));
      },
    });
    return 0;
  });
  progress?.done();
  if (!report) return code;
  const updated = { ...source.calibration, validation: report.summary };
  await saveCalibration(updated, source.path);
  const storedPath = calibrationPath(source.calibration.key);
  if (source.path !== storedPath && await pathExists(storedPath)) {
    await saveCalibration(updated, storedPath); // the stored copy of the same calibration
  }
  if (rowsPath !== undefined) {
    await writeFileAtomic(
      rowsPath,
      report.rows.map((r) =>
        JSON.stringify({
          archHash: r.archHash,
          predicted: r.predicted,
          measured: {
            latencyP50Ms: r.latencyP50Ms,
            peakMemoryBytes: r.peakMemoryBytes,
            processP50Ms: r.processP50Ms,
          },
        })
      ).join("\n") + "\n",
    );
  }
  console.log(JSON.stringify({
    ...report.summary,
    failures: report.failures,
    wallMs: Math.round(report.wallMs),
    calibration: source.path,
  }));
  return report.failures.length > 0 ? 1 : 0;
}

/**
 * The `costmodel` command.
 *
 * @example
 * ```ts
 * import { command } from "./costmodel.ts";
 * const code = await command.run(["calibrate", "--preset", "lts-gpt2"]);
 * ```
 */
export const command: Command = {
  name: "costmodel",
  summary: "calibrated cost model of this device: calibrate, predict, validate",
  help: HELP,
  run(args: string[]): Promise<number> {
    const [sub, ...rest] = args;
    if (sub === "calibrate") return calibrate(rest);
    if (sub === "predict") return predict(rest);
    if (sub === "validate") return validate(rest);
    throw new InputError(
      `costmodel: expected a subcommand (${SUBCOMMANDS.join(", ")}), got ${
        sub === undefined ? "nothing" : JSON.stringify(sub)
      }`,
    );
  },
};

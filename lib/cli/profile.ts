/**
 * `deno task lts profile`: measures architectures on this device with onnxruntime-node, one
 * JSON line per architecture on stdout as each finishes, a progress bar on stderr.
 *
 * @module
 */
import { ProfileCache } from "../profile/cache.ts";
import type { ChildPhase } from "../profile/child.ts";
import { type ProfileEvent, profileMany } from "../profile/profile.ts";
import { ProgressBar } from "../profile/progress.ts";
import type { ProfileResult } from "../profile/result.ts";
import {
  DEFAULT_GENERATION_SETTINGS,
  DEFAULT_PROFILE_SETTINGS,
  type GenerationSettings,
  type ProfileSettings,
  validateProfileSettings,
} from "../profile/settings.ts";
import { InputError } from "../util/errors.ts";
import { checkWritableFile } from "../util/fs.ts";
import { numberFlag, parseFlags } from "./args.ts";
import {
  MEASUREMENT_FLAGS,
  MEASUREMENT_FLAGS_HELP,
  measurementFlagSettings,
} from "./settings_flags.ts";
import type { Command } from "./command.ts";
import { onInterrupt } from "./interrupt.ts";
import { readArchs } from "./input.ts";

const D = DEFAULT_PROFILE_SETTINGS;
const G = DEFAULT_GENERATION_SETTINGS;

const HELP =
  `Usage: deno task lts profile [FILE|-] [--seq-len ${D.seqLen}] [--batch ${D.batch}] [--threads ${D.threads}]
         [--dialect portable|fast] [--provider cpu|cuda] [--min-runs ${D.minRuns}] [--max-runs ${D.maxRuns}]
         [--generation [--prompt-len ${G.promptLen}] [--new-tokens ${G.newTokens}] [--repeats ${G.repeats}]]
         [--no-cache | --cache FILE]

Measures each architecture in FILE (or standard input for - or no FILE) on this device with
ONNX Runtime (onnxruntime-node), each in a fresh child process, and prints one JSON line per
architecture as it finishes (input order). Input: ArchConfig JSON (one object, an array, or
JSON lines) or an archai model_config.yaml (gpt2 backbone, plain embeddings).

Result fields (ok: true):
  latencyMs        forward pass of batch × seq-len tokens: {p50, p10, p90, mean, n} in ms
  stopReason       why timing stopped: stable (p50 within ±1 % over the last 5 runs), time, runs
  peakMemoryBytes  peak resident memory of the measuring process above its baseline after
                   importing the runtime (session, weights, arena, activations)
  modelBytes       the model on disk (.onnx + external weights, fp32)
  generation       with --generation: promptLatencyMs (PL), tokenLatencyMs (TL),
                   latencyPerTokenMs {p50, p95} of (PL + (n−1)·TL)/n per repeat, n = --new-tokens
  fingerprint      CPU, cores, OS, runtime version, provider, threads, dialect (+ its hash)
  processes        with --process-repeats K > 1: p50Ms and peakMemoryBytes of every process
  timings          where the wall time went: emitMs, childReadyMs, sessionMs, warmupMs, timedMs
  cached           true when it came from the cache (nothing was run)
A failed measurement prints {"ok": false, "reason": …} and the command exits with 1 at the end.

Options:
${MEASUREMENT_FLAGS_HELP}
  --process-repeats K
                    measure the forward pass in K fresh processes (default ${D.processRepeats});
                    the result is the median process by p50, and "processes" lists every
                    process's p50 and peak memory (p50s of separate processes differ by a
                    few per cent, more than the stopping rule's 1 %)
  --generation      also measure generation with the KV-cache graph (in a second child)
  --prompt-len N    prompt tokens (default ${G.promptLen}; implies --generation)
  --new-tokens N    tokens per repeat, n of latencyPerToken(n) (default ${G.newTokens}; implies --generation)
  --repeats N       timed generation repeats (default ${G.repeats}; implies --generation)
  --overlap-session-creation
                    create the next model's session during this model's timed runs (on
                    another core): hides part of the per-candidate overhead but may disturb
                    the timing; measure with deno task bench first (default off)
  --no-cache        measure even if cached, and do not record
  --cache FILE      result cache (default data/cache/profile.jsonl in the project)
  --backbone B      backbone of a model_config.yaml (guessed from the path when absent)
  -h, --help        this text

Examples:
  echo '{"backbone":"gpt2","nLayer":12,"dModel":768,"nHead":12,"dInner":3072}' | deno task lts profile
  deno task lts profile archs.jsonl --generation --prompt-len 64 --new-tokens 16 > profiles.jsonl`;

function describePhase(event: ProfileEvent): string {
  if (event.kind === "cached") return "cached";
  if (event.kind === "emit") return "writing model";
  const words: Record<ChildPhase, string> = {
    session: "loading",
    warmup: "warming up",
    wait: "waiting",
    timing: "timing",
  };
  return words[event.phase];
}

function note(result: ProfileResult): string {
  if (!result.ok) return `${result.archHash} failed: ${result.reason}`;
  const mb = (result.peakMemoryBytes / 2 ** 20).toFixed(0);
  const cached = result.cached ? " (cached)" : "";
  return `${result.archHash} p50 ${result.latencyMs.p50.toFixed(2)} ms, peak ${mb} MiB${cached}`;
}

/**
 * Checks `--cache` before anything is measured: a folder, a path under a file or a folder that
 * cannot be written exit 2; an existing read-only file is fine (results are looked up there; the
 * first result that cannot be recorded gives one warning).
 */
async function checkCachePath(path: string): Promise<void> {
  await checkWritableFile(path, "--cache", { readOnlyOk: true });
}

/**
 * The `profile` command.
 *
 * @example
 * ```ts
 * import { command } from "./profile.ts";
 * const code = await command.run(["arch.json", "--seq-len", "64"]); // one JSON line per arch
 * ```
 */
export const command: Command = {
  name: "profile",
  summary: "latency and peak memory of architectures on this device (ONNX Runtime)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      ...MEASUREMENT_FLAGS,
      "process-repeats": { type: "string" },
      generation: { type: "boolean" },
      "prompt-len": { type: "string" },
      "new-tokens": { type: "string" },
      repeats: { type: "string" },
      "no-cache": { type: "boolean" },
      "overlap-session-creation": { type: "boolean" },
      cache: { type: "string" },
      backbone: { type: "string" },
    });
    if (positionals.length > 1) {
      throw new InputError(`expected one input file, got ${positionals.length}`);
    }
    if (values["no-cache"] && values.cache !== undefined) {
      throw new InputError("--no-cache: cannot be combined with --cache");
    }
    const int = { integer: true, min: 1 };
    const measurement = measurementFlagSettings(values);
    if (measurement.maxRuns! < measurement.minRuns!) {
      throw new InputError(
        `--max-runs: ${measurement.maxRuns} is below --min-runs ${measurement.minRuns}`,
      );
    }
    const wantsGeneration = values.generation === true ||
      ["prompt-len", "new-tokens", "repeats"].some((k) => values[k] !== undefined);
    const generation: GenerationSettings | false = wantsGeneration
      ? {
        promptLen: numberFlag(values, "prompt-len", G.promptLen, int),
        newTokens: numberFlag(values, "new-tokens", G.newTokens, int),
        repeats: numberFlag(values, "repeats", G.repeats, int),
      }
      : false;
    const partial: Partial<ProfileSettings> = {
      ...measurement,
      processRepeats: numberFlag(values, "process-repeats", D.processRepeats, { ...int, max: 100 }),
      generation,
    };
    const settings = validateProfileSettings(partial);
    let cache: ProfileCache | false = false;
    if (!values["no-cache"]) {
      if (typeof values.cache === "string") await checkCachePath(values.cache);
      cache = typeof values.cache === "string"
        ? new ProfileCache(values.cache)
        : new ProfileCache();
    }
    const archs = await readArchs(positionals[0], {
      backbone: values.backbone as string | undefined,
    });
    const interrupt = onInterrupt();
    const bar = new ProgressBar({ total: archs.length, label: "profile" });
    let failures = 0;
    try {
      const results = profileMany(archs, settings, {
        cache,
        schedule: values["overlap-session-creation"] === true ? "overlapped" : "pipelined",
        signal: interrupt.signal,
        onEvent: (event) => bar.update(describePhase(event)),
      });
      for await (const result of results) {
        console.log(JSON.stringify(result));
        if (!result.ok) failures++;
        bar.tick(note(result));
      }
    } catch (e) {
      if (interrupt.signal.aborted) {
        bar.done();
        console.error("lts profile: interrupted");
        return interrupt.code();
      }
      throw e;
    } finally {
      interrupt.dispose();
    }
    bar.done();
    return failures > 0 ? 1 : 0;
  },
};

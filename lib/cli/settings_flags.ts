/**
 * The measurement flags that `lts profile` and `lts costmodel` share (sequence length, batch,
 * threads, dialect, provider, the timing loop, the seed, the LM head's positions): one spec, one
 * help text and one reader, so the two commands always measure with the same settings for the
 * same flags.
 *
 * @module
 */
import { DIALECTS } from "../onnx/gpt2.ts";
import { DEFAULT_PROFILE_SETTINGS, type ProfileSettings, PROVIDERS } from "../profile/settings.ts";
import { choiceFlag, numberFlag, type OptionSpec, type ParsedArgs } from "./args.ts";

const D = DEFAULT_PROFILE_SETTINGS;

/** The flags' spec for `parseFlags`. */
export const MEASUREMENT_FLAGS: OptionSpec = {
  "seq-len": { type: "string" },
  batch: { type: "string" },
  threads: { type: "string" },
  dialect: { type: "string" },
  provider: { type: "string" },
  "warmup-runs": { type: "string" },
  "min-runs": { type: "string" },
  "max-runs": { type: "string" },
  "max-seconds": { type: "string" },
  timeout: { type: "string" },
  seed: { type: "string" },
  "all-logits": { type: "boolean" },
};

/** Their lines of a command's `--help`. */
export const MEASUREMENT_FLAGS_HELP =
  `  --seq-len N       tokens per forward pass (default ${D.seqLen})
  --batch N         sequences per forward pass (default ${D.batch})
  --threads N       ONNX Runtime intra-op threads (default ${D.threads}, as the paper)
  --dialect D       portable (opset 17, plain ops) or fast (opset 23 Attention + contrib fused
                    ops; default ${D.dialect})
  --provider P      cpu (default) or cuda (needs an onnxruntime-node build with CUDA)
  --warmup-runs N   untimed runs after loading (default ${D.warmupRuns})
  --min-runs N      fewest timed runs (default ${D.minRuns})
  --max-runs N      most timed runs (default ${D.maxRuns})
  --max-seconds S   stop timing after S seconds of runs once --min-runs are done (default ${
    D.maxTimedMs / 1000
  })
  --timeout S       kill a measurement after S seconds: ok false (default ${D.timeoutMs / 1000})
  --seed N          seed of the random weights and tokens (default ${D.seed})
  --all-logits      compute the LM head at every position (default: last position only)`;

/**
 * Reads the measurement flags into (unvalidated) partial settings; each flag is checked and
 * named when bad ({@linkcode InputError} of `numberFlag` / `choiceFlag`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurementFlagSettings } from "./settings_flags.ts";
 * const s = measurementFlagSettings({ "seq-len": "64", "all-logits": true });
 * assert.equal(s.seqLen, 64);
 * assert.equal(s.lastTokenOnly, false);
 * ```
 */
export function measurementFlagSettings(values: ParsedArgs["values"]): Partial<ProfileSettings> {
  const int = { integer: true, min: 1 };
  const minRuns = numberFlag(values, "min-runs", D.minRuns, int);
  return {
    seqLen: numberFlag(values, "seq-len", D.seqLen, { ...int, max: 1 << 20 }),
    batch: numberFlag(values, "batch", D.batch, { ...int, max: 1 << 16 }),
    threads: numberFlag(values, "threads", D.threads, { ...int, max: 1024 }),
    dialect: choiceFlag(values, "dialect", DIALECTS, D.dialect),
    provider: choiceFlag(values, "provider", PROVIDERS, D.provider),
    warmupRuns: numberFlag(values, "warmup-runs", D.warmupRuns, { integer: true, min: 0 }),
    minRuns,
    maxRuns: numberFlag(values, "max-runs", Math.max(D.maxRuns, minRuns), int),
    maxTimedMs: numberFlag(values, "max-seconds", D.maxTimedMs / 1000, { min: 0 }) * 1000,
    timeoutMs: numberFlag(values, "timeout", D.timeoutMs / 1000, { min: 0.001 }) * 1000,
    seed: numberFlag(values, "seed", D.seed, { integer: true, min: 0 }),
    lastTokenOnly: values["all-logits"] !== true,
  };
}

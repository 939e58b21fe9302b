/**
 * Profiling settings: what is measured and how long to keep measuring. Validated at the edge,
 * with every default filled in, so that equal settings give equal cache keys.
 *
 * @module
 */
import { InputError } from "../util/errors.ts";
import { type Dialect, DIALECTS } from "../onnx/gpt2.ts";
import { describeValue, integerInRange, numberInRange, withWhere } from "../util/validate.ts";

/** Execution providers of onnxruntime-node that the profiler can ask for. */
export type Provider = "cpu" | "cuda";

/** The providers, in a fixed order. */
export const PROVIDERS: readonly Provider[] = ["cpu", "cuda"];

/**
 * Generation (text-prediction) measurement with the KV-cache graph: each of `repeats` runs
 * does one prompt pass (`promptLen` tokens, empty cache) then `newTokens − 1` token passes
 * (one token each, carrying the cache).
 */
export interface GenerationSettings {
  /** Prompt length in tokens (the prompt pass). */
  promptLen: number;
  /** Tokens produced per repeat, the prompt pass's included (n in latencyPerToken(n)). */
  newTokens: number;
  /** Timed repeats (after one untimed warm-up repeat). */
  repeats: number;
}

/** Everything that decides a measurement. All fields are part of the cache key but `timeoutMs`. */
export interface ProfileSettings {
  /** Tokens per forward pass. */
  seqLen: number;
  /** Sequences per forward pass. */
  batch: number;
  /** ONNX Runtime intra-op threads (1 as in the paper's reference measurements). */
  threads: number;
  /** Graph dialect of the emitted model. */
  dialect: Dialect;
  /** Execution provider. */
  provider: Provider;
  /** Whether the graph computes the LM head for the last position only (as archai's export). */
  lastTokenOnly: boolean;
  /** Seed of the random weights and input tokens. */
  seed: number;
  /** Untimed runs after the session is created. */
  warmupRuns: number;
  /** Fewest timed runs. */
  minRuns: number;
  /** Most timed runs. */
  maxRuns: number;
  /** Stop once the p50 moved less than this (relative) over the last `stableWindow` runs. */
  stableTolerance: number;
  /** Runs over which the p50 must stay within `stableTolerance`. */
  stableWindow: number;
  /** Stop once `minRuns` are done and the timed runs took this long in all (ms). */
  maxTimedMs: number;
  /** Kill the measuring child after this long (ms); the result is then `ok: false`. */
  timeoutMs: number;
  /**
   * Fresh child processes that each measure the forward pass (session, warm-up, timed runs).
   * With more than one, the result is the measurement of the median process by p50, and
   * `processes` lists every process's p50 and peak memory: p50s of separate processes differ
   * by more than the stopping rule's tolerance (separate memory layouts). Part of the cache key
   * only when above 1.
   */
  processRepeats: number;
  /** Generation measurement, or `false` for none. */
  generation: GenerationSettings | false;
}

/** Default settings: the paper's batch 1, seq len 192, one thread. */
export const DEFAULT_PROFILE_SETTINGS: Readonly<ProfileSettings> = Object.freeze({
  seqLen: 192,
  batch: 1,
  threads: 1,
  dialect: "fast",
  provider: "cpu",
  lastTokenOnly: true,
  seed: 0,
  warmupRuns: 1,
  minRuns: 10,
  maxRuns: 200,
  stableTolerance: 0.01,
  stableWindow: 5,
  maxTimedMs: 5000,
  timeoutMs: 300_000,
  processRepeats: 1,
  generation: false,
});

/** Default generation settings. */
export const DEFAULT_GENERATION_SETTINGS: Readonly<GenerationSettings> = Object.freeze({
  promptLen: 64,
  newTokens: 16,
  repeats: 10,
});

function choice<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) {
    throw new InputError(
      `${field}: expected one of ${choices.join(", ")}, got ${describeValue(value)}`,
    );
  }
  return value as T;
}

const KNOWN = new Set(Object.keys(DEFAULT_PROFILE_SETTINGS));
const KNOWN_GENERATION = new Set(Object.keys(DEFAULT_GENERATION_SETTINGS));

/**
 * Validates partial settings and fills in the defaults. Throws {@linkcode InputError} naming
 * the field. `generation: true` means the default generation settings.
 *
 * @example
 * ```ts
 * import { validateProfileSettings } from "./settings.ts";
 * const s = validateProfileSettings({ seqLen: 128, generation: { promptLen: 32 } });
 * s.batch; // 1
 * s.generation && s.generation.newTokens; // 16
 * ```
 */
export function validateProfileSettings(
  input: unknown = {},
  where = "",
): ProfileSettings {
  return withWhere(where, () => validateInner(input));
}

function validateInner(input: unknown): ProfileSettings {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new InputError(`settings: expected an object, got ${describeValue(input)}`);
  }
  const raw = input as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (raw[key] !== undefined && !KNOWN.has(key)) {
      throw new InputError(`${key}: unknown setting (known: ${[...KNOWN].join(", ")})`);
    }
  }
  const d = DEFAULT_PROFILE_SETTINGS;
  const get = (key: keyof ProfileSettings) => raw[key] === undefined ? d[key] : raw[key];
  const lastTokenOnly = get("lastTokenOnly");
  if (typeof lastTokenOnly !== "boolean") {
    throw new InputError(
      `lastTokenOnly: expected true or false, got ${describeValue(lastTokenOnly)}`,
    );
  }
  const s: ProfileSettings = {
    seqLen: integerInRange(get("seqLen"), "seqLen", 1, 1 << 20),
    batch: integerInRange(get("batch"), "batch", 1, 1 << 16),
    threads: integerInRange(get("threads"), "threads", 1, 1024),
    dialect: choice(get("dialect"), "dialect", DIALECTS),
    provider: choice(get("provider"), "provider", PROVIDERS),
    lastTokenOnly,
    seed: integerInRange(get("seed"), "seed", 0),
    warmupRuns: integerInRange(get("warmupRuns"), "warmupRuns", 0, 1000),
    minRuns: integerInRange(get("minRuns"), "minRuns", 1, 1_000_000),
    maxRuns: integerInRange(get("maxRuns"), "maxRuns", 1, 1_000_000),
    stableTolerance: numberInRange(get("stableTolerance"), "stableTolerance", 0, 1),
    stableWindow: integerInRange(get("stableWindow"), "stableWindow", 1, 1_000_000),
    maxTimedMs: numberInRange(get("maxTimedMs"), "maxTimedMs", 0, 1e9),
    timeoutMs: numberInRange(get("timeoutMs"), "timeoutMs", 1, 1e9),
    processRepeats: integerInRange(get("processRepeats"), "processRepeats", 1, 100),
    generation: validateGeneration(get("generation")),
  };
  if (s.maxRuns < s.minRuns) {
    throw new InputError(`maxRuns: ${s.maxRuns} is below minRuns ${s.minRuns}`);
  }
  return s;
}

function validateGeneration(value: unknown): GenerationSettings | false {
  if (value === false) return false;
  if (value === true) return { ...DEFAULT_GENERATION_SETTINGS };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(
      `generation: expected false, true or an object, got ${describeValue(value)}`,
    );
  }
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (raw[key] !== undefined && !KNOWN_GENERATION.has(key)) {
      throw new InputError(
        `generation.${key}: unknown setting (known: ${[...KNOWN_GENERATION].join(", ")})`,
      );
    }
  }
  const d = DEFAULT_GENERATION_SETTINGS;
  const get = (key: keyof GenerationSettings) => raw[key] === undefined ? d[key] : raw[key];
  return {
    promptLen: integerInRange(get("promptLen"), "generation.promptLen", 1, 1 << 20),
    newTokens: integerInRange(get("newTokens"), "generation.newTokens", 1, 1 << 20),
    repeats: integerInRange(get("repeats"), "generation.repeats", 1, 1_000_000),
  };
}

/**
 * The part of the settings that decides a result (everything but `timeoutMs`), for cache keys.
 *
 * @example
 * ```ts
 * import { measurementSettings, validateProfileSettings } from "./settings.ts";
 * "timeoutMs" in measurementSettings(validateProfileSettings({})); // false
 * ```
 */
export function measurementSettings(settings: ProfileSettings): RecordedSettings {
  const { timeoutMs: _timeoutMs, processRepeats, ...rest } = settings;
  return processRepeats === 1 ? rest : { ...rest, processRepeats };
}

/**
 * The settings a result records and its cache key hashes: everything but `timeoutMs`, and
 * `processRepeats` only when above 1 (so that single-process results keep their keys).
 */
export type RecordedSettings =
  & Omit<ProfileSettings, "timeoutMs" | "processRepeats">
  & { processRepeats?: number };

/**
 * Checks settings against one architecture: the sequences must fit its learned positions.
 * Throws {@linkcode InputError}.
 *
 * @example
 * ```ts
 * import { checkSettingsForArch, validateProfileSettings } from "./settings.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 });
 * checkSettingsForArch(arch, validateProfileSettings({ seqLen: 192 })); // fine: 192 ≤ 1024
 * ```
 */
export function checkSettingsForArch(
  arch: { backbone: string; nPositions: number },
  settings: ProfileSettings,
  where = "",
): void {
  if (arch.backbone !== "gpt2") return;
  const prefix = where ? `${where}: ` : "";
  if (settings.seqLen > arch.nPositions) {
    throw new InputError(
      `${prefix}seqLen: ${settings.seqLen} is above the architecture's nPositions ${arch.nPositions}`,
    );
  }
  const g = settings.generation;
  if (g && g.promptLen + g.newTokens - 1 > arch.nPositions) {
    throw new InputError(
      `${prefix}generation: promptLen + newTokens − 1 = ${
        g.promptLen + g.newTokens - 1
      } is above the architecture's nPositions ${arch.nPositions}`,
    );
  }
}

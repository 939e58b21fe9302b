/**
 * What a notebook needs to measure honestly: whether the report runs in quick or fresh mode, the
 * device, the profiler cache, and a sentence saying where every number comes from.
 *
 * `deno task report --quick` sets `LTS_QUICK=1` (studies cap their budgets and say so);
 * `--fresh` sets `LTS_FRESH=1` (everything is measured again; new results still go to the cache)
 * and passes the report's start time in `LTS_FRESH_SINCE` (an ISO time).
 *
 * @module
 */
import { escapeMarkdown as esc } from "../plots/markdown.ts";
import { ProfileCache } from "../profile/cache.ts";
import { detectDevice, type DeviceInfo } from "../profile/fingerprint.ts";
import type { ProfileSuccess } from "../profile/result.ts";
import { type ProfileSettings, validateProfileSettings } from "../profile/settings.ts";
import { InputError } from "../util/errors.ts";
import { listenForInterrupt } from "./interrupt.ts";

/** Mode and environment of a study. */
export interface StudyContext {
  /** Budgets capped so that a first report finishes in minutes. */
  quick: boolean;
  /** Cached measurements ignored (new ones are still stored). */
  fresh: boolean;
  /**
   * With `fresh`: when this fresh run began (ISO time). Work saved before it (a report search's
   * run folder) is redone; work saved since (by an earlier notebook of the same report) is
   * reused. `deno task report --fresh` passes its start time in `LTS_FRESH_SINCE`; otherwise
   * it is this process's start.
   */
  freshSince?: string;
  device: DeviceInfo;
  /** The profiler cache to pass to `profileArch` / `profileMany`. */
  cache: ProfileCache;
}

/** A cache that never hits but still records: measuring again, keeping what is measured. */
class WriteOnlyCache extends ProfileCache {
  override get(_key: string): Promise<ProfileSuccess | undefined> {
    return Promise.resolve(undefined);
  }
}

function envFlag(name: string): boolean {
  const value = Deno.env.get(name);
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * Reads the mode from `LTS_QUICK` / `LTS_FRESH` (flags: set, and not `0` or `false`; or
 * `overrides`) and detects the device. With `fresh`, `LTS_FRESH_SINCE` (an ISO time) is the
 * start of the fresh run (`freshSince`); an unparsable value is an error.
 *
 * @example
 * ```ts
 * import { studyContext } from "./context.ts";
 * const ctx = await studyContext();
 * const budget = ctx.quick ? 2 : 6;
 * ```
 */
export async function studyContext(
  overrides: { quick?: boolean; fresh?: boolean; cachePath?: string } = {},
): Promise<StudyContext> {
  // In the kernel, Jupyter's Interrupt then stops the running study instead of the kernel.
  listenForInterrupt();
  const quick = overrides.quick ?? envFlag("LTS_QUICK");
  const fresh = overrides.fresh ?? envFlag("LTS_FRESH");
  const cache = fresh
    ? new WriteOnlyCache(overrides.cachePath)
    : new ProfileCache(overrides.cachePath);
  const ctx: StudyContext = { quick, fresh, device: await detectDevice(), cache };
  if (fresh) {
    const raw = Deno.env.get("LTS_FRESH_SINCE");
    const since = raw ? Date.parse(raw) : performance.timeOrigin;
    if (Number.isNaN(since)) {
      throw new InputError(`LTS_FRESH_SINCE: expected an ISO time, got ${JSON.stringify(raw)}`);
    }
    ctx.freshSince = new Date(since).toISOString();
  }
  return ctx;
}

/**
 * One sentence saying where measured numbers come from: device, runtime, provider, threads,
 * dialect, input shape, which positions get logits, and how repeats were decided. Markdown; the
 * device strings (CPU model, OS, runtime version) are escaped, so they render literally.
 *
 * @example
 * ```ts
 * import { provenance, studyContext } from "./context.ts";
 * import { validateProfileSettings } from "../profile/settings.ts";
 * const ctx = await studyContext();
 * provenance(ctx, validateProfileSettings({}));
 * // "Measured on Intel(R) Xeon(R) … (2 logical cores, linux), ONNX Runtime 1.30.0 (onnxruntime-node), cpu …"
 * ```
 */
export function provenance(ctx: StudyContext, settings: ProfileSettings): string {
  const s = validateProfileSettings(settings);
  const d = ctx.device;
  const repeats = s.generation
    ? `${s.generation.repeats} repeats of a ${s.generation.promptLen}-token prompt then ${
      s.generation.newTokens - 1
    } single tokens with the KV cache, after 1 warm-up repeat`
    : `p50 over ${s.minRuns}–${s.maxRuns} timed runs (stopping once the p50 holds within ±${
      s.stableTolerance * 100
    } % over ${s.stableWindow} runs, or after ${
      s.maxTimedMs / 1000
    } s), after ${s.warmupRuns} warm-up run${s.warmupRuns === 1 ? "" : "s"}`;
  return [
    `Measured on ${esc(d.cpuModel)} (${d.logicalCores} logical cores, ${esc(d.os)} ${
      esc(d.osRelease)
    }), `,
    `ONNX Runtime ${esc(d.runtimeVersion)} (onnxruntime-node), ${s.provider} execution provider, `,
    `${s.threads} intra-op thread${s.threads === 1 ? "" : "s"}, ${s.dialect} ONNX dialect, `,
    `batch ${s.batch} × ${s.generation ? "" : `seq len ${s.seqLen}, `}fp32 seeded random weights, `,
    s.generation
      ? "KV-cache graph with logits for the newest position only; "
      : s.lastTokenOnly
      ? "logits for the last position only (lastTokenOnly); "
      : "logits for every position (lastTokenOnly off); ",
    `${repeats}; each model in a fresh process; peak memory = VmHWM above the runtime's baseline. `,
    ctx.fresh
      ? "All measured anew for this report."
      : "Results come from the profile cache when present.",
    ctx.quick ? " Quick mode: budgets are capped." : "",
  ].join("");
}

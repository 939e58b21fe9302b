/**
 * The ONNX Runtime session options of a measurement, in one place: the measuring child
 * (child.ts) and the benchmarks (bench/worker.ts, bench/profile_bench.ts) create their sessions
 * with them, so that a benchmark measures what the profiler runs.
 *
 * @module
 */
import type { InferenceSession } from "onnxruntime-node";
import type { ProfileSettings } from "./settings.ts";

/**
 * Session options for `settings`: its execution provider and intra-op threads, one inter-op
 * thread, sequential execution, every graph optimisation, and ONNX Runtime's logging at errors
 * only.
 *
 * @example
 * ```ts
 * import { childSessionOptions } from "./session_options.ts";
 * import { validateProfileSettings } from "./settings.ts";
 * const options = childSessionOptions(validateProfileSettings({ threads: 2 }));
 * options.intraOpNumThreads; // 2
 * options.executionProviders; // ["cpu"]
 * ```
 */
export function childSessionOptions(
  settings: Pick<ProfileSettings, "provider" | "threads">,
): InferenceSession.SessionOptions {
  return {
    executionProviders: [settings.provider],
    intraOpNumThreads: settings.threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  };
}

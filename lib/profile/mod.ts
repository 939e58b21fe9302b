/**
 * On-device profiling: latency, peak memory and generation latency of an architecture with
 * onnxruntime-node, each model measured in a fresh child process, results cached by
 * (architecture, settings, device fingerprint). `processRepeats` measures the forward pass in
 * several fresh processes and reports the median one: p50s of separate processes differ by a few
 * per cent on a VM, more than the 1 % stopping rule inside one process.
 *
 * @example
 * ```ts
 * import { profileArch } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 512 });
 * const r = await profileArch(arch, { seqLen: 64, threads: 1 }, { cache: false });
 * if (r.ok) console.log(r.latencyMs.p50, r.peakMemoryBytes, r.modelBytes);
 * else console.log(r.reason);
 * ```
 *
 * @module
 */
export * from "./settings.ts";
export * from "./result.ts";
export * from "./fingerprint.ts";
export * from "./latency.ts";
export * from "./memory.ts";
export * from "./generation.ts";
export * from "./cache.ts";
export * from "./progress.ts";
export * from "./profile.ts";
export type {
  ChildJob,
  ChildMessage,
  ChildPhase,
  ChildWirePhase,
  ForwardMeasurement,
  GenerationMeasurement,
} from "./child.ts";

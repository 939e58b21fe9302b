/**
 * A calibrated cost model of this device: latency (forward p50) and peak memory of any gpt2
 * architecture of a preset, predicted in microseconds from 99 measured models
 * (`calibrate.ts`), stored per device and settings (`store.ts`), and checked on held-out
 * architectures (`validate.ts`).
 *
 * @example
 * ```ts ignore
 * import { predictCost, useCalibration } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const { calibration } = await useCalibration({ preset: "lts-gpt2", calibrate: true });
 * const arch = validateArch({ backbone: "gpt2", nLayer: 8, dModel: 512, nHead: 8, dInner: 2048, dEmbed: 256, divVal: 4 });
 * const { latencyMs, peakMemoryBytes } = predictCost(calibration, arch);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./terms.ts";
export * from "./fit.ts";
export * from "./design.ts";
export * from "./accuracy.ts";
export * from "./predict.ts";
export * from "./calibrate.ts";
export * from "./store.ts";
export * from "./resolve.ts";
export * from "./validate.ts";

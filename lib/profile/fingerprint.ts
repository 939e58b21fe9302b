/**
 * The device fingerprint recorded with every measurement: which processor, how many cores,
 * which OS, which ONNX Runtime, and how it was asked to run. Results are comparable only
 * between equal fingerprints; its hash is part of the result cache key.
 *
 * @module
 */
import { contentHash } from "../util/hash.ts";
import type { Dialect } from "../onnx/gpt2.ts";
import type { ProfileSettings, Provider } from "./settings.ts";

/** What this machine and its ONNX Runtime are (independent of the settings). */
export interface DeviceInfo {
  /** `model name` of /proc/cpuinfo (or `unknown`). */
  cpuModel: string;
  /** Instruction-set extensions that change kernel choice (subset of /proc/cpuinfo `flags`). */
  cpuFeatures: string[];
  /** Logical cores the OS reports. */
  logicalCores: number;
  /** `Deno.build.os`. */
  os: string;
  /** Kernel release (`Deno.osRelease()`). */
  osRelease: string;
  /** `Deno.build.arch`. */
  cpuArch: string;
  /** onnxruntime-node version (`ort.env.versions.node`). */
  runtimeVersion: string;
  /** Execution providers this onnxruntime-node build can use. */
  providers: Provider[];
  /** GPU model names from the NVIDIA driver, if any. */
  gpuModels: string[];
}

/** A {@linkcode DeviceInfo} narrowed to one measurement's provider, threads and dialect. */
export interface DeviceFingerprint {
  cpuModel: string;
  cpuFeatures: string[];
  logicalCores: number;
  os: string;
  osRelease: string;
  cpuArch: string;
  runtime: "onnxruntime-node";
  runtimeVersion: string;
  provider: Provider;
  /** GPU model, for the cuda provider only. */
  gpuModel?: string;
  threads: number;
  dialect: Dialect;
}

/** CPU flags worth recording: they select different ONNX Runtime kernels. */
const FEATURES = [
  "sse4_2",
  "avx",
  "avx2",
  "fma",
  "f16c",
  "avx512f",
  "avx512bw",
  "avx512vl",
  "avx512_vnni",
  "avx512_bf16",
  "avx_vnni",
  "amx_bf16",
  "amx_int8",
  "asimd",
  "sve",
];

/**
 * Reads the processor model and the relevant feature flags from /proc/cpuinfo text.
 *
 * @example
 * ```ts
 * import { parseCpuInfo } from "./fingerprint.ts";
 * parseCpuInfo("model name\t: Intel(R) Xeon(R)\nflags\t\t: fpu avx2 avx512f\n");
 * // { cpuModel: "Intel(R) Xeon(R)", cpuFeatures: ["avx2", "avx512f"] }
 * ```
 */
export function parseCpuInfo(text: string): { cpuModel: string; cpuFeatures: string[] } {
  const field = (name: string) =>
    text.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, "m"))?.[1].trim() ?? "";
  const cpuModel = field("model name") || field("Hardware") || field("cpu model") || "unknown";
  const flags = new Set((field("flags") || field("Features")).split(/\s+/));
  return { cpuModel, cpuFeatures: FEATURES.filter((f) => flags.has(f)) };
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

function gpuModels(): string[] {
  const models: string[] = [];
  try {
    for (const entry of Deno.readDirSync("/proc/driver/nvidia/gpus")) {
      const info = readText(`/proc/driver/nvidia/gpus/${entry.name}/information`);
      const model = info.match(/^Model:\s*(.*)$/m)?.[1].trim();
      if (model) models.push(model);
    }
  } catch {
    // No NVIDIA driver.
  }
  return models.sort();
}

/** The folder of the loaded onnxruntime-node native binding, from this process's memory map. */
function bindingFolder(): string | undefined {
  const maps = readText("/proc/self/maps");
  const path = maps.match(/(\/\S*)\/onnxruntime_binding\.node/)?.[1];
  return path;
}

let detected: Promise<DeviceInfo> | undefined;

/**
 * Detects this machine and its onnxruntime-node (imported on first use, then remembered).
 * The cuda provider counts as available only when the build lists it and its provider library
 * is installed beside the binding.
 *
 * @example
 * ```ts
 * import { detectDevice } from "./fingerprint.ts";
 * const device = await detectDevice();
 * device.providers; // ["cpu"] on a machine without CUDA
 * ```
 */
export function detectDevice(): Promise<DeviceInfo> {
  detected ??= (async () => {
    const ort = await import("onnxruntime-node");
    const backends = ort.listSupportedBackends?.() ?? [{ name: "cpu", bundled: true }];
    const folder = bindingFolder();
    const providers: Provider[] = ["cpu"];
    const cuda = backends.find((b) => b.name === "cuda");
    if (
      cuda &&
      (cuda.bundled ||
        (folder !== undefined && fileExists(`${folder}/libonnxruntime_providers_cuda.so`)))
    ) {
      providers.push("cuda");
    }
    const { cpuModel, cpuFeatures } = parseCpuInfo(readText("/proc/cpuinfo"));
    let osRelease = "unknown";
    try {
      osRelease = Deno.osRelease();
    } catch {
      // Not permitted: keep unknown.
    }
    return {
      cpuModel,
      cpuFeatures,
      logicalCores: navigator.hardwareConcurrency,
      os: Deno.build.os,
      osRelease,
      cpuArch: Deno.build.arch,
      runtimeVersion: String(ort.env.versions?.node ?? ort.env.versions?.common ?? "unknown"),
      providers,
      gpuModels: gpuModels(),
    };
  })();
  return detected;
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The fingerprint of one measurement: the device plus the provider, threads and dialect.
 *
 * @example
 * ```ts
 * import { detectDevice, deviceFingerprint } from "./fingerprint.ts";
 * import { validateProfileSettings } from "./settings.ts";
 * const fp = deviceFingerprint(await detectDevice(), validateProfileSettings({}));
 * fp.threads; // 1
 * ```
 */
export function deviceFingerprint(
  device: DeviceInfo,
  settings: Pick<ProfileSettings, "provider" | "threads" | "dialect">,
): DeviceFingerprint {
  const fp: DeviceFingerprint = {
    cpuModel: device.cpuModel,
    cpuFeatures: [...device.cpuFeatures],
    logicalCores: device.logicalCores,
    os: device.os,
    osRelease: device.osRelease,
    cpuArch: device.cpuArch,
    runtime: "onnxruntime-node",
    runtimeVersion: device.runtimeVersion,
    provider: settings.provider,
    threads: settings.threads,
    dialect: settings.dialect,
  };
  if (settings.provider === "cuda") fp.gpuModel = device.gpuModels[0] ?? "unknown";
  return fp;
}

/**
 * 16 hex digits identifying a fingerprint (stable across key order).
 *
 * @example
 * ```ts
 * import { fingerprintHash } from "./fingerprint.ts";
 * fingerprintHash({
 *   cpuModel: "x", cpuFeatures: [], logicalCores: 2, os: "linux", osRelease: "6.1",
 *   cpuArch: "x86_64", runtime: "onnxruntime-node", runtimeVersion: "1.30.0",
 *   provider: "cpu", threads: 1, dialect: "fast",
 * }).length; // 16
 * ```
 */
export function fingerprintHash(fingerprint: DeviceFingerprint): string {
  return contentHash({ v: 1, fingerprint });
}

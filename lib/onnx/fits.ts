/**
 * Whether an emission fits the machine: its weight bytes against the free disk space of the
 * output folder and the memory the writer holds, checked before anything is written, so that a
 * model too big for the machine is an {@linkcode InputError} (exit 2) naming the architecture and
 * the bytes needed and available, never a full disk or a V8 allocation failure.
 *
 * @module
 */
import { statfsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Arch } from "../arch/types.ts";
import { compactArch } from "../arch/validate.ts";
import { InputError } from "../util/errors.ts";
import { elementCount, type Initializer, type OnnxModel } from "./graph.ts";
import { emitGpt2, type Gpt2EmitOptions } from "./gpt2.ts";
import { EXTERNAL_ALIGNMENT_BYTES, externalLayout, initializerBytes } from "./weights.ts";

/** Where free disk space and available memory come from (the system; a fake in tests). */
export interface ResourceProbe {
  /** Free bytes for this user on the file system holding `dir`; `undefined` when unknown. */
  freeDiskBytes(dir: string): number | undefined;
  /** Memory available to a new allocation (Linux `MemAvailable`); `undefined` when unknown. */
  availableMemoryBytes(): number | undefined;
}

/** What writing one model needs. */
export interface EmissionNeeds {
  /** Bytes written to the output folder (the `.onnx` file and its `.data` file). */
  diskBytes: number;
  /** Bytes the writer holds in memory at once (weight buffers and the encoded model). */
  memoryBytes: number;
  /** The largest single tensor, in bytes. */
  largestTensorBytes: number;
}

/** Head-room added to every estimate: the graph itself, file-system and allocator overhead. */
export const EMISSION_MARGIN_BYTES = 16 * 2 ** 20;

/**
 * The largest tensor an emission may hold (16 GiB): below V8's limit on one `ArrayBuffer`, so a
 * bigger table is refused up front rather than failing to allocate.
 */
export const MAX_TENSOR_BYTES = 2 ** 34;

/** Weights at or above this size go to an external-data file under `externalData: "auto"`. */
export const AUTO_EXTERNAL_MIN_BYTES = 1 << 20;

/**
 * Whether {@linkcode writeOnnx} puts the weights in a `.data` file for this mode.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usesExternalData } from "./fits.ts";
 * assert.equal(usesExternalData([{ name: "w", dims: [1024, 1024], fill: () => {} }], "auto"), true);
 * ```
 */
export function usesExternalData(
  initializers: readonly Initializer[],
  mode: "auto" | boolean = "auto",
): boolean {
  return mode === "auto" ? initializerBytes(initializers) >= AUTO_EXTERNAL_MIN_BYTES : mode;
}

/**
 * Disk and memory that writing `model` needs: with external data, the aligned data file on disk
 * and two tensor buffers in memory (the largest even- and odd-numbered tensors, which the writer
 * fills alternately); embedded, every weight twice in memory (the tensors and the encoded
 * message) and once on disk. Each plus {@linkcode EMISSION_MARGIN_BYTES}.
 *
 * @example
 * ```ts
 * import { emissionNeeds } from "./fits.ts";
 * const fill = () => {};
 * emissionNeeds({ initializers: [{ name: "w", dims: [1024, 1024], fill }] }, true).diskBytes;
 * // 4194304 + 16 MiB
 * ```
 */
export function emissionNeeds(
  model: Pick<OnnxModel, "initializers">,
  external: boolean,
): EmissionNeeds {
  const sizes = model.initializers.map((i) => elementCount(i.dims) * 4);
  const largestTensorBytes = Math.max(0, ...sizes);
  if (external) {
    const largest = (parity: number) => Math.max(0, ...sizes.filter((_, k) => k % 2 === parity));
    const dataBytes = externalLayout(model.initializers, EXTERNAL_ALIGNMENT_BYTES).totalBytes;
    return {
      diskBytes: dataBytes + EMISSION_MARGIN_BYTES,
      memoryBytes: largest(0) + largest(1) + EMISSION_MARGIN_BYTES,
      largestTensorBytes,
    };
  }
  const weightBytes = sizes.reduce((s, x) => s + x, 0);
  return {
    diskBytes: weightBytes + EMISSION_MARGIN_BYTES,
    memoryBytes: 2 * weightBytes + EMISSION_MARGIN_BYTES,
    largestTensorBytes,
  };
}

/** The nearest folder of `path` that exists (the output folder may not exist yet). */
function existingAncestor(dir: string): string {
  let d = resolve(dir);
  for (;;) {
    try {
      if (Deno.statSync(d).isDirectory) return d;
    } catch {
      // not there (yet): try its parent
    }
    const up = dirname(d);
    if (up === d) return d;
    d = up;
  }
}

/**
 * The running system: `statfs` of the output folder (or its nearest existing parent) and
 * `MemAvailable` of `/proc/meminfo`; either is `undefined` where the system cannot tell.
 *
 * @example
 * ```ts
 * import { SYSTEM_PROBE } from "./fits.ts";
 * SYSTEM_PROBE.freeDiskBytes("."); // e.g. 81993664512
 * ```
 */
export const SYSTEM_PROBE: ResourceProbe = {
  freeDiskBytes(dir: string): number | undefined {
    try {
      const s = statfsSync(existingAncestor(dir));
      const free = Number(s.bavail) * Number(s.bsize);
      return Number.isFinite(free) ? free : undefined;
    } catch {
      return undefined;
    }
  },
  availableMemoryBytes(): number | undefined {
    try {
      const m = /^MemAvailable:\s+(\d+)\s*kB/m.exec(Deno.readTextFileSync("/proc/meminfo"));
      return m ? Number(m[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  },
};

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;
const amount = (bytes: number) => `${bytes} bytes (${gb(bytes)})`;

/**
 * Throws {@linkcode InputError} when `needs` exceeds the free disk space of `dir` or the
 * available memory, or one tensor exceeds {@linkcode MAX_TENSOR_BYTES}; `label` names what is
 * being written (`architecture {…}`). An unknown amount (the probe returns `undefined`) passes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkNeeds } from "./fits.ts";
 * const probe = { freeDiskBytes: () => 1e6, availableMemoryBytes: () => 1e12 };
 * const needs = { diskBytes: 2e6, memoryBytes: 1e3, largestTensorBytes: 1e3 };
 * try {
 *   checkNeeds(needs, "data/tmp", "architecture x", probe);
 * } catch (e) {
 *   assert.match((e as Error).message, /^architecture x: needs 2000000 bytes \(0\.002 GB\) of free disk in /);
 * }
 * ```
 */
export function checkNeeds(
  needs: EmissionNeeds,
  dir: string,
  label: string,
  probe: ResourceProbe = SYSTEM_PROBE,
): void {
  if (needs.largestTensorBytes > MAX_TENSOR_BYTES) {
    throw new InputError(
      `${label}: one weight tensor needs ${amount(needs.largestTensorBytes)}, more than the ` +
        `${amount(MAX_TENSOR_BYTES)} one tensor may hold`,
    );
  }
  const disk = probe.freeDiskBytes(dir);
  if (disk !== undefined && needs.diskBytes > disk) {
    throw new InputError(
      `${label}: needs ${amount(needs.diskBytes)} of free disk in ${dir}, ${amount(disk)} free`,
    );
  }
  const memory = probe.availableMemoryBytes();
  if (memory !== undefined && needs.memoryBytes > memory) {
    throw new InputError(
      `${label}: needs ${amount(needs.memoryBytes)} of memory to write, ${
        amount(memory)
      } available`,
    );
  }
}

/**
 * How error messages name an architecture: `architecture` and its compact config JSON.
 *
 * @example
 * ```ts
 * import { archLabel } from "./fits.ts";
 * import { validateArch } from "../arch/validate.ts";
 * archLabel(validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256 }));
 * // 'architecture {"backbone":"gpt2","nLayer":2,"dModel":64,"nHead":2,"dInner":256}'
 * ```
 */
export function archLabel(arch: Arch): string {
  return `architecture ${JSON.stringify(compactArch(arch))}`;
}

/**
 * How error messages name a model: its architecture (from the `lts.arch` metadata `emitGpt2`
 * writes) or else its graph name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelLabel } from "./fits.ts";
 * assert.equal(modelLabel({ metadata: {}, graphName: "tiny" }), "model tiny");
 * ```
 */
export function modelLabel(model: Pick<OnnxModel, "metadata" | "graphName">): string {
  try {
    const arch = JSON.parse(model.metadata["lts.arch"] ?? "") as Arch;
    return archLabel(arch);
  } catch {
    return `model ${model.graphName}`;
  }
}

/** Options of {@linkcode checkEmissionFits}. */
export interface EmissionFitOptions extends Gpt2EmitOptions {
  /** As `writeOnnx`'s `externalData` (default `"auto"`). */
  externalData?: "auto" | boolean;
  /** Free disk and memory (default: the running system). */
  probe?: ResourceProbe;
}

/**
 * Checks, before anything is emitted or written, that the ONNX model of `arch` (as `emitGpt2`
 * would build it with `options`) fits the free disk space of `dir` and the available memory.
 * Throws {@linkcode InputError} naming the architecture and the bytes needed and available.
 * `writeOnnx` runs the same check itself; this is for an early check before other work.
 *
 * @example
 * ```ts
 * import { checkEmissionFits } from "./fits.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256 });
 * checkEmissionFits(arch, "data/tmp"); // passes: a few MB
 * ```
 */
export function checkEmissionFits(
  arch: Arch,
  dir: string,
  options: EmissionFitOptions = {},
): void {
  const { externalData, probe, ...emit } = options;
  // emitGpt2 only describes the weights (each fills on demand), so this allocates no tensor.
  const model = emitGpt2(arch, emit);
  const external = usesExternalData(model.initializers, externalData ?? "auto");
  checkNeeds(emissionNeeds(model, external), dir, archLabel(arch), probe);
}

/**
 * Peak resident memory of this process, from Linux's /proc/self/status.
 *
 * How the profiler uses it (see child.ts): the measuring child imports ONNX Runtime, reads its
 * job, then resets the kernel's high-water mark (writing `5` to /proc/self/clear_refs, Linux
 * ≥ 4.0) and takes the resident set at that moment as the baseline. After the session is
 * created and every run is done, `VmHWM − baseline` is the candidate's own peak: the session,
 * its weights, its arena and the activations, nothing of the Deno start-up or of other
 * candidates. Where the reset is refused, the baseline is VmHWM after the import instead.
 *
 * @module
 */

/** Resident-set figures of a process, in bytes. */
export interface ResidentMemory {
  /** Peak resident set since start (or since the last reset): VmHWM. */
  peakBytes: number;
  /** Current resident set: VmRSS. */
  currentBytes: number;
}

/**
 * Parses VmHWM and VmRSS out of /proc/<pid>/status text.
 *
 * @example
 * ```ts
 * import { parseProcStatus } from "./memory.ts";
 * parseProcStatus("VmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n");
 * // { peakBytes: 2097152, currentBytes: 1048576 }
 * ```
 */
export function parseProcStatus(text: string): ResidentMemory {
  const kb = (name: string) => {
    const m = text.match(new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, "m"));
    if (!m) throw new Error(`/proc status: no ${name} line`);
    return Number(m[1]) * 1024;
  };
  return { peakBytes: kb("VmHWM"), currentBytes: kb("VmRSS") };
}

/**
 * Reads this process's peak and current resident set (Linux only).
 *
 * @example
 * ```ts
 * import { readResidentMemory } from "./memory.ts";
 * const { peakBytes } = readResidentMemory();
 * ```
 */
export function readResidentMemory(): ResidentMemory {
  return parseProcStatus(Deno.readTextFileSync("/proc/self/status"));
}

/**
 * Resets this process's peak resident set to its current one. Returns false where the kernel
 * refuses (then VmHWM keeps counting from the process start).
 *
 * @example
 * ```ts
 * import { readResidentMemory, resetPeakMemory } from "./memory.ts";
 * if (resetPeakMemory()) readResidentMemory().peakBytes; // ≈ the current resident set
 * ```
 */
export function resetPeakMemory(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a peak-memory measurement: resets the high-water mark where possible and returns the
 * baseline and a function giving the peak above it so far (bytes, never negative).
 *
 * @example
 * ```ts
 * import { startPeakMemory } from "./memory.ts";
 * const meter = startPeakMemory();
 * const big = new Float64Array(1 << 24).fill(1);
 * meter.peakAboveBaselineBytes(); // ≈ 128 MiB
 * ```
 */
export function startPeakMemory(): {
  baselineBytes: number;
  reset: boolean;
  peakAboveBaselineBytes(): number;
} {
  const reset = resetPeakMemory();
  const now = readResidentMemory();
  const baselineBytes = reset ? now.currentBytes : now.peakBytes;
  return {
    baselineBytes,
    reset,
    peakAboveBaselineBytes: () => Math.max(0, readResidentMemory().peakBytes - baselineBytes),
  };
}

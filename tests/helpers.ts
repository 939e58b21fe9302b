/**
 * Helpers shared by the tests: the CLI run in this process with its output captured, and a small
 * GPT-2 search space that keeps searches fast.
 *
 * @module
 */
import { join } from "node:path";
import { archHash } from "../lib/arch/hash.ts";
import type { Arch } from "../lib/arch/types.ts";
import { main } from "../lib/cli/main.ts";
import { decoderParams } from "../lib/params/mod.ts";
import type { Measure, Measurement } from "../lib/search/mod.ts";
import { spaceOperators } from "../lib/search/operators.ts";
import { defineSpace } from "../lib/space/mod.ts";
import { PROJECT_ROOT } from "../lib/util/paths.ts";

/** What {@linkcode runCliProcess} captured. */
export interface CliProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run -A lib/cli/main.ts ARGS` as a child process in the project root, with `stdin`
 * as its standard input (none when undefined), and captures its exit code and output.
 */
export async function runCliProcess(args: string[], stdin?: string): Promise<CliProcessRun> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(PROJECT_ROOT, "lib/cli/main.ts"), ...args],
    cwd: PROJECT_ROOT,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** What {@linkcode runCli} captured. */
export interface CliRun {
  code: number;
  /** Lines printed with `console.log`. */
  out: string[];
  /** Lines printed with `console.error`. */
  err: string[];
}

/** Runs `lts ARGS` in this process and captures what it prints with console.log / console.error. */
export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...xs: unknown[]) => void out.push(xs.map(String).join(" "));
  console.error = (...xs: unknown[]) => void err.push(xs.map(String).join(" "));
  try {
    return { code: await main(args), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** A small GPT-2 space (plain embedding, tiny vocabulary) so that tests stay fast. */
export const TINY_SPACE = defineSpace({
  name: "tiny",
  backbone: "gpt2",
  nLayer: [1, 2, 3, 4],
  dModel: [64, 128, 192, 256],
  nHead: [2, 4, 8],
  dInner: [128, 256, 384, 512, 640, 768],
  vocabSize: 1000,
  nPositions: 256,
});

/** The search operators of {@linkcode TINY_SPACE}. */
export const TINY_OPS = spaceOperators(TINY_SPACE);

/** A deterministic fake profiler: latency grows with width and depth, memory with params. */
export function fakeMeasurement(arch: Arch): Measurement {
  let flops = 0;
  for (let i = 0; i < arch.nLayer; i++) {
    flops += 4 * arch.dModel ** 2 + 2 * arch.dModel * arch.dInner[i] + 3000 * arch.nHead[i];
  }
  const p50 = flops / 1e5 + 0.3 * arch.nLayer;
  return {
    ok: true,
    latencyMs: { p50, p10: p50 * 0.95, p90: p50 * 1.1 },
    peakMemoryBytes: decoderParams(arch) * 4 + arch.dModel * 4096 * (arch.nHead[0] % 3 + 1),
  };
}

/** A fake measure that records the architectures it is asked for; `fail` overrides results. */
export function countingMeasure(
  fail?: (arch: Arch) => Measurement | "throw" | "abort" | undefined,
): Measure & { calls: string[] } {
  const calls: string[] = [];
  const measure = (arch: Arch) => {
    calls.push(archHash(arch));
    const f = fail?.(arch);
    if (f === "abort") return Promise.reject(new DOMException("killed", "AbortError"));
    if (f === "throw") return Promise.reject(new Error("out of memory"));
    return Promise.resolve(f ?? fakeMeasurement(arch));
  };
  return Object.assign(measure, { calls });
}

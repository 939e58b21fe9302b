/**
 * Benchmark of the measuring instrument (`deno run -A bench/profile_bench.ts`): everything is
 * measured in one run, on this machine, with one ONNX Runtime thread and the profiler child's
 * own session options, and printed as a table (progress on stderr) followed by one JSON summary
 * line. Each section is a function that returns its rows and its part of the summary; `main`
 * runs them in this order:
 *
 * 1. Emission of GPT-2 small (124 M parameters): emitGpt2 + writeOnnx, as the profiler does.
 * 2. Session creation of that model, with and without weight pre-packing, in this process, and
 *    the prompt p50 without pre-packing over the p50 with it.
 * 3. In fresh worker processes, session time and peak memory with the tied embedding table held
 *    once (as emitted) against the same graph with the table as a constant.
 * 4. `fast` vs `portable` dialect, GPT-2 small, one process, runs interleaved: prompt latency
 *    (seq 192) and per-token latency (seq 1, 191 cached tokens); where a token pass goes per
 *    dialect (ONNX Runtime's profiler: weight GEMMs vs other kernels), and the floor of
 *    fast/portable: portable's weight GEMMs plus one read and one write of the KV cache (the
 *    graph's past/present I/O), over portable's token pass.
 * 5. Achieved FLOP/s of the GPT-2 small prompt and token passes (bench/flops.ts) against a 1024³
 *    MatMul timed in section 4, and the memory copy bandwidth of one thread.
 * 6. Per-candidate overhead of the profiler over 8 lts-gpt2 candidates (plain embeddings,
 *    seed 1) with each `schedule` (`pipelined`, the default; `overlapped`; `serial`):
 *    (total − timed) / timed per candidate and wall / Σ timed; with `pipelined`, the floor: each
 *    candidate's own session and warm-up over its timed runs; with `overlapped`, the p50 of each
 *    candidate relative to its p50 with `pipelined`.
 * 7. A/B: the timed runs of the typical candidate with and without background work in another
 *    process (a session creation, a model emission, pure arithmetic), runs classified by
 *    whether they ran entirely inside a busy interval or entirely outside every one.
 * 8. Repeatability: the p50 of the typical candidate over 5 fresh child processes.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { archHash } from "../lib/arch/hash.ts";
import { compactArch, validateArch } from "../lib/arch/validate.ts";
import type { Arch } from "../lib/arch/types.ts";
import { emitGpt2, GraphBuilder, writeOnnx } from "../lib/onnx/mod.ts";
import { detectDevice } from "../lib/profile/fingerprint.ts";
import { summarizeLatency } from "../lib/profile/latency.ts";
import { profileMany, type ProfileSchedule } from "../lib/profile/profile.ts";
import type { ProfileSuccess } from "../lib/profile/result.ts";
import { getSpace, sampleArch } from "../lib/space/mod.ts";
import { createRng } from "../lib/util/rng.ts";
import { forwardFlops } from "./flops.ts";
import { BENCH_SESSION_OPTIONS } from "./worker.ts";

const WORKER = fileURLToPath(new URL("./worker.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));

/**
 * GPT-2 small (124 M parameters).
 *
 * @example
 * ```ts
 * import { GPT2_SMALL } from "./profile_bench.ts";
 * GPT2_SMALL.dModel; // 768
 * ```
 */
export const GPT2_SMALL: Arch = validateArch({
  backbone: "gpt2",
  nLayer: 12,
  dModel: 768,
  nHead: 12,
  dInner: 3072,
  vocabSize: 50257,
  nPositions: 1024,
});

/**
 * The benchmark's candidates: `count` lts-gpt2 architectures with plain embeddings, seeded.
 *
 * @example
 * ```ts
 * import { benchCandidates } from "./profile_bench.ts";
 * benchCandidates(8, 1).length; // 8
 * ```
 */
export function benchCandidates(count: number, seed: number): Arch[] {
  const space = getSpace("lts-gpt2", { dEmbed: "dModel", divVal: [1] });
  const rng = createRng(seed);
  return Array.from({ length: count }, () => sampleArch(space, rng));
}

/**
 * Median of numbers.
 *
 * @example
 * ```ts
 * import { median } from "./profile_bench.ts";
 * median([3, 1, 2, 10]); // 2.5
 * ```
 */
export function median(xs: readonly number[]): number {
  return summarizeLatency(xs).p50;
}

/** One event of ONNX Runtime's profiler output (Chrome trace format), as far as used here. */
export interface OrtProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}

/**
 * Splits ONNX Runtime profiler events of repeated runs into the time per run of weight GEMMs
 * (`MatMul`/`Gemm`/`FusedMatMul` whose second input is a 2-D matrix, or was pre-packed away:
 * the layers' weights and the LM head) and of every other kernel, and the median `model_run`
 * duration (ms).
 *
 * @example
 * ```ts
 * import { weightGemmTimes } from "./profile_bench.ts";
 * weightGemmTimes([
 *   { cat: "Session", name: "model_run", dur: 1000 },
 *   { cat: "Node", name: "a_kernel_time", dur: 800,
 *     args: { op_name: "MatMul", input_type_shape: [{ float: [1, 1, 8] }, { float: [8, 8] }] } },
 *   { cat: "Node", name: "b_kernel_time", dur: 100,
 *     args: { op_name: "Add", input_type_shape: [{ float: [8] }, { float: [8] }] } },
 * ]); // { runs: 1, runMs: 1, weightGemmMs: 0.8, otherKernelMs: 0.1 }
 * ```
 */
export function weightGemmTimes(events: readonly OrtProfileEvent[]): {
  runs: number;
  runMs: number;
  weightGemmMs: number;
  otherKernelMs: number;
} {
  const runs = events.filter((e) => e.name === "model_run").map((e) => e.dur / 1000);
  let gemm = 0;
  let other = 0;
  for (const e of events) {
    if (e.cat !== "Node" || !e.name.endsWith("_kernel_time")) continue;
    const op = e.args?.op_name ?? "";
    // A pre-packed weight is no longer an input of its node: the profiler lists only A then.
    const shapes = e.args?.input_type_shape ?? [];
    const b = shapes.length === 1 ? [0, 0] : shapes[1] ? Object.values(shapes[1])[0] : undefined;
    if (["MatMul", "Gemm", "FusedMatMul"].includes(op) && b?.length === 2) gemm += e.dur;
    else other += e.dur;
  }
  const n = Math.max(1, runs.length);
  return {
    runs: runs.length,
    runMs: runs.length ? median(runs) : NaN,
    weightGemmMs: gemm / 1000 / n,
    otherKernelMs: other / 1000 / n,
  };
}

/**
 * Splits timed runs into those entirely outside every busy interval ("quiet") and those
 * entirely inside one ("busy"); runs that straddle an edge are dropped.
 *
 * @example
 * ```ts
 * import { classifyRuns } from "./profile_bench.ts";
 * classifyRuns([[0, 1], [2, 3], [4, 6]], [[1.5, 3.5], [5, 9]]);
 * // { quietMs: [1], busyMs: [1] }
 * ```
 */
export function classifyRuns(
  runs: readonly (readonly [number, number])[],
  busy: readonly (readonly [number, number])[],
): { quietMs: number[]; busyMs: number[] } {
  const quietMs: number[] = [];
  const busyMs: number[] = [];
  for (const [s, e] of runs) {
    if (busy.some(([bs, be]) => bs <= s && be >= e)) busyMs.push(e - s);
    else if (!busy.some(([bs, be]) => bs < e && be > s)) quietMs.push(e - s);
  }
  return { quietMs, busyMs };
}

/**
 * Formats rows as a plain-text table with padded columns (the last column unpadded).
 *
 * @example
 * ```ts
 * import { formatTable } from "./profile_bench.ts";
 * formatTable([{ a: "x", b: "1" }, { a: "yy", b: "2" }]); // "a   b\nx   1\nyy  2"
 * ```
 */
export function formatTable(rows: readonly Record<string, string>[]): string {
  if (rows.length === 0) return "";
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i + 1 < cells.length ? c.padEnd(widths[i]) : c)).join("  ").trimEnd();
  return [line(keys), ...rows.map((r) => line(keys.map((k) => r[k])))].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Rows and helpers.

/** One row of the printed table, as a section makes it (main adds the setup column). */
interface Row {
  metric: string;
  value: string;
  repeats: string;
  note: string;
}

/** What a section measured: its rows of the table and its part of the JSON summary. */
interface Section {
  rows: Row[];
  summary: Record<string, unknown>;
}

const log = (text: string) => console.error(`[bench] ${text}`);
const loadAvg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;

/** A row of the table, also logged on stderr as it is measured. */
function row(metric: string, value: string, repeats: number | string, note = ""): Row {
  log(`${metric}: ${value} (${repeats}) ${note}`);
  return { metric, value, repeats: String(repeats), note };
}

async function timeAsync(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

function randomTokens(n: number, vocab: number, seed: number): BigInt64Array {
  const rng = createRng(seed);
  return BigInt64Array.from({ length: n }, () => BigInt(rng.int(0, vocab - 1)));
}

function randomFloats(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.float() * 2 - 1);
}

/** Feeds of one KV-cache token pass: one new token at position `past`, `past` cached tokens. */
function tokenFeeds(arch: Arch, past: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", randomTokens(1, arch.vocabSize, 3), [1, 1]),
    position_ids: new ort.Tensor("int64", BigInt64Array.of(BigInt(past)), [1, 1]),
  };
  arch.nHead.forEach((h, i) => {
    const shape = [1, h, past, arch.dModel / h];
    const n = past * arch.dModel;
    feeds[`past_key_${i}`] = new ort.Tensor("float32", randomFloats(n, 10 + i), shape);
    feeds[`past_value_${i}`] = new ort.Tensor("float32", randomFloats(n, 100 + i), shape);
  });
  return feeds;
}

/** Times the functions in turn (`rounds` each, the first one rotating every round): p50s. */
async function interleaved(fns: (() => Promise<unknown>)[], rounds: number): Promise<number[]> {
  for (const f of fns) await f();
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < fns.length; k++) {
      const j = (r + k) % fns.length;
      times[j].push(await timeAsync(fns[j]));
    }
  }
  return times.map(median);
}

async function worker(args: string[]): Promise<Deno.CommandOutput> {
  return await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, WORKER, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
}

function parseWorker<T = Record<string, [number, number][]>>(out: Deno.CommandOutput): T {
  if (!out.success) throw new Error(`worker failed: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

// ---------------------------------------------------------------------------------------------
// The sections, in the order main() runs them.

/** The GPT-2 small model files of sections 2–5. */
interface ModelPaths {
  fast: string;
  portable: string;
  fastKv: string;
  portableKv: string;
}

const gpt2Small = (dialect: "fast" | "portable", kvCache: boolean) =>
  emitGpt2(GPT2_SMALL, { dialect, kvCache, lastTokenOnly: true });

/** 1. Emission of GPT-2 small (3 times), then the other models the next sections load. */
async function emissionSection(
  tmp: string,
): Promise<Section & { models: ModelPaths; weightBytes: number }> {
  const models: ModelPaths = {
    fast: join(tmp, "fast", "forward.onnx"),
    portable: join(tmp, "portable", "forward.onnx"),
    fastKv: join(tmp, "fast", "kv.onnx"),
    portableKv: join(tmp, "portable", "kv.onnx"),
  };
  const emitMs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const path = r === 0 ? models.fast : join(tmp, `emit-${r}`, "forward.onnx");
    emitMs.push(await timeAsync(() => writeOnnx(gpt2Small("fast", false), path)));
    if (r > 0) await Deno.remove(join(tmp, `emit-${r}`), { recursive: true });
  }
  const weightBytes = (await Deno.stat(models.fast + ".data")).size;
  const rows = [
    row(
      "emit GPT-2 small (fast)",
      ms(median(emitMs)),
      3,
      `${(weightBytes / 2 ** 20).toFixed(0)} MiB; min ${ms(Math.min(...emitMs))}`,
    ),
  ];
  await writeOnnx(gpt2Small("portable", false), models.portable);
  await writeOnnx(gpt2Small("fast", true), models.fastKv);
  await writeOnnx(gpt2Small("portable", true), models.portableKv);
  return { rows, summary: { emission: { gpt2SmallMs: emitMs, weightBytes } }, models, weightBytes };
}

/** 2. Session creation with weight pre-packing on and off (interleaved), and its prompt cost. */
async function sessionSection(models: ModelPaths): Promise<Section> {
  const withPrepack: number[] = [];
  const withoutPrepack: number[] = [];
  const noPrepack = { ...BENCH_SESSION_OPTIONS, extra: { session: { disable_prepacking: "1" } } };
  for (let r = 0; r < 3; r++) {
    for (
      const [options, out] of [
        [BENCH_SESSION_OPTIONS, withPrepack],
        [noPrepack, withoutPrepack],
      ] as const
    ) {
      let s: ort.InferenceSession | undefined;
      out.push(
        await timeAsync(async () => (s = await ort.InferenceSession.create(models.fast, options))),
      );
      await s!.release();
    }
  }
  const rows = [
    row("session GPT-2 small, pre-packing on", ms(median(withPrepack)), 3, "in-process"),
    row("session GPT-2 small, pre-packing off", ms(median(withoutPrepack)), 3, "in-process"),
  ];
  const on = await ort.InferenceSession.create(models.fast, BENCH_SESSION_OPTIONS);
  const off = await ort.InferenceSession.create(models.fast, noPrepack);
  const feeds = {
    input_ids: new ort.Tensor("int64", randomTokens(192, GPT2_SMALL.vocabSize, 1), [1, 192]),
  };
  const [pOn, pOff] = await interleaved([() => on.run(feeds), () => off.run(feeds)], 6);
  rows.push(
    row(
      "prompt p50, pre-packing off / on",
      (pOff / pOn).toFixed(3),
      6,
      `${ms(pOn)} on, ${ms(pOff)} off`,
    ),
  );
  await on.release();
  await off.release();
  return {
    rows,
    summary: {
      session: {
        prepackMs: withPrepack,
        noPrepackMs: withoutPrepack,
        promptP50Ms: { prepack: pOn, noPrepack: pOff },
      },
    },
  };
}

/**
 * 3. The tied embedding table declared as an input (held once, as emitted) vs the same graph
 * with the table as a plain constant (ONNX Runtime then pre-packs a transposed copy for the LM
 * head): session creation and peak memory, each in a fresh worker process.
 */
async function tiedTableSection(tmp: string, models: ModelPaths): Promise<Section> {
  const model = gpt2Small("fast", false);
  const weights = new Set(model.initializers.map((w) => w.name));
  const constant = { ...model, inputs: model.inputs.filter((i) => !weights.has(i.name)) };
  const constantPath = join(tmp, "tied-constant", "forward.onnx");
  await writeOnnx(constant, constantPath);
  const loads: Record<"declared" | "constant", { sessionMs: number[]; peakBytes: number[] }> = {
    declared: { sessionMs: [], peakBytes: [] },
    constant: { sessionMs: [], peakBytes: [] },
  };
  for (let r = 0; r < 3; r++) {
    for (const [key, path] of [["declared", models.fast], ["constant", constantPath]] as const) {
      const out = parseWorker<{ sessionMs: number; peakBytes: number }>(
        await worker(["load", path, "192", String(GPT2_SMALL.vocabSize)]),
      );
      loads[key].sessionMs.push(out.sessionMs);
      loads[key].peakBytes.push(out.peakBytes);
    }
  }
  await Deno.remove(join(tmp, "tied-constant"), { recursive: true });
  const sessionRatio = median(loads.declared.sessionMs) / median(loads.constant.sessionMs);
  const rows = [
    row(
      "session, tied table held once / pre-packed copy",
      sessionRatio.toFixed(3),
      "3 processes each",
      `GPT-2 small: ${ms(median(loads.declared.sessionMs))} vs ${
        ms(median(loads.constant.sessionMs))
      }`,
    ),
    row(
      "peak memory, tied table held once − pre-packed copy",
      mib(median(loads.declared.peakBytes) - median(loads.constant.peakBytes)),
      "3 processes each",
      `GPT-2 small: ${mib(median(loads.declared.peakBytes))} vs ${
        mib(median(loads.constant.peakBytes))
      } (one V·d table is ${mib(GPT2_SMALL.vocabSize * GPT2_SMALL.dModel * 4)})`,
    ),
  ];
  return { rows, summary: { tiedTable: { ...loads, sessionRatio } } };
}

/** The p50s of section 4 that section 5 turns into FLOP/s. */
interface DialectTimings {
  promptFastMs: number;
  tokenFastMs: number;
  /** The 1024³ MatMul, timed interleaved with the prompts. */
  matmulMs: number;
}

/** Size of the square MatMul of sections 4 and 5. */
const MATMUL_N = 1024;

/**
 * 4. `fast` vs `portable`, GPT-2 small, one process, runs interleaved: prompt (seq 192, with a
 * 1024³ MatMul for section 5) and token (seq 1, 191 cached tokens) p50s; where a token pass
 * goes per dialect (ONNX Runtime's profiler), and the floor of fast/portable.
 */
async function dialectSection(
  tmp: string,
  models: ModelPaths,
  weightBytes: number,
): Promise<Section & { timings: DialectTimings }> {
  const n = MATMUL_N;
  const g = new GraphBuilder("matmul");
  const input = g.input("a", "float32", [n, n]);
  const weight = g.initializer("b", [n, n], (out) => out.set(randomFloats(n * n, 5)));
  g.output(g.op("MatMul", [input, weight]), "float32", [n, n]);
  const mmPath = join(tmp, "matmul", "matmul.onnx");
  await writeOnnx(g.build({ irVersion: 8, opsets: [{ domain: "", version: 17 }] }), mmPath);
  const sessions = {
    fast: await ort.InferenceSession.create(models.fast, BENCH_SESSION_OPTIONS),
    portable: await ort.InferenceSession.create(models.portable, BENCH_SESSION_OPTIONS),
    matmul: await ort.InferenceSession.create(mmPath, BENCH_SESSION_OPTIONS),
  };
  const prompt = {
    input_ids: new ort.Tensor("int64", randomTokens(192, GPT2_SMALL.vocabSize, 1), [1, 192]),
  };
  const mmFeeds = { a: new ort.Tensor("float32", randomFloats(n * n, 6), [n, n]) };
  const [promptFast, promptPortable, mmMs] = await interleaved([
    () => sessions.fast.run(prompt),
    () => sessions.portable.run(prompt),
    () => sessions.matmul.run(mmFeeds),
  ], 12);
  const rows = [
    row("prompt p50 (seq 192) fast", ms(promptFast), 12, "GPT-2 small"),
    row(
      "prompt p50 (seq 192) portable",
      ms(promptPortable),
      12,
      `fast/portable ${(promptFast / promptPortable).toFixed(3)}`,
    ),
  ];
  for (const session of Object.values(sessions)) await session.release();
  const kv = {
    fast: await ort.InferenceSession.create(models.fastKv, BENCH_SESSION_OPTIONS),
    portable: await ort.InferenceSession.create(models.portableKv, BENCH_SESSION_OPTIONS),
  };
  const tokens = tokenFeeds(GPT2_SMALL, 191);
  const [tokenFast, tokenPortable] = await interleaved(
    [() => kv.fast.run(tokens), () => kv.portable.run(tokens)],
    60,
  );
  rows.push(
    row("token p50 (seq 1, past 191) fast", ms(tokenFast), 60, "GPT-2 small, KV cache"),
    row(
      "token p50 (seq 1, past 191) portable",
      ms(tokenPortable),
      60,
      `fast/portable ${(tokenFast / tokenPortable).toFixed(3)} (target ≤ 0.9)`,
    ),
  );
  await kv.fast.release();
  await kv.portable.release();
  // Where a token pass goes, per dialect (ONNX Runtime's own profiler, fresh sessions): the
  // weight GEMMs read every weight once in both dialects, so they bound fast/portable below.
  const opTimes: Record<string, ReturnType<typeof weightGemmTimes>> = {};
  for (const dialect of ["fast", "portable"] as const) {
    const dir = join(tmp, `profile-${dialect}`);
    await Deno.mkdir(dir, { recursive: true });
    const s = await ort.InferenceSession.create(
      dialect === "fast" ? models.fastKv : models.portableKv,
      { ...BENCH_SESSION_OPTIONS, enableProfiling: true, profileFilePrefix: join(dir, "ort") },
    );
    for (let r = 0; r < 30; r++) await s.run(tokens);
    s.endProfiling();
    await s.release();
    const [file] = [...Deno.readDirSync(dir)].filter((f) => f.name.endsWith(".json"));
    const events = JSON.parse(await Deno.readTextFile(join(dir, file.name))) as OrtProfileEvent[];
    opTimes[dialect] = weightGemmTimes(events);
  }
  const share = (d: string) =>
    opTimes[d].weightGemmMs / (opTimes[d].weightGemmMs + opTimes[d].otherKernelMs);
  rows.push(row(
    "token pass: weight GEMMs / all kernels, fast | portable",
    `${(100 * share("fast")).toFixed(0)} % | ${(100 * share("portable")).toFixed(0)} %`,
    "30 runs each (ORT profiler)",
    `GEMMs ${ms(opTimes.fast.weightGemmMs)} | ${ms(opTimes.portable.weightGemmMs)}; other kernels ${
      ms(opTimes.fast.otherKernelMs)
    } | ${ms(opTimes.portable.otherKernelMs)}`,
  ));
  // The weight GEMMs are the same nodes on the same weights in both dialects, so a fast graph
  // cannot beat portable's GEMM time. The graph's I/O (past_* in, present_* out, as separate
  // tensors: onnxruntime-node has no I/O binding to share one buffer) also makes any graph
  // read the cache once and write it once, taken here at the rate the GEMMs stream weights.
  const portableTotalMs = opTimes.portable.weightGemmMs + opTimes.portable.otherKernelMs;
  const gemmOnly = opTimes.portable.weightGemmMs / portableTotalMs;
  const cacheBytes = 2 * GPT2_SMALL.nLayer * 191 * GPT2_SMALL.dModel * 4;
  const cacheReadMs = cacheBytes / (weightBytes / opTimes.portable.weightGemmMs);
  const floor = (opTimes.portable.weightGemmMs + 2 * cacheReadMs) / portableTotalMs;
  rows.push(row(
    "token fast/portable floor: weight GEMMs + cache read + cache write",
    floor.toFixed(3),
    "30 runs (ORT profiler)",
    `GEMMs alone ${gemmOnly.toFixed(3)}; the cache is ${(cacheBytes / 2 ** 20).toFixed(1)} MiB ≈ ${
      ms(cacheReadMs)
    } each way at the GEMMs' ${
      ((weightBytes / 2 ** 30) / (opTimes.portable.weightGemmMs / 1000)).toFixed(1)
    } GiB/s (fp32 weights; target ≤ 0.9)`,
  ));
  return {
    rows,
    summary: {
      tokenOps: { ...opTimes, gemmOnly, cacheReadMs, fastOverPortableFloor: floor },
      dialects: {
        promptP50Ms: { fast: promptFast, portable: promptPortable },
        tokenP50Ms: { fast: tokenFast, portable: tokenPortable },
        promptRatio: promptFast / promptPortable,
        tokenRatio: tokenFast / tokenPortable,
        tokenTargetMet: tokenFast / tokenPortable <= 0.9,
      },
    },
    timings: { promptFastMs: promptFast, tokenFastMs: tokenFast, matmulMs: mmMs },
  };
}

/**
 * 5. Achieved FLOP/s of the GPT-2 small prompt and token passes (bench/flops.ts) against the
 * 1024³ MatMul of section 4, and the memory bandwidth of one thread (a 256 MiB copy): what a
 * token pass, which streams every weight once, is bound by.
 */
async function flopsSection(timings: DialectTimings, weightBytes: number): Promise<Section> {
  const { promptFastMs, tokenFastMs, matmulMs } = timings;
  const mmFlops = (2 * MATMUL_N ** 3) / (matmulMs / 1000);
  const fwdFlops = forwardFlops(GPT2_SMALL, 192);
  const achieved = fwdFlops / (promptFastMs / 1000);
  const tokenFlops = forwardFlops(GPT2_SMALL, 1, { pastLen: 191 });
  const tokenAchieved = tokenFlops / (tokenFastMs / 1000);
  const rows = [
    row("MatMul 1024³ FLOP/s", `${(mmFlops / 1e9).toFixed(1)} GFLOP/s`, 12, ms(matmulMs)),
    row(
      "GPT-2 small prompt FLOP/s (fast)",
      `${(achieved / 1e9).toFixed(1)} GFLOP/s`,
      12,
      `${(fwdFlops / 1e9).toFixed(2)} GFLOP/pass; ${
        (100 * achieved / mmFlops).toFixed(0)
      } % of MatMul`,
    ),
    row(
      "GPT-2 small token FLOP/s (fast)",
      `${(tokenAchieved / 1e9).toFixed(1)} GFLOP/s`,
      60,
      `${(tokenFlops / 1e9).toFixed(3)} GFLOP/pass; ${
        (100 * tokenAchieved / mmFlops).toFixed(0)
      } % of MatMul; ${
        ((weightBytes / 2 ** 30) / (tokenFastMs / 1000)).toFixed(1)
      } GiB/s of weights`,
    ),
  ];
  const src = new Float32Array(64 << 20).fill(1);
  const dst = new Float32Array(64 << 20);
  dst.set(src);
  const copyMs: number[] = [];
  for (let r = 0; r < 5; r++) copyMs.push(await timeAsync(() => Promise.resolve(dst.set(src))));
  const copyBytesPerS = (2 * src.byteLength) / (median(copyMs) / 1000);
  rows.push(row(
    "memory copy bandwidth (read + write)",
    `${(copyBytesPerS / 2 ** 30).toFixed(1)} GiB/s`,
    5,
    "256 MiB TypedArray.set, 1 thread",
  ));
  return {
    rows,
    summary: {
      memoryCopyBytesPerS: copyBytesPerS,
      flops: {
        matmulP50Ms: matmulMs,
        matmulFlopPerS: mmFlops,
        promptFlops: fwdFlops,
        promptFlopPerS: achieved,
        promptFraction: achieved / mmFlops,
        tokenFlops,
        tokenFlopPerS: tokenAchieved,
        tokenFraction: tokenAchieved / mmFlops,
        weightBytesPerS: weightBytes / (tokenFastMs / 1000),
      },
    },
  };
}

/** Profiles `candidates` without a cache with `schedule`: the results and the wall time. */
async function profileWith(
  tmp: string,
  candidates: readonly Arch[],
  schedule: ProfileSchedule,
): Promise<{ results: ProfileSuccess[]; wallMs: number }> {
  const t0 = performance.now();
  const results: ProfileSuccess[] = [];
  const options = { cache: false as const, schedule, tmpDir: join(tmp, "profile") };
  for await (const r of profileMany(candidates, {}, options)) {
    if (!r.ok) throw new Error(`profile failed: ${r.reason}`);
    results.push(r);
  }
  return { results, wallMs: performance.now() - t0 };
}

/** The schedules section 6 compares, the default first. */
const SCHEDULE_LABELS: readonly { schedule: ProfileSchedule; label: string }[] = [
  { schedule: "pipelined", label: "pipelined (default)" },
  { schedule: "overlapped", label: "overlapped (--overlap-session-creation)" },
  { schedule: "serial", label: "serial" },
];

/**
 * 6. Per-candidate overhead of the profiler over `candidates` with each schedule:
 * (total − timed) / timed per candidate and wall / Σ timed; with `"pipelined"`, also the floor
 * (each candidate's own session and warm-up over its timed runs); with `"overlapped"`, each
 * candidate's p50 relative to its p50 with `"pipelined"`.
 */
async function overheadSection(
  tmp: string,
  candidates: readonly Arch[],
): Promise<Section & { pipelined: ProfileSuccess[] }> {
  const rows: Row[] = [];
  const overhead: Record<string, unknown> = {};
  const bySchedule = new Map<ProfileSchedule, ProfileSuccess[]>();
  for (const { schedule, label } of SCHEDULE_LABELS) {
    const { results: got, wallMs } = await profileWith(tmp, candidates, schedule);
    bySchedule.set(schedule, got);
    const timed = got.reduce((s, r) => s + r.timings.timedMs, 0);
    const ratios = got.map((r) => (r.timings.totalMs - r.timings.timedMs) / r.timings.timedMs);
    const sum = (k: keyof ProfileSuccess["timings"]) => got.reduce((s, r) => s + r.timings[k], 0);
    const other = sum("totalMs") - sum("timedMs") - sum("sessionMs") - sum("warmupMs") -
      sum("emitMs") - sum("childReadyMs");
    rows.push(
      row(
        `overhead / timed, median candidate, ${label}`,
        `${(100 * median(ratios)).toFixed(0)} %`,
        `${got.length} candidates`,
        `range ${(100 * Math.min(...ratios)).toFixed(0)}–${
          (100 * Math.max(...ratios)).toFixed(0)
        } % (target ≤ 15 %); median ${
          ms(median(got.map((r) => r.timings.totalMs - r.timings.timedMs)))
        } per candidate`,
      ),
      row(
        `wall / Σ timed, ${label}`,
        (wallMs / timed).toFixed(3),
        `${got.length} candidates`,
        `Σ session ${ms(sum("sessionMs"))}, warm-up ${ms(sum("warmupMs"))}, emit ${
          ms(sum("emitMs"))
        }, ` +
          `child start ${ms(sum("childReadyMs"))}, other ${ms(other)}, timed ${ms(timed)}`,
      ),
    );
    if (schedule === "pipelined") {
      // What stays when everything else is hidden: each child creates its session and warms
      // up before its own timed runs, and no other work may run during timed runs.
      const own = got.map((r) => (r.timings.sessionMs + r.timings.warmupMs) / r.timings.timedMs);
      rows.push(row(
        "own session + warm-up / timed, median candidate",
        `${(100 * median(own)).toFixed(0)} %`,
        `${got.length} candidates`,
        `range ${(100 * Math.min(...own)).toFixed(0)}–${
          (100 * Math.max(...own)).toFixed(0)
        } %: the floor of the overhead while timed runs have the machine to themselves`,
      ));
      overhead.ownSessionWarmupRatio = { median: median(own), perCandidate: own };
    }
    if (schedule === "overlapped") {
      // The same candidates, timed with the next session created during their timed runs,
      // paired with their "pipelined" results by architecture hash.
      const pipelinedP50 = new Map(
        (bySchedule.get("pipelined") ?? []).map((r) => [r.archHash, r.latencyMs.p50]),
      );
      const shift = got.map((r) => r.latencyMs.p50 / (pipelinedP50.get(r.archHash) ?? NaN));
      rows.push(row(
        "p50 overlapped / pipelined, per candidate",
        median(shift).toFixed(3),
        `${got.length} candidates`,
        `median; range ${Math.min(...shift).toFixed(3)}–${Math.max(...shift).toFixed(3)} ` +
          `(sequential passes: drift included)`,
      ));
      overhead.overlapP50Ratio = { median: median(shift), perCandidate: shift };
    }
    overhead[schedule] = {
      wallMs,
      timedMs: timed,
      wallOverTimed: wallMs / timed,
      medianOverheadRatio: median(ratios),
      candidates: got.map((r) => ({
        archHash: r.archHash,
        p50Ms: r.latencyMs.p50,
        n: r.latencyMs.n,
        ...r.timings,
      })),
    };
  }
  return { rows, summary: { overhead }, pipelined: bySchedule.get("pipelined") ?? [] };
}

/**
 * 7. A/B: the timed runs of the typical candidate (the median p50 of `measured`) in one worker,
 * with background work in another (a session creation or a model emission of the largest
 * candidate, or pure arithmetic), runs classified by whether they ran entirely inside a busy
 * interval or entirely outside every one.
 */
async function abSection(
  tmp: string,
  candidates: readonly Arch[],
  measured: readonly ProfileSuccess[],
): Promise<Section & { typical: Arch }> {
  const middle = [...measured].sort((x, y) => x.latencyMs.p50 - y.latencyMs.p50)[
    measured.length >> 1
  ];
  const typical = candidates.find((a) => archHash(a) === middle.archHash);
  if (!typical) throw new Error("bench: the typical candidate is not among the candidates");
  const typicalP50 = middle.latencyMs.p50;
  const largest = candidates.reduce((x, y) => (y.nLayer * y.dModel > x.nLayer * x.dModel ? y : x));
  const typicalPath = join(tmp, "ab", "typical.onnx");
  const largestPath = join(tmp, "ab", "largest.onnx");
  await writeOnnx(emitGpt2(typical, { dialect: "fast", lastTokenOnly: true }), typicalPath);
  await writeOnnx(emitGpt2(largest, { dialect: "fast", lastTokenOnly: true }), largestPath);
  const archPath = join(tmp, "ab", "largest.json");
  await Deno.writeTextFile(archPath, JSON.stringify(compactArch(largest)));
  const runs = Math.max(40, Math.min(200, Math.round(20_000 / typicalP50)));
  const rows: Row[] = [];
  const ab: Record<string, unknown> = {};
  for (
    const [kind, args] of [
      ["session", ["session", largestPath]],
      ["emit", ["emit", archPath]],
      ["spin", ["spin"]],
    ] as const
  ) {
    const timer = worker(["time", typicalPath, "192", String(runs), String(typical.vocabSize)]);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // its session and warm-up
    const durationMs = String(Math.round(runs * typicalP50 * 1.1));
    const background = worker(
      kind === "emit" ? [...args, durationMs, join(tmp, "ab-emit")] : [...args, durationMs],
    );
    const timed = parseWorker(await timer).runs;
    const busy = parseWorker(await background).busy;
    const { quietMs, busyMs } = classifyRuns(timed, busy);
    const ratio = busyMs.length && quietMs.length ? median(busyMs) / median(quietMs) : NaN;
    rows.push(row(
      `A/B p50 with concurrent ${kind} / without`,
      ratio.toFixed(3),
      `${busyMs.length} busy + ${quietMs.length} quiet runs`,
      busyMs.length && quietMs.length
        ? `${ms(median(busyMs))} vs ${ms(median(quietMs))}`
        : "too few runs",
    ));
    ab[kind] = {
      ratio,
      busyRuns: busyMs.length,
      quietRuns: quietMs.length,
      busyP50Ms: busyMs.length ? median(busyMs) : null,
      quietP50Ms: quietMs.length ? median(quietMs) : null,
    };
  }
  return {
    rows,
    summary: { ab: { candidate: compactArch(typical), background: compactArch(largest), ...ab } },
    typical,
  };
}

/**
 * 8. Repeatability: `typical` measured again in 5 fresh child processes. The adaptive loop stops
 * once the p50 is stable within 1 % inside one process; this shows how far p50s of separate
 * processes (separate memory layouts) lie apart.
 */
async function repeatabilitySection(tmp: string, typical: Arch): Promise<Section> {
  const { results } = await profileWith(tmp, Array(5).fill(typical), "pipelined");
  const repeats = results.map((r) => r.latencyMs.p50);
  const mean = repeats.reduce((a, b) => a + b, 0) / repeats.length;
  const sd = Math.sqrt(repeats.reduce((a, b) => a + (b - mean) ** 2, 0) / (repeats.length - 1));
  const rows = [
    row(
      "p50 across fresh processes, typical candidate",
      `CV ${(100 * sd / mean).toFixed(1)} %`,
      `${repeats.length} processes`,
      `p50 ${ms(Math.min(...repeats))}–${ms(Math.max(...repeats))}; within one process the ` +
        "loop stops at 1 % stability",
    ),
  ];
  return { rows, summary: { repeatability: { p50Ms: repeats, cv: sd / mean } } };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const device = await detectDevice();
  const tag =
    `${device.cpuModel} ×${device.logicalCores} · 1 thread · onnxruntime-node ${device.runtimeVersion}`;
  const cpu = device.cpuModel.replace(/\((R|TM)\)/g, "").replace(/^Intel |^AMD /, "").trim();
  const setup = `${cpu} ×${device.logicalCores}, 1 thr, ORT ${device.runtimeVersion}`;
  const date = new Date().toISOString();
  const load0 = loadAvg();
  log(`${tag}; load average ${load0}`);
  const tmp = await Deno.makeTempDir({ prefix: "lts-profile-bench-" });
  const sections: Section[] = [];
  try {
    const emission = await emissionSection(tmp);
    sections.push(emission);
    sections.push(await sessionSection(emission.models));
    sections.push(await tiedTableSection(tmp, emission.models));
    const dialects = await dialectSection(tmp, emission.models, emission.weightBytes);
    sections.push(dialects);
    sections.push(await flopsSection(dialects.timings, emission.weightBytes));
    const candidates = benchCandidates(8, 1);
    const overhead = await overheadSection(tmp, candidates);
    sections.push(overhead);
    const ab = await abSection(tmp, candidates, overhead.pipelined);
    sections.push(ab);
    sections.push(await repeatabilitySection(tmp, ab.typical));
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
  const loadAverageEnd = loadAvg();
  console.log(`# ${tag}; load average ${load0} → ${loadAverageEnd}; ${date}`);
  console.log(formatTable(
    sections.flatMap((s) => s.rows).map((r) => ({
      metric: r.metric,
      value: r.value,
      repeats: r.repeats,
      setup,
      note: r.note,
    })),
  ));
  console.log(JSON.stringify({
    date,
    device: device.cpuModel,
    logicalCores: device.logicalCores,
    threads: 1,
    runtime: `onnxruntime-node ${device.runtimeVersion}`,
    loadAverageStart: load0,
    ...Object.assign({}, ...sections.map((s) => s.summary)),
    loadAverageEnd,
  }));
}

if (import.meta.main) await main();

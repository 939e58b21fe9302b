/**
 * A worker process of the benchmarks (`deno run -A bench/worker.ts <mode> …`), for A/B tests
 * that need two processes: one timing a model, one doing background work at the same time.
 * It prints one JSON line on stdout when done. Times are absolute (ms since the Unix epoch,
 * `performance.timeOrigin + performance.now()`), so that the two processes' intervals can be
 * compared.
 *
 * - `time <model.onnx> <seqLen> <runs> <vocabSize>`: creates a session (1 thread), warms up
 *   once, then times `runs` forward passes of `[1, seqLen]` random tokens. Prints
 *   `{ runs: [[startMs, endMs], …] }`.
 * - `session <model.onnx> <durationMs>`: until `durationMs` have passed, creates a session,
 *   releases it, then idles as long as that took (a 50 % duty cycle, so that a concurrent
 *   `time` worker sees both conditions many times). Prints `{ busy: [[startMs, endMs], …] }`.
 * - `spin <durationMs>`: the same with 1 s of pure arithmetic (no memory traffic): a control
 *   that tells CPU time-sharing (more runnable threads than cores) from memory interference.
 * - `emit <arch.json> <durationMs> <tmpDir>`: the same with the emission of a model (emitGpt2 +
 *   writeOnnx, as the profiler's parent does), deleted after each round.
 * - `load <model.onnx> <seqLen> <vocabSize>`: creates a session and runs one forward pass, as
 *   the profiler's child does. Prints `{ sessionMs, peakBytes }`: the session creation time and
 *   the peak resident set above the baseline before the session, with the profiler's own meter.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { join } from "node:path";
import { validateArch } from "../lib/arch/validate.ts";
import { emitGpt2, writeOnnx } from "../lib/onnx/mod.ts";
import { startPeakMemory } from "../lib/profile/memory.ts";
import { childSessionOptions } from "../lib/profile/session_options.ts";
import { validateProfileSettings } from "../lib/profile/settings.ts";
import { createRng } from "../lib/util/rng.ts";

/**
 * The session options of the benchmarks: the profiler child's own
 * ({@linkcode childSessionOptions}), for the CPU and one thread.
 *
 * @example
 * ```ts
 * import { BENCH_SESSION_OPTIONS } from "./worker.ts";
 * BENCH_SESSION_OPTIONS.intraOpNumThreads; // 1
 * BENCH_SESSION_OPTIONS.executionProviders; // ["cpu"]
 * ```
 */
export const BENCH_SESSION_OPTIONS: ort.InferenceSession.SessionOptions = childSessionOptions(
  validateProfileSettings({ provider: "cpu", threads: 1 }),
);

const nowAbs = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timeModel(path: string, seqLen: number, runs: number, vocabSize: number) {
  const session = await ort.InferenceSession.create(path, BENCH_SESSION_OPTIONS);
  const rng = createRng(7);
  const ids = BigInt64Array.from({ length: seqLen }, () => BigInt(rng.int(0, vocabSize - 1)));
  const feeds = { input_ids: new ort.Tensor("int64", ids, [1, seqLen]) };
  await session.run(feeds);
  const out: [number, number][] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowAbs();
    await session.run(feeds);
    out.push([t0, nowAbs()]);
  }
  await session.release();
  return { runs: out };
}

async function loadModel(path: string, seqLen: number, vocabSize: number) {
  const meter = startPeakMemory();
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(path, BENCH_SESSION_OPTIONS);
  const sessionMs = performance.now() - t0;
  const ids = BigInt64Array.from({ length: seqLen }, (_, i) => BigInt((i * 7919) % vocabSize));
  await session.run({ input_ids: new ort.Tensor("int64", ids, [1, seqLen]) });
  const peakBytes = meter.peakAboveBaselineBytes();
  await session.release();
  return { sessionMs, peakBytes };
}

async function dutyCycle(durationMs: number, work: () => Promise<void>) {
  const end = nowAbs() + durationMs;
  const busy: [number, number][] = [];
  while (nowAbs() < end) {
    const t0 = nowAbs();
    await work();
    const t1 = nowAbs();
    busy.push([t0, t1]);
    await sleep(t1 - t0);
  }
  return { busy };
}

async function main(args: string[]): Promise<unknown> {
  const [mode, ...rest] = args;
  if (mode === "time") {
    const [path, seqLen, runs, vocab] = rest;
    return await timeModel(path, Number(seqLen), Number(runs), Number(vocab));
  }
  if (mode === "load") {
    const [path, seqLen, vocab] = rest;
    return await loadModel(path, Number(seqLen), Number(vocab));
  }
  if (mode === "session") {
    const [path, durationMs] = rest;
    return await dutyCycle(Number(durationMs), async () => {
      const s = await ort.InferenceSession.create(path, BENCH_SESSION_OPTIONS);
      await s.release();
    });
  }
  if (mode === "spin") {
    const [durationMs] = rest;
    return await dutyCycle(Number(durationMs), () => {
      const until = nowAbs() + 1000;
      let x = 0;
      while (nowAbs() < until) x += Math.sqrt(x + 1);
      return Promise.resolve();
    });
  }
  if (mode === "emit") {
    const [archPath, durationMs, tmpDir] = rest;
    const arch = validateArch(JSON.parse(await Deno.readTextFile(archPath)));
    let k = 0;
    return await dutyCycle(Number(durationMs), async () => {
      const dir = join(tmpDir, `emit-${k++}`);
      await writeOnnx(
        emitGpt2(arch, { dialect: "fast", lastTokenOnly: true }),
        join(dir, "m.onnx"),
      );
      await Deno.remove(dir, { recursive: true });
    });
  }
  throw new Error(`worker: unknown mode ${mode}`);
}

if (import.meta.main) {
  console.log(JSON.stringify(await main(Deno.args)));
}

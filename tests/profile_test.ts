import assert from "node:assert/strict";
import { join } from "node:path";
import type { Arch } from "../lib/arch/types.ts";
import { archHash } from "../lib/arch/hash.ts";
import { compactArch, validateArch } from "../lib/arch/validate.ts";
import { emitGpt2, writeOnnx } from "../lib/onnx/mod.ts";
import { forwardFlops } from "../bench/flops.ts";
import {
  benchCandidates,
  classifyRuns,
  formatTable,
  weightGemmTimes,
} from "../bench/profile_bench.ts";
import {
  type ChildMessage,
  defaultSpawner,
  detectDevice,
  deviceFingerprint,
  fingerprintHash,
  latencyPerToken,
  measurementSettings,
  parseCpuInfo,
  parseProcStatus,
  profileArch,
  ProfileCache,
  profileCacheKey,
  profileMany,
  type ProfileSuccess,
  ProgressBar,
  quantileSorted,
  renderProgress,
  type Spawner,
  stopReason,
  summarizeGeneration,
  summarizeLatency,
  timeRuns,
  validateProfileSettings,
} from "../lib/profile/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import { runCliProcess } from "./helpers.ts";

const tmp = await Deno.makeTempDir({ prefix: "lts_profile_test_" });
globalThis.addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));

const TINY: Arch = validateArch({
  backbone: "gpt2",
  nLayer: 2,
  dModel: 32,
  nHead: [2, 4],
  dInner: [64, 96],
  vocabSize: 500,
  nPositions: 64,
});
const BIGGER: Arch = validateArch({
  backbone: "gpt2",
  nLayer: 4,
  dModel: 256,
  nHead: 4,
  dInner: 1024,
  vocabSize: 8000,
  nPositions: 64,
});
/** Quick settings for real measurements of tiny models. */
const QUICK = { seqLen: 16, minRuns: 5, maxRuns: 20, maxTimedMs: 2000, timeoutMs: 60_000 };

const CACHE_MODULE = new URL("../lib/profile/cache.ts", import.meta.url).href;

function countingSpawner(): { spawner: Spawner; count: () => number } {
  let n = 0;
  return {
    spawner: () => {
      n++;
      return defaultSpawner();
    },
    count: () => n,
  };
}

/** A spawner of a fake child running `code` (it says ready first, like the real one). */
function fakeSpawner(code: string): Spawner {
  const ready = `console.log(JSON.stringify({ event: "ready", startupMs: 1 }));`;
  return () =>
    new Deno.Command(Deno.execPath(), {
      args: ["eval", ready + code],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
}

// ---------------------------------------------------------------------------------------------
// Statistics and the stopping rule (pure).

Deno.test("summarizeLatency: quantiles are ordered and interpolated", () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([7], 0.9), 7);
  const s = summarizeLatency([5, 1, 4, 2, 3, 10, 6, 8, 7, 9]);
  assert.equal(s.n, 10);
  assert.equal(s.p50, 5.5);
  assert.ok(Math.abs(s.p10 - 1.9) < 1e-12);
  assert.ok(Math.abs(s.p90 - 9.1) < 1e-12);
  assert.equal(s.mean, 5.5);
  assert.throws(() => summarizeLatency([]), RangeError);
});

Deno.test("stopReason: min runs first, then stability, time cap, max runs", () => {
  const opts = { minRuns: 4, maxRuns: 8, stableTolerance: 0.01, stableWindow: 2, maxTimedMs: 100 };
  assert.equal(stopReason([10, 10, 10], 30, opts), undefined); // below minRuns even if stable
  assert.equal(stopReason([12, 10, 10, 10], 40, opts), "stable");
  assert.equal(stopReason([10, 12, 11, 10], 40, opts), undefined); // 11 is 10 % off
  assert.equal(stopReason([10, 12, 11, 10], 100, opts), "time");
  assert.equal(stopReason([1, 9, 1, 9, 1, 9, 1, 9], 40, opts), "runs");
});

Deno.test("timeRuns: adaptive loop stays within [minRuns, maxRuns] on a fake clock", async () => {
  // Ever longer runs: the p50 keeps moving by more than 0.1 %, so the loop runs to maxRuns.
  let t = 0;
  let k = 1;
  const noisy = await timeRuns(() => {
    t += k++;
  }, {
    warmupRuns: 2,
    minRuns: 6,
    maxRuns: 15,
    stableTolerance: 0.001,
    stableWindow: 4,
    maxTimedMs: 1e9,
    now: () => t,
  });
  assert.equal(noisy.stopReason, "runs");
  assert.equal(noisy.samplesMs.length, 15);
  // Constant durations: stops at the first run that has a full stable window past minRuns.
  const steady = await timeRuns(() => {
    t += 2;
  }, {
    warmupRuns: 0,
    minRuns: 3,
    maxRuns: 50,
    stableTolerance: 0.01,
    stableWindow: 5,
    maxTimedMs: 1e9,
    now: () => t,
  });
  assert.equal(steady.stopReason, "stable");
  assert.equal(steady.samplesMs.length, 6);
  assert.ok(steady.samplesMs.every((x) => x === 2));
  // Time cap: 10 ms runs, 35 ms cap, min 2 runs: stops after 4 runs.
  const capped = await timeRuns(() => {
    t += 10 * (1 + (k++ % 2));
  }, {
    warmupRuns: 0,
    minRuns: 2,
    maxRuns: 50,
    stableTolerance: 0,
    stableWindow: 3,
    maxTimedMs: 35,
    now: () => t,
  });
  assert.equal(capped.stopReason, "time");
  assert.ok(capped.samplesMs.length >= 2 && capped.samplesMs.length <= 4);
});

Deno.test("generation: latencyPerToken definition and summary", () => {
  assert.equal(latencyPerToken({ promptMs: 40, tokenMs: [10, 10, 10] }), 17.5);
  assert.equal(latencyPerToken({ promptMs: 40, tokenMs: [] }), 40);
  const repeats = [
    { promptMs: 40, tokenMs: [10, 12, 11] },
    { promptMs: 44, tokenMs: [9, 10, 11] },
    { promptMs: 80, tokenMs: [20, 10, 10] },
  ];
  const g = summarizeGeneration(repeats, { promptLen: 32, newTokens: 4 }, 1000);
  assert.equal(g.promptLatencyMs.n, 3);
  assert.equal(g.tokenLatencyMs?.n, 9);
  assert.equal(g.latencyPerTokenMs.n, 3);
  assert.equal(
    g.latencyPerTokenMs.p50,
    latencyPerToken(repeats[0]) > latencyPerToken(repeats[1])
      ? latencyPerToken(repeats[0])
      : latencyPerToken(repeats[1]),
  );
  assert.ok(g.latencyPerTokenMs.p50 <= g.latencyPerTokenMs.p95);
  assert.ok(g.latencyPerTokenMs.p95 <= latencyPerToken(repeats[2]));
  assert.throws(
    () => summarizeGeneration(repeats, { promptLen: 32, newTokens: 5 }, 0),
    RangeError,
  );
});

// ---------------------------------------------------------------------------------------------
// Settings, memory parsing, fingerprint.

Deno.test("settings: defaults, generation shorthand, errors name the field", () => {
  const s = validateProfileSettings({});
  assert.equal(s.seqLen, 192);
  assert.equal(s.batch, 1);
  assert.equal(s.threads, 1);
  assert.equal(s.provider, "cpu");
  assert.equal(s.generation, false);
  const g = validateProfileSettings({ generation: true });
  assert.deepEqual(g.generation, { promptLen: 64, newTokens: 16, repeats: 10 });
  const cases: [unknown, RegExp][] = [
    [{ seqLen: 0 }, /^seqLen: must be at least 1/],
    [{ seqLen: 1.5 }, /^seqLen: expected an integer/],
    [{ dialect: "onnx" }, /^dialect: expected one of portable, fast/],
    [{ provider: "tpu" }, /^provider: expected one of cpu, cuda/],
    [{ minRuns: 10, maxRuns: 5 }, /^maxRuns: 5 is below minRuns 10/],
    [{ warpSpeed: 9 }, /^warpSpeed: unknown setting/],
    [{ generation: { promptLen: 0 } }, /^generation\.promptLen: must be at least 1/],
    [{ generation: "yes" }, /^generation: expected false, true or an object/],
    [{ processRepeats: 0 }, /^processRepeats: must be at least 1/],
    [{ processRepeats: 101 }, /^processRepeats: must be at most 100/],
  ];
  for (const [input, pattern] of cases) {
    assert.throws(() => validateProfileSettings(input), (e: Error) => {
      assert.ok(isInputError(e), `${JSON.stringify(input)} gave ${e}`);
      assert.match(e.message, pattern);
      return true;
    });
  }
  assert.equal("timeoutMs" in measurementSettings(s), false);
  // One process is the default and leaves the recorded settings (and cache keys) as they were.
  assert.equal(s.processRepeats, 1);
  assert.equal("processRepeats" in measurementSettings(s), false);
  assert.equal(
    measurementSettings(validateProfileSettings({ processRepeats: 3 })).processRepeats,
    3,
  );
});

Deno.test("memory: /proc status parsing", () => {
  const m = parseProcStatus("Name:\tdeno\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n");
  assert.deepEqual(m, { peakBytes: 204800 * 1024, currentBytes: 102400 * 1024 });
  assert.throws(() => parseProcStatus("Name:\tdeno\n"));
});

Deno.test("fingerprint: cpuinfo parsing, stable hash that tracks every field", async () => {
  const info = parseCpuInfo(
    "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\nflags\t\t: fpu sse4_2 avx2 fma avx512f\n",
  );
  assert.deepEqual(info, {
    cpuModel: "Example CPU @ 2.0GHz",
    cpuFeatures: ["sse4_2", "avx2", "fma", "avx512f"],
  });
  const device = await detectDevice();
  assert.ok(device.logicalCores >= 1);
  assert.ok(device.providers.includes("cpu"));
  assert.match(device.runtimeVersion, /^\d+\.\d+\.\d+/);
  const s = validateProfileSettings({});
  const fp = deviceFingerprint(device, s);
  assert.equal(fp.threads, 1);
  assert.equal(fp.dialect, s.dialect);
  const reordered = Object.fromEntries(Object.entries(fp).reverse()) as typeof fp;
  assert.equal(fingerprintHash(reordered), fingerprintHash(fp));
  assert.notEqual(fingerprintHash({ ...fp, threads: 2 }), fingerprintHash(fp));
  assert.notEqual(fingerprintHash({ ...fp, dialect: "portable" }), fingerprintHash(fp));
});

// ---------------------------------------------------------------------------------------------
// Cache.

function fakeResult(key: string, p50: number, padding = 0): ProfileSuccess {
  const settings = measurementSettings(validateProfileSettings({}));
  return {
    ok: true,
    archHash: key.slice(0, 16),
    cacheKey: key,
    settings,
    fingerprint: {
      cpuModel: "x".repeat(padding),
      cpuFeatures: [],
      logicalCores: 2,
      os: "linux",
      osRelease: "6",
      cpuArch: "x86_64",
      runtime: "onnxruntime-node",
      runtimeVersion: "1.30.0",
      provider: "cpu",
      threads: 1,
      dialect: "fast",
    },
    fingerprintHash: "f".repeat(16),
    latencyMs: { p50, p10: p50 * 0.9, p90: p50 * 1.1, mean: p50, n: 10 },
    stopReason: "stable",
    peakMemoryBytes: 1 << 20,
    baselineMemoryBytes: 1 << 26,
    modelBytes: 1 << 20,
    timings: { emitMs: 1, childReadyMs: 1, sessionMs: 1, warmupMs: 1, timedMs: 10, totalMs: 15 },
    cached: false,
    measuredAt: "2026-01-01T00:00:00.000Z",
  };
}

Deno.test("cache: key depends on arch, settings and fingerprint", () => {
  const s = measurementSettings(validateProfileSettings({}));
  const k = profileCacheKey("a".repeat(16), s, "b".repeat(16));
  assert.equal(profileCacheKey("a".repeat(16), { ...s }, "b".repeat(16)), k);
  assert.notEqual(profileCacheKey("c".repeat(16), s, "b".repeat(16)), k);
  assert.notEqual(profileCacheKey("a".repeat(16), { ...s, seqLen: 64 }, "b".repeat(16)), k);
  assert.notEqual(profileCacheKey("a".repeat(16), s, "d".repeat(16)), k);
  assert.notEqual(profileCacheKey("a".repeat(16), { ...s, processRepeats: 3 }, "b".repeat(16)), k);
});

Deno.test("cache: round trip, corrupt and truncated lines skipped with one warning", async () => {
  const path = join(tmp, "corrupt", "profile.jsonl");
  const warnings: string[] = [];
  const cache = new ProfileCache(path, { onWarning: (m) => warnings.push(m) });
  assert.equal(await cache.get("k1"), undefined);
  await cache.put(fakeResult("k1", 3));
  // Corrupt the file: garbage line, then a truncated line with no newline at the end.
  const good = JSON.stringify(fakeResult("k2", 4));
  await Deno.writeTextFile(path, `{"ok": tru\n${good}\n${good.slice(0, 40)}`, { append: true });
  await cache.put(fakeResult("k3", 5)); // must start on a new line
  const reader = new ProfileCache(path, { onWarning: (m) => warnings.push(m) });
  const hit = await reader.get("k1");
  assert.ok(hit);
  assert.equal(hit.cached, true);
  assert.deepEqual({ ...hit, cached: false }, fakeResult("k1", 3));
  assert.equal((await reader.get("k2"))?.latencyMs.p50, 4);
  assert.equal((await reader.get("k3"))?.latencyMs.p50, 5);
  assert.equal(await reader.get("missing"), undefined);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /skipped 2 corrupt lines \(line 2, 4\)/);
  // Lines appended by another writer are seen by an existing reader.
  await new ProfileCache(path).put(fakeResult("k4", 6));
  assert.equal((await reader.get("k4"))?.latencyMs.p50, 6);
  assert.equal(warnings.length, 1);
});

Deno.test("cache: concurrent appends from async writers and processes never interleave", async () => {
  const path = join(tmp, "concurrent.jsonl");
  const perWriter = 25;
  const padding = 20_000; // long lines: a torn write would show
  const processes = [0, 1, 2].map((p) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { ProfileCache } from ${JSON.stringify(CACHE_MODULE)};
         const fake = JSON.parse(Deno.args[0]);
         const cache = new ProfileCache(${JSON.stringify(path)});
         await Promise.all(Array.from({ length: ${perWriter} }, (_, i) =>
           cache.put({ ...fake, cacheKey: "p${p}-" + i })));`,
        JSON.stringify(fakeResult("x", 1, padding)),
      ],
      stdout: "null",
      stderr: "piped",
    }).output()
  );
  const local = new ProfileCache(path);
  const asyncWriters = [0, 1, 2, 3].map((w) =>
    Promise.all(
      Array.from({ length: perWriter }, (_, i) => local.put(fakeResult(`a${w}-${i}`, 1, padding))),
    )
  );
  const outputs = await Promise.all(processes);
  await Promise.all(asyncWriters);
  for (const o of outputs) assert.equal(o.code, 0, new TextDecoder().decode(o.stderr));
  const lines = (await Deno.readTextFile(path)).split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, 7 * perWriter);
  const keys = new Set(lines.map((l) => JSON.parse(l).cacheKey));
  assert.equal(keys.size, 7 * perWriter);
  const warnings: string[] = [];
  const reader = new ProfileCache(path, { onWarning: (m) => warnings.push(m) });
  assert.ok(await reader.get("p2-24"));
  assert.equal(warnings.length, 0);
});

// ---------------------------------------------------------------------------------------------
// Progress bar.

Deno.test("progress: rendering and one plain line per item off a terminal", () => {
  assert.equal(
    renderProgress({ label: "profile", done: 3, total: 10, elapsedMs: 3000, width: 10 }),
    "profile [###-------] 3/10 3s eta 7s",
  );
  const written: string[] = [];
  const sink = {
    writeSync: (b: Uint8Array) => (written.push(new TextDecoder().decode(b)), b.length),
    isTerminal: () => false,
  };
  const bar = new ProgressBar({ total: 2, label: "p", sink, now: () => 0 });
  bar.update("ignored off a terminal");
  bar.tick("a");
  bar.tick("b");
  bar.done();
  assert.deepEqual(written, [
    "p [############------------] 1/2 0s eta 0s a\n",
    "p [########################] 2/2 0s b\n",
  ]);
  // On a terminal: redrawn in place, cut to the width, rate-limited updates, newline at the end.
  written.length = 0;
  let t = 0;
  const tty = { ...sink, isTerminal: () => true };
  const live = new ProgressBar({ total: 2, label: "p", sink: tty, now: () => t, columns: 21 });
  live.update("loading");
  t = 50;
  live.update("skipped: too soon");
  live.tick("a long note that does not fit");
  live.done();
  assert.deepEqual(written, [
    "\rp [-----------------\x1b[K",
    "\rp [############-----\x1b[K",
    "\n",
  ]);
});

// ---------------------------------------------------------------------------------------------
// Real measurements of tiny models (structure and sanity only, never absolute times).

Deno.test("profileArch: a tiny model gives sane latency and memory; the cache then spawns nothing", async () => {
  const cache = new ProfileCache(join(tmp, "hit.jsonl"));
  const { spawner, count } = countingSpawner();
  const r = await profileArch(TINY, QUICK, { cache, spawner, tmpDir: join(tmp, "models") });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(count(), 1);
  assert.equal(r.cached, false);
  const l = r.latencyMs;
  assert.ok(l.p50 > 0 && l.p10 > 0 && l.mean > 0);
  assert.ok(l.p10 <= l.p50 && l.p50 <= l.p90, JSON.stringify(l));
  assert.ok(l.n >= QUICK.minRuns && l.n <= QUICK.maxRuns, `n ${l.n}`);
  assert.ok(["stable", "time", "runs"].includes(r.stopReason));
  assert.ok(r.peakMemoryBytes > 0);
  assert.ok(r.modelBytes > 4 * (500 * 32)); // at least the embedding table
  assert.equal(r.settings.seqLen, 16);
  assert.equal("timeoutMs" in r.settings, false);
  assert.equal(r.fingerprint.provider, "cpu");
  assert.ok(r.timings.timedMs > 0 && r.timings.totalMs >= r.timings.timedMs);
  // Temporary model files are gone.
  assert.deepEqual([...Deno.readDirSync(join(tmp, "models"))], []);
  // Second time: from the cache, no child.
  const again = await profileArch(TINY, QUICK, { cache, spawner });
  assert.equal(count(), 1);
  assert.ok(again.ok);
  assert.equal(again.cached, true);
  assert.deepEqual({ ...again, cached: false }, r);
  // A different setting is a different key: measured again.
  const other = await profileArch(TINY, { ...QUICK, seqLen: 8 }, { cache, spawner });
  assert.equal(count(), 2);
  assert.equal(other.cached, false);
});

Deno.test("profileMany: a much bigger model has a higher peak memory; results in input order", async () => {
  const { spawner, count } = countingSpawner();
  const seen: number[] = [];
  const results = [];
  for await (
    const r of profileMany([TINY, BIGGER], QUICK, {
      cache: false,
      spawner,
      onProgress: (_, done, total) => seen.push(done / total),
    })
  ) results.push(r);
  assert.deepEqual(seen, [0.5, 1]);
  const [small, big] = results;
  assert.ok(small.ok && big.ok, JSON.stringify(results));
  assert.ok(count() >= 2 && count() <= 3, `spawned ${count()}`); // at most one spare
  assert.ok(big.modelBytes > 10 * small.modelBytes);
  // BIGGER has ≈ 5.2 M weights (21 MB): its peak must exceed the tiny one's by well over that.
  assert.ok(
    big.peakMemoryBytes > small.peakMemoryBytes + 16e6,
    `${big.peakMemoryBytes} vs ${small.peakMemoryBytes}`,
  );
});

Deno.test("profileArch: generation gives PL, TL and latencyPerToken p50 ≤ p95", async () => {
  const r = await profileArch(TINY, {
    ...QUICK,
    generation: { promptLen: 8, newTokens: 5, repeats: 4 },
  }, { cache: false });
  assert.ok(r.ok, JSON.stringify(r));
  const g = r.generation;
  assert.ok(g);
  assert.equal(g.promptLen, 8);
  assert.equal(g.newTokens, 5);
  assert.equal(g.promptLatencyMs.n, 4);
  assert.equal(g.tokenLatencyMs?.n, 16);
  assert.ok(g.promptLatencyMs.p50 > 0 && g.tokenLatencyMs!.p50 > 0);
  assert.equal(g.latencyPerTokenMs.n, 4);
  assert.ok(g.latencyPerTokenMs.p50 > 0 && g.latencyPerTokenMs.p50 <= g.latencyPerTokenMs.p95);
  assert.ok(g.peakMemoryBytes > 0);
});

const TINY_B: Arch = validateArch({ ...compactArch(TINY), dModel: 48, nHead: [2, 4] });
const TINY_C: Arch = validateArch({ ...compactArch(TINY), nLayer: 1, nHead: 2, dInner: 80 });

Deno.test("profileMany: preloading hands each job to the child spawned for it (one per job)", async () => {
  for (const schedule of ["pipelined", "overlapped"] as const) {
    const { spawner, count } = countingSpawner();
    const phases: string[] = [];
    const results = [];
    for await (
      const r of profileMany([TINY, TINY_B, TINY_C], QUICK, {
        cache: false,
        spawner,
        schedule,
        onEvent: (e) => e.kind === "phase" && phases.push(e.phase),
      })
    ) results.push(r);
    assert.equal(count(), 3, `${schedule}: spawned ${count()}`);
    assert.deepEqual(results.map((r) => r.ok), [true, true, true], JSON.stringify(results));
    assert.deepEqual(
      results.map((r) => r.archHash),
      [TINY, TINY_B, TINY_C].map((a) => archHash(a)),
    );
    assert.deepEqual(
      phases.filter((p) => p !== "session"),
      ["warmup", "wait", "timing", "warmup", "wait", "timing", "warmup", "wait", "timing"],
    );
  }
});

Deno.test("profileMany: an unknown schedule is an input error, before any child starts", async () => {
  const { spawner, count } = countingSpawner();
  await assert.rejects(
    profileMany([TINY], QUICK, { cache: false, spawner, schedule: "eager" as never }).next(),
    (e: Error) => isInputError(e) && /^schedule: expected one of pipelined, /.test(e.message),
  );
  assert.equal(count(), 0);
});

Deno.test("processRepeats: the forward pass in K fresh processes; the median one reported", async () => {
  for (const schedule of ["serial", "pipelined"] as const) {
    const { spawner, count } = countingSpawner();
    const results = [];
    for await (
      const r of profileMany([TINY, TINY_B], {
        ...QUICK,
        processRepeats: 3,
        generation: { promptLen: 4, newTokens: 2, repeats: 2 },
      }, {
        cache: false,
        spawner,
        schedule,
      })
    ) results.push(r);
    assert.equal(count(), 8, `${schedule}: 3 forward + 1 generation child per model`);
    for (const r of results) {
      assert.ok(r.ok, JSON.stringify(r));
      const p50s = r.processes!.p50Ms;
      assert.equal(p50s.length, 3);
      assert.equal(r.processes!.peakMemoryBytes.length, 3);
      assert.equal(r.latencyMs.p50, [...p50s].sort((a, b) => a - b)[1]);
      assert.ok(r.generation, "generation measured once, after the forward processes");
      assert.equal(r.settings.processRepeats, 3);
    }
  }
  // One process: no `processes` field, and the settings record no processRepeats.
  const single = await profileArch(TINY, QUICK, { cache: false });
  assert.ok(single.ok && single.processes === undefined && !("processRepeats" in single.settings));
  // A failing process fails the candidate and says which.
  let n = 0;
  const crash = fakeSpawner(`console.error("boom: second"); Deno.exit(3);`);
  const failed = await profileArch(TINY, { ...QUICK, processRepeats: 3 }, {
    cache: false,
    spawner: () => (++n === 2 ? crash() : defaultSpawner()),
  });
  assert.ok(
    !failed.ok && /^process 2\/3: child exited with code 3/.test(failed.reason),
    failed.ok ? "" : failed.reason,
  );
});

Deno.test("profileMany: nothing is spawned while timed runs run, with or without overlap", async () => {
  for (const schedule of ["pipelined", "overlapped"] as const) {
    const log: string[] = [];
    const spawner: Spawner = () => {
      log.push("spawn");
      return defaultSpawner();
    };
    for await (
      const _ of profileMany([TINY, TINY_B, TINY_C, TINY], {
        ...QUICK,
        minRuns: 200,
        maxRuns: 200,
        seed: 5,
      }, {
        cache: false,
        spawner,
        schedule,
        onEvent: (e) => e.kind === "phase" && e.phase === "wait" && log.push("wait"),
        onProgress: () => log.push("result"),
      })
    );
    // From a child's wait before its timed runs to its result, no child is spawned (and the
    // next emission, started at the same point in the code, waits too).
    const during = log.join(" ").match(/wait( \w+)*? result/g) ?? [];
    assert.equal(during.length, 4, log.join(" "));
    for (const span of during) {
      assert.ok(!span.includes("spawn"), `${schedule}: ${span}`);
    }
  }
});

Deno.test("profileMany: a preloaded child that crashes fails only its own candidate", async () => {
  for (const schedule of ["pipelined", "overlapped"] as const) {
    let n = 0;
    const crash = fakeSpawner(`console.error("boom: preloaded"); Deno.exit(3);`);
    const spawner: Spawner = () => (++n === 2 ? crash() : defaultSpawner());
    const results = [];
    for await (
      const r of profileMany([TINY, TINY_B, TINY_C], QUICK, {
        cache: false,
        spawner,
        schedule,
      })
    ) results.push(r);
    assert.deepEqual(results.map((r) => r.ok), [true, false, true], JSON.stringify(results));
    assert.ok(!results[1].ok && /exited with code 3.*boom: preloaded/.test(results[1].reason));
    assert.equal(n, 3);
  }
});

Deno.test("profileMany: preload with generation jobs and a cached candidate in the middle", async () => {
  const cache = new ProfileCache(join(tmp, "preload.jsonl"));
  const settings = { ...QUICK, generation: { promptLen: 4, newTokens: 3, repeats: 2 } };
  const first = await profileArch(TINY_B, settings, { cache });
  assert.ok(first.ok);
  const { spawner, count } = countingSpawner();
  const models = join(tmp, "preload-models");
  const results = [];
  for await (
    const r of profileMany([TINY, TINY_B, TINY_C], settings, { cache, spawner, tmpDir: models })
  ) results.push(r);
  assert.deepEqual(results.map((r) => r.ok && r.cached), [false, true, false]);
  assert.ok(results.every((r) => r.ok && r.generation?.tokenLatencyMs?.n === 4));
  assert.equal(count(), 4); // forward + generation for each of the two measured candidates
  assert.deepEqual([...Deno.readDirSync(models)], []); // every model file removed
});

Deno.test("profileArch: a result stands even when the child fails after sending it", async () => {
  const measurement = {
    kind: "forward",
    latencyMs: { p50: 2, p10: 1, p90: 3, mean: 2, n: 10 },
    stopReason: "stable",
    peakMemoryBytes: 1000,
    baselineMemoryBytes: 50,
    sessionMs: 5,
    warmupMs: 1,
    timedMs: 20,
  };
  const r = await profileArch(TINY, QUICK, {
    cache: false,
    spawner: fakeSpawner(
      `console.log(JSON.stringify({ event: "phase", phase: "wait" }));
       console.log(JSON.stringify({ event: "result", ok: true, measurement: ${
        JSON.stringify(measurement)
      } }));
       Deno.exit(1);`,
    ),
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.latencyMs.p50, 2);
  assert.equal(r.timings.timedMs, 20);
});

Deno.test("child: a held, gated job waits for a line after its session and after its warm-up", async () => {
  const path = join(tmp, "held", "forward.onnx");
  await writeOnnx(emitGpt2(TINY, { dialect: "fast", lastTokenOnly: true }), path);
  const child = defaultSpawner();
  const job = {
    kind: "forward",
    modelPath: path,
    settings: validateProfileSettings(QUICK),
    vocabSize: TINY.vocabSize,
    nHead: TINY.nHead,
    dModel: TINY.dModel,
    held: true,
    gated: true,
  };
  const writer = child.stdin.getWriter();
  const send = (line: string) => writer.write(new TextEncoder().encode(line + "\n"));
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const next = async (): Promise<ChildMessage> => {
    while (!buffer.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("child ended early");
      buffer += value;
    }
    const end = buffer.indexOf("\n");
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    return JSON.parse(line);
  };
  const phase = async () => {
    const m = await next();
    return m.event === "phase" ? m.phase : m.event;
  };
  assert.equal(await phase(), "ready");
  await send(JSON.stringify(job));
  assert.equal(await phase(), "session");
  assert.equal(await phase(), "loaded"); // and nothing more until told
  await send("go");
  assert.equal(await phase(), "warmup");
  assert.equal(await phase(), "wait");
  await send("go");
  await writer.close();
  assert.equal(await phase(), "timing");
  const result = await next();
  assert.ok(result.event === "result" && result.ok, JSON.stringify(result));
  await lines.cancel();
  await child.stderr.cancel();
  assert.equal((await child.status).code, 0);
});

// ---------------------------------------------------------------------------------------------
// Benchmark helpers.

Deno.test("bench: FLOP formula, run classification, table", () => {
  const gpt2 = validateArch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 });
  // 2·192·12·(4·768² + 2·768·3072) + 12·4·192²·768 + 2·768·50257
  assert.equal(forwardFlops(gpt2, 192), 32_614_907_904 + 1_358_954_496 + 77_194_752);
  assert.equal(
    forwardFlops(gpt2, 1, { pastLen: 191 }),
    2 * 12 * 7_077_888 + 12 * 4 * 192 * 768 + 2 * 768 * 50257,
  );
  assert.equal(
    forwardFlops(gpt2, 4, { lastTokenOnly: false }) - forwardFlops(gpt2, 4),
    3 * 2 * 768 * 50257,
  );
  assert.deepEqual(classifyRuns([[0, 1], [2, 3], [4, 6], [10, 11]], [[1.5, 3.5], [5, 9]]), {
    quietMs: [1, 1],
    busyMs: [1],
  });
  assert.equal(formatTable([{ a: "x", b: "1" }, { a: "yy", b: "22" }]), "a   b\nx   1\nyy  22");
  assert.equal(benchCandidates(3, 1).length, 3);
  assert.deepEqual(benchCandidates(3, 1), benchCandidates(3, 1));
  // Weight GEMMs: a 2-D second input, or a pre-packed one (only A listed); attention's 4-D
  // MatMuls and everything else are "other".
  const node = (op: string, dur: number, shapes: number[][]) => ({
    cat: "Node",
    name: `${op}_kernel_time`,
    dur,
    args: { op_name: op, input_type_shape: shapes.map((s) => ({ float: s })) },
  });
  assert.deepEqual(
    weightGemmTimes([
      { cat: "Session", name: "model_run", dur: 3000 },
      { cat: "Session", name: "model_run", dur: 5000 },
      node("MatMul", 2000, [[1, 1, 768]]),
      node("Gemm", 1000, [[1, 768], [50257, 768]]),
      node("MatMul", 400, [[1, 12, 1, 192], [1, 12, 192, 64]]),
      node("Add", 600, [[768], [768]]),
    ]),
    { runs: 2, runMs: 4, weightGemmMs: 1.5, otherKernelMs: 0.5 },
  );
});

// ---------------------------------------------------------------------------------------------
// Failures are results, and the caller survives.

Deno.test("failures: crash, kill and timeout of the child give ok:false with a reason", async () => {
  const crash = await profileArch(TINY, QUICK, {
    cache: false,
    spawner: fakeSpawner(`console.error("boom: simulated"); Deno.exit(3);`),
  });
  assert.equal(crash.ok, false);
  assert.ok(!crash.ok && /exited with code 3/.test(crash.reason), JSON.stringify(crash));
  assert.ok(!crash.ok && /boom: simulated/.test(crash.reason));
  const killed = await profileArch(TINY, QUICK, {
    cache: false,
    spawner: fakeSpawner(`Deno.kill(Deno.pid, "SIGKILL");`),
  });
  assert.ok(!killed.ok && /killed by SIGKILL/.test(killed.reason), JSON.stringify(killed));
  const hung = await profileArch(TINY, { ...QUICK, timeoutMs: 300 }, {
    cache: false,
    spawner: fakeSpawner(`setInterval(() => {}, 1000);`),
  });
  assert.ok(!hung.ok && /timed out after 300 ms/.test(hung.reason), JSON.stringify(hung));
  assert.equal(hung.archHash.length, 16);
  // Abort: rejects, and the child is killed.
  const controller = new AbortController();
  const pending = profileArch(TINY, QUICK, {
    cache: false,
    signal: controller.signal,
    spawner: fakeSpawner(`setInterval(() => {}, 1000);`),
  });
  setTimeout(() => controller.abort(new Error("stop now")), 200);
  await assert.rejects(pending, /stop now/);
});

Deno.test("child: a model that fails to load gives a result line with ok:false", async () => {
  const bad = join(tmp, "garbage.onnx");
  await Deno.writeTextFile(bad, "not an onnx model");
  const child = defaultSpawner();
  const job = {
    kind: "forward",
    modelPath: bad,
    settings: validateProfileSettings(QUICK),
    vocabSize: 500,
    nHead: TINY.nHead,
    dModel: TINY.dModel,
  };
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(job) + "\n"));
  await writer.close();
  const out = await child.output();
  const messages = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) =>
    JSON.parse(l) as ChildMessage
  );
  assert.equal(messages[0].event, "ready");
  const last = messages[messages.length - 1];
  assert.equal(last.event, "result");
  assert.ok(last.event === "result" && !last.ok && last.reason.length > 0);
  assert.equal(out.code, 1);
});

// ---------------------------------------------------------------------------------------------
// CLI.

const cli = (args: string[], stdin?: string) => runCliProcess(["profile", ...args], stdin);

Deno.test("cli: bad input exits 2 with one line naming the problem", async () => {
  const archFile = join(tmp, "arch.json");
  await Deno.writeTextFile(archFile, JSON.stringify(TINY));
  const xl = join(tmp, "xl.json");
  await Deno.writeTextFile(
    xl,
    JSON.stringify({ backbone: "transformer-xl", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 }),
  );
  const device = await detectDevice();
  const cases: [string[], string | undefined, RegExp][] = [
    [["-"], '{"backbone":"gpt2","nLayer":0}', /nLayer: must be positive/],
    [[archFile, "--provider", "tpu"], undefined, /--provider: expected one of cpu, cuda/],
    [[archFile, "--seq-len", "abc"], undefined, /--seq-len: expected a number/],
    [[archFile, "--min-runs", "9", "--max-runs", "3"], undefined, /--max-runs: 3 is below/],
    [[archFile, "--process-repeats", "0"], undefined, /--process-repeats: .*at least 1/],
    [[archFile, "--seq-len", "65"], undefined, /seqLen: 65 is above the architecture's nPositions/],
    [[xl], undefined, /backbone: emission supports only gpt2/],
    [[join(tmp, "missing.json")], undefined, /no such file/],
  ];
  if (!device.providers.includes("cuda")) {
    cases.push([
      [archFile, "--seq-len", "8", "--provider", "cuda"],
      undefined,
      /provider: cuda: this onnxruntime-node build has no CUDA execution provider/,
    ]);
  }
  for (const [args, stdin, pattern] of cases) {
    const r = await cli(args, stdin);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^lts profile: /);
    assert.match(lines[0], pattern);
  }
});

Deno.test("cli: prints one result line per architecture; the second run is cached", async () => {
  const archFile = join(tmp, "two.jsonl");
  const other = { ...TINY, dInner: [80, 48] };
  await Deno.writeTextFile(archFile, `${JSON.stringify(TINY)}\n${JSON.stringify(other)}\n`);
  const cacheFile = join(tmp, "cli-cache.jsonl");
  const args = [
    archFile,
    "--seq-len",
    "8",
    "--min-runs",
    "3",
    "--max-runs",
    "6",
    "--cache",
    cacheFile,
  ];
  const first = await cli(args);
  assert.equal(first.code, 0, first.stderr);
  const results = first.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(results.length, 2);
  assert.ok(results.every((r) => r.ok && r.cached === false && r.latencyMs.n >= 3));
  assert.notEqual(results[0].archHash, results[1].archHash);
  assert.equal(first.stderr.trim().split("\n").length, 2); // one progress line per candidate
  const second = await cli(args);
  assert.equal(second.code, 0, second.stderr);
  const again = second.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.ok(again.every((r) => r.cached === true));
  assert.deepEqual(again.map((r) => r.latencyMs), results.map((r) => r.latencyMs));
});

Deno.test("cli: --overlap-session-creation measures every architecture once, in order", async () => {
  const archFile = join(tmp, "three.jsonl");
  const archs = [TINY, { ...TINY, dInner: [80, 48] }, { ...TINY, dInner: [48, 80] }];
  await Deno.writeTextFile(archFile, archs.map((a) => JSON.stringify(a)).join("\n") + "\n");
  const run = await cli([
    archFile,
    "--seq-len",
    "8",
    "--min-runs",
    "3",
    "--max-runs",
    "6",
    "--no-cache",
    "--overlap-session-creation",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const results = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(results.length, 3);
  assert.ok(results.every((r) => r.ok && r.latencyMs.n >= 3 && r.peakMemoryBytes > 0));
  assert.equal(new Set(results.map((r) => r.archHash)).size, 3);
});

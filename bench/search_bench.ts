/**
 * Benchmark of a short, real architecture search on this machine
 * (`deno run -A bench/search_bench.ts`): the evolutionary search of `lts search` (lts-gpt2,
 * plain embeddings, decoder parameters ≤ 20 M, 3 iterations of 8 candidates, seq 192, one
 * thread, `fast` dialect), every candidate measured afresh by the profiler (no result cache),
 * into a temporary run directory with its usual checkpoints.
 *
 * Prints where the wall time went, as a table (progress on stderr) and one JSON summary line:
 * the timed runs (Σ `timings.timedMs`), and the rest — waiting for emission, child start-up,
 * session creation, warm-up and the remainder inside the profiler (per-candidate), the
 * profiler's set-up and tear-down per batch (one batch per iteration), the search's
 * bookkeeping after each candidate (checkpoint writes) and between iterations (frontier,
 * proposals, iteration files). Target: wall / Σ timed ≤ 1.15.
 *
 * Options: `--iterations N` (default 3), `--population N` (default 8), `--max-decoder-params N`
 * (default 20e6), `--seed S` (default 1), `--dialect fast|portable`, and the profiler's
 * `--schedule pipelined|overlapped|serial` (default `pipelined`; see `ProfileSchedule` in
 * lib/profile/profile.ts).
 *
 * @module
 */
import { join } from "node:path";
import { planSearch } from "../lib/cli/search.ts";
import { detectDevice, deviceFingerprint } from "../lib/profile/fingerprint.ts";
import {
  profileArch,
  profileMany,
  type ProfileManyOptions,
  type ProfileSchedule,
} from "../lib/profile/profile.ts";
import type { ProfileResult, ProfileSuccess } from "../lib/profile/result.ts";
import { measurementOf } from "../lib/search/device.ts";
import { spaceOperators } from "../lib/search/operators.ts";
import { runSearchInDir } from "../lib/search/run_dir.ts";
import { formatTable } from "./profile_bench.ts";

const loadAvg = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

async function main(): Promise<void> {
  const population = Number(flag("population", "8"));
  const third = Math.max(1, Math.round(population / 4));
  const tmp = await Deno.makeTempDir({ prefix: "lts-search-bench-" });
  const dir = join(tmp, "run");
  const plan = planSearch([
    "--preset",
    "lts-gpt2",
    "--out",
    dir,
    "--max-decoder-params",
    flag("max-decoder-params", "20000000"),
    "--iterations",
    flag("iterations", "3"),
    "--population",
    String(population),
    "--parents",
    String(third),
    "--mutations",
    String(Math.ceil((population - third) / 2)),
    "--crossovers",
    String(Math.floor((population - third) / 2)),
    "--seed",
    flag("seed", "1"),
    "--seq-len",
    "192",
    "--threads",
    "1",
    "--dialect",
    flag("dialect", "fast"),
  ]);
  const load0 = loadAvg();
  const t0 = performance.now();
  const info = await detectDevice();
  const device = deviceFingerprint(info, plan.settings);
  const detectMs = performance.now() - t0;
  const tag =
    `${info.cpuModel} ×${info.logicalCores} · 1 thread · onnxruntime-node ${info.runtimeVersion}`;
  console.error(`[bench] ${tag}; load average ${load0}`);

  const results: ProfileSuccess[] = [];
  let failed = 0;
  let batches = 0;
  let batchMs = 0;
  let consumerMs = 0;
  const record = (r: ProfileResult) => {
    if (r.ok) results.push(r);
    else failed++;
  };
  const schedule = flag("schedule", "pipelined") as ProfileSchedule;
  const options: ProfileManyOptions = { cache: false, tmpDir: join(tmp, "models"), schedule };
  const searchFrom = performance.now();
  try {
    const result = await runSearchInDir({
      dir,
      config: plan.config,
      device,
      operators: spaceOperators(plan.space),
      measure: async (arch) => {
        const b0 = performance.now();
        const r = await profileArch(arch, plan.settings, options);
        batchMs += performance.now() - b0;
        batches++;
        record(r);
        return measurementOf(r);
      },
      measureMany: async function* (archs) {
        const b0 = performance.now();
        batches++;
        try {
          for await (const r of profileMany(archs, plan.settings, options)) {
            record(r);
            const y0 = performance.now();
            yield measurementOf(r);
            consumerMs += performance.now() - y0;
          }
        } finally {
          batchMs += performance.now() - b0;
        }
      },
      onProgress: (p) => {
        if (p.last === undefined) {
          console.error(
            `[bench] iteration ${p.iteration + 1}/${p.iterations}: ${p.candidates} candidates, ` +
              `frontier ${p.frontierSize}`,
          );
        }
      },
    });
    const wallMs = performance.now() - searchFrom;
    const sum = (k: keyof ProfileSuccess["timings"]) =>
      results.reduce((s, r) => s + r.timings[k], 0);
    const timedMs = sum("timedMs");
    const totals = sum("totalMs");
    const inside = totals - timedMs - sum("emitMs") - sum("childReadyMs") - sum("sessionMs") -
      sum("warmupMs");
    const parts: [string, number, string][] = [
      ["timed runs (Σ timings.timedMs)", timedMs, "the measurement itself"],
      ["waiting for emission", sum("emitMs"), "first model of each batch (others prefetched)"],
      ["child start-up", sum("childReadyMs"), "first child of each batch (others pre-spawned)"],
      [
        "session creation",
        sum("sessionMs"),
        "weight pre-packing dominates; may overlap the previous candidate's wrap-up",
      ],
      ["warm-up runs", sum("warmupMs"), "1 untimed run per candidate"],
      ["other, per candidate", inside, "gate waits, IPC, overlap credit (negative = hidden)"],
      [
        "profiler set-up / tear-down",
        batchMs - consumerMs - totals,
        `per batch (${batches} batches): validation, device, spare child exit`,
      ],
      [
        "checkpoints after each candidate",
        consumerMs,
        "search: candidates.jsonl rewrite, progress",
      ],
      ["search between batches", wallMs - batchMs, "frontier, proposals, iteration files"],
    ];
    const rows = parts.map(([part, ms, note]) => ({
      part,
      ms: ms.toFixed(0),
      "% of timed": (100 * ms / timedMs).toFixed(1),
      note,
    }));
    rows.push({
      part: "wall",
      ms: wallMs.toFixed(0),
      "% of timed": (100 * wallMs / timedMs).toFixed(1),
      note: `wall / Σ timed = ${(wallMs / timedMs).toFixed(3)} (target ≤ 1.15)`,
    });
    const load1 = loadAvg();
    console.log(
      `# ${tag}; search lts-gpt2 ≤ ${plan.config.search.maxDecoderParams} decoder params, ` +
        `${plan.config.search.iterations} iterations × ${population}, seq 192, ${plan.settings.dialect}; ` +
        `schedule ${schedule}; ` +
        `${results.length} measured, ${failed} failed; load average ${load0} → ${load1}`,
    );
    console.log(formatTable(rows));
    console.log(JSON.stringify({
      date: new Date().toISOString(),
      device: info.cpuModel,
      logicalCores: info.logicalCores,
      threads: 1,
      runtime: `onnxruntime-node ${info.runtimeVersion}`,
      loadAverageStart: load0,
      loadAverageEnd: load1,
      search: plan.config.search,
      settings: plan.settings,
      schedule,
      candidates: result.records.length,
      measured: results.length,
      failed,
      frontier: result.frontier.length,
      detectDeviceMs: detectMs,
      wallMs,
      timedMs,
      wallOverTimed: wallMs / timedMs,
      targetMet: wallMs / timedMs <= 1.15,
      breakdownMs: Object.fromEntries(parts.map(([part, ms]) => [part, ms])),
      medianP50Ms: results.map((r) => r.latencyMs.p50).sort((a, b) => a - b)[results.length >> 1],
    }));
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await main();

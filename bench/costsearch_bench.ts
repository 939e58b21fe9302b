/**
 * Predict-then-verify search benchmark (issue 10, part 2), one run on this machine, nothing
 * cached (a fresh calibration in a temporary folder, no profile cache):
 *
 * 1. calibrates `lts-gpt2` (timed);
 * 2. runs the same small search (`--small`, default 5 × 30, seed `--seed`) twice over the whole
 *    space: `--cost measured` and `--cost verified`, and compares the measured hypervolume of the
 *    verified frontier with that of the measured search (target ≥ 0.99×; both frontiers
 *    normalised together) and their wall times (target ≥ 8× less, calibration excluded: it is
 *    shared by every search of the device; the ratio with it included is printed too);
 * 3. runs a paper-scale `verified` search (30 × 100, whole space) and prints its wall time with
 *    the calibration included (target ≤ 15 min).
 *
 *     deno run -A bench/costsearch_bench.ts [--seed 1] [--small 5x30] [--verify-max N] [--skip-paper]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { calibrateCostModel, saveCalibration } from "../lib/costmodel/mod.ts";
import { calibrationPath } from "../lib/costmodel/store.ts";
import { searchOnDevice } from "../lib/search/device.ts";
import { frontierPoint } from "../lib/search/algorithm.ts";
import { frontierHypervolumes } from "../lib/search/compare.ts";
import { DEFAULT_VERIFY_MAX } from "../lib/search/cost.ts";
import type { CostRunResult } from "../lib/search/cost_run.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "1" },
    small: { type: "string", default: "5x30" },
    "verify-max": { type: "string", default: String(DEFAULT_VERIFY_MAX) },
    "skip-paper": { type: "boolean", default: false },
  },
});
const seed = Number(args.values.seed);
const [smallIterations, smallPopulation] = args.values.small.split("x").map(Number);
const verifyMax = Number(args.values["verify-max"]);
if (![seed, smallIterations, smallPopulation, verifyMax].every(Number.isInteger)) {
  console.error("costsearch_bench: --seed, --small IxP and --verify-max take integers");
  Deno.exit(2);
}

const root = await Deno.makeTempDir({ prefix: "lts-costsearch-" });
Deno.env.set("LTS_COSTMODEL_DIR", join(root, "costmodel"));
const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
const mark = (ok: boolean) => (ok ? "met" : "NOT met");

try {
  let t = performance.now();
  const calibration = await calibrateCostModel({
    preset: "lts-gpt2",
    cache: false,
    onProgress: (done, total) => {
      if (done % 25 === 0 || done === total) console.error(`calibrate ${done}/${total}`);
    },
  });
  await saveCalibration(calibration, calibrationPath(calibration.key));
  const calibrationMs = performance.now() - t;

  const run = async (
    name: string,
    cost: "measured" | "verified",
    iterations: number,
    population: number,
  ): Promise<{ result: CostRunResult; ms: number }> => {
    t = performance.now();
    let lastIteration = -1;
    const result = await searchOnDevice({
      preset: "lts-gpt2",
      search: { iterations, population, seed },
      dir: join(root, name),
      cache: false,
      cost: { mode: cost, verifyMax },
      onProgress: (p) => {
        if (p.last === undefined && p.iteration !== lastIteration) {
          lastIteration = p.iteration;
          console.error(`${name}: iteration ${p.iteration + 1}/${p.iterations}`);
        }
      },
      onVerifyProgress: (p) => {
        if (p.done % 10 === 0 || p.done === p.total) {
          console.error(`${name}: verified ${p.done}/${p.total}`);
        }
      },
    });
    return { result, ms: performance.now() - t };
  };

  const measured = await run("measured-small", "measured", smallIterations, smallPopulation);
  const verified = await run("verified-small", "verified", smallIterations, smallPopulation);
  const hv = frontierHypervolumes({
    measured: measured.result.frontier.map(frontierPoint),
    verified: verified.result.frontier.map(frontierPoint),
  });
  const hvRatio = hv.hypervolume.verified / hv.hypervolume.measured;
  const speedup = measured.ms / verified.ms;
  const speedupWithCalibration = measured.ms / (verified.ms + calibrationMs);
  const paper = args.values["skip-paper"]
    ? undefined
    : await run("verified-paper", "verified", 30, 100);

  const f = calibration.fingerprint;
  console.log(`## Predict-then-verify search (issue 10, part 2)\n`);
  console.log(
    `device: ${f.cpuModel}, ${f.logicalCores} logical cores, onnxruntime-node ${f.runtimeVersion}; ` +
      `lts-gpt2 (whole space), seq 192, batch 1, 1 thread, fast dialect, 1 process per model, ` +
      `seed ${seed}, --verify-max ${verifyMax}; calibration fresh (not validated: margin from its in-sample error)\n`,
  );
  const v = verified.result.verification!.summary;
  console.log(`| quantity | value | target |`);
  console.log(`| --- | --- | --- |`);
  console.log(
    `| calibration (${calibration.models.length} models) | ${seconds(calibrationMs)} | ≤ 180 s (${
      mark(calibrationMs <= 180_000)
    }) |`,
  );
  console.log(
    `| ${smallIterations} × ${smallPopulation} measured: candidates, wall | ${measured.result.records.length}, ${
      seconds(measured.ms)
    } | |`,
  );
  console.log(
    `| ${smallIterations} × ${smallPopulation} verified: candidates, measured, wall | ${verified.result.records.length}, ${v.measured} (of ${v.withinMargin} within the margin ${
      (100 * v.margin.latency).toFixed(0)
    } % / ${(100 * v.margin.memory).toFixed(0)} %), ${seconds(verified.ms)} | |`,
  );
  console.log(
    `| hypervolume verified / measured (measured values, normalised together) | ${
      hvRatio.toFixed(4)
    } (${hv.hypervolume.verified.toFixed(4)} / ${hv.hypervolume.measured.toFixed(4)}) | ≥ 0.99 (${
      mark(hvRatio >= 0.99)
    }) |`,
  );
  console.log(
    `| wall measured / verified, calibration excluded | ${speedup.toFixed(1)}× | ≥ 8× (${
      mark(speedup >= 8)
    }) |`,
  );
  console.log(
    `| wall measured / verified, calibration included | ${speedupWithCalibration.toFixed(2)}× | |`,
  );
  if (v.accuracy) {
    console.log(
      `| prediction error on the verified models: latency median / max, memory median / max | ` +
        `${(100 * v.accuracy.latency.medianAbsError).toFixed(1)} % / ${
          (100 * v.accuracy.latency.maxAbsError).toFixed(1)
        } %, ` +
        `${(100 * v.accuracy.memory.medianAbsError).toFixed(1)} % / ${
          (100 * v.accuracy.memory.maxAbsError).toFixed(1)
        } % | |`,
    );
  }
  if (paper) {
    const p = paper.result.verification!.summary;
    const total = paper.ms + calibrationMs;
    console.log(
      `| 30 × 100 verified: candidates, predicted frontier, measured | ${paper.result.records.length}, ${p.predictedFrontier}, ${p.measured} | |`,
    );
    console.log(
      `| 30 × 100 verified wall, calibration included (search + verification ${
        seconds(paper.ms)
      }) | ${minutes(total)} | ≤ 15 min (${mark(total <= 15 * 60_000)}) |`,
    );
  }
} finally {
  await Deno.remove(root, { recursive: true });
}

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
import { frontierPoint, searchFrontier } from "../lib/search/algorithm.ts";
import { frontierHypervolumes, hypervolumeOrder } from "../lib/search/compare.ts";
import { DEFAULT_VERIFY_MAX } from "../lib/search/cost.ts";
import type { CostRunResult } from "../lib/search/cost_run.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    seed: { type: "string", default: "1" },
    small: { type: "string", default: "5x30" },
    "verify-max": { type: "string", default: String(DEFAULT_VERIFY_MAX) },
    caps: { type: "string", default: "8,12,16,24,32,48,64,100" },
    "skip-paper": { type: "boolean", default: false },
  },
});
const seed = Number(args.values.seed);
const [smallIterations, smallPopulation] = args.values.small.split("x").map(Number);
const verifyMax = Number(args.values["verify-max"]);
const caps = args.values.caps.split(",").map(Number);
if (![seed, smallIterations, smallPopulation, verifyMax, ...caps].every(Number.isInteger)) {
  console.error("costsearch_bench: --seed, --small IxP, --verify-max and --caps take integers");
  Deno.exit(2);
}
// The verified runs measure up to the largest cap; the selection is ordered so that a smaller
// cap measures a prefix of it (lib/search/verify.ts), so each cap's frontier and wall time are
// read off the same run: the first k measured, and the time the k-th finished.
const sweepMax = Math.max(verifyMax, ...caps);

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

  interface Run {
    result: CostRunResult;
    ms: number;
    /** Verified ids in the order they finished, with the wall time (from the run's start). */
    finished: { id: string; ms: number }[];
  }
  const run = async (
    name: string,
    cost: "measured" | "verified",
    iterations: number,
    population: number,
    max = sweepMax,
  ): Promise<Run> => {
    t = performance.now();
    const start = t;
    let lastIteration = -1;
    const finished: Run["finished"] = [];
    const result = await searchOnDevice({
      preset: "lts-gpt2",
      search: { iterations, population, seed },
      dir: join(root, name),
      cache: false,
      cost: { mode: cost, verifyMax: max },
      onProgress: (p) => {
        if (p.last === undefined && p.iteration !== lastIteration) {
          lastIteration = p.iteration;
          console.error(`${name}: iteration ${p.iteration + 1}/${p.iterations}`);
        }
      },
      onVerifyProgress: (p) => {
        finished.push({ id: p.last.id, ms: performance.now() - start });
        if (p.done % 10 === 0 || p.done === p.total) {
          console.error(`${name}: verified ${p.done}/${p.total}`);
        }
      },
    });
    return { result, ms: performance.now() - t, finished };
  };
  /** The verified run as if capped at `k`: its measured frontier and wall time. */
  const capped = (r: Run, k: number) => {
    const ids = new Set(r.finished.slice(0, k).map((x) => x.id));
    const measuredRecords = r.result.verification!.measured.filter((m) => ids.has(m.id));
    const searchMs = r.ms - (r.finished.at(-1)?.ms ?? 0) + (r.finished[0]?.ms ?? 0);
    return {
      measured: ids.size,
      frontier: searchFrontier(measuredRecords).map(frontierPoint),
      // Search, then the first k measurements (the run's end adds only the summary write).
      ms: k === 0 ? searchMs : r.finished[Math.min(k, r.finished.length) - 1].ms,
    };
  };

  const measured = await run("measured-small", "measured", smallIterations, smallPopulation);
  const verified = await run("verified-small", "verified", smallIterations, smallPopulation);
  const measuredFrontier = measured.result.frontier.map(frontierPoint);
  const atCap = (k: number) => {
    const c = capped(verified, k);
    const hv = frontierHypervolumes({ measured: measuredFrontier, verified: c.frontier });
    return {
      k,
      measured: c.measured,
      hvRatio: hv.hypervolume.verified / hv.hypervolume.measured,
      hv,
      speedup: measured.ms / c.ms,
      speedupWithCalibration: measured.ms / (c.ms + calibrationMs),
      ms: c.ms,
    };
  };
  // What k models of the measured search's own frontier keep, picked by greedy hypervolume on
  // their measured values (an oracle that knows every cost): a k-model verification that finds
  // the same models keeps about this much, and more only by finding models the measured search
  // did not.
  const oracleOrder = hypervolumeOrder(measuredFrontier, Math.max(...caps, verifyMax));
  const oracleRatio = (k: number) => {
    const hv = frontierHypervolumes({
      measured: measuredFrontier,
      oracle: oracleOrder.slice(0, k),
    }).hypervolume;
    return hv.oracle / hv.measured;
  };
  const main = atCap(verifyMax);
  const { hvRatio, hv, speedup, speedupWithCalibration } = main;
  const paper = args.values["skip-paper"]
    ? undefined
    : await run("verified-paper", "verified", 30, 100, Math.max(verifyMax, 48));

  const f = calibration.fingerprint;
  console.log(`## Predict-then-verify search (issue 10, part 2)\n`);
  console.log(
    `device: ${f.cpuModel}, ${f.logicalCores} logical cores, onnxruntime-node ${f.runtimeVersion}; ` +
      `lts-gpt2 (whole space), seq 192, batch 1, 1 thread, fast dialect, 1 process per model, ` +
      `seed ${seed}, --verify-max ${verifyMax} (rows at other caps below); calibration fresh (not validated: margin from its in-sample error)\n`,
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
    `| ${smallIterations} × ${smallPopulation} verified: candidates, measured, wall | ${verified.result.records.length}, ${main.measured} (of ${v.withinMargin} within the margin ${
      (100 * v.margin.latency).toFixed(0)
    } % / ${(100 * v.margin.memory).toFixed(0)} %), ${seconds(main.ms)} | |`,
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
    const c = capped(paper, verifyMax);
    const total = c.ms + calibrationMs;
    console.log(
      `| 30 × 100 verified: candidates, predicted frontier, measured | ${paper.result.records.length}, ${p.predictedFrontier}, ${c.measured} | |`,
    );
    console.log(
      `| 30 × 100 verified wall, calibration included (search + verification ${seconds(c.ms)}) | ${
        minutes(total)
      } | ≤ 15 min (${mark(total <= 15 * 60_000)}) |`,
    );
  }
  console.log(
    `\n${smallIterations} × ${smallPopulation}, the same verified run read at each cap ` +
      `(the first k of one ordered selection; wall = search + the first k measurements):\n`,
  );
  console.log(
    `The oracle column: the best k of the measured search's own ${measuredFrontier.length}-model frontier ` +
      `(greedy hypervolume on measured values) / all of it: what k models of that frontier keep, had their costs been known.\n`,
  );
  console.log(
    `| --verify-max | measured | hypervolume verified / measured | oracle: best k of the measured frontier / measured | wall measured / verified (calibration excluded, included) |`,
  );
  console.log(`| --- | --- | --- | --- | --- |`);
  for (const k of [...new Set([...caps, verifyMax])].sort((a, b) => a - b)) {
    if (k > verified.finished.length && k !== verifyMax) continue;
    const r = atCap(k);
    console.log(
      `| ${k} | ${r.measured} | ${r.hvRatio.toFixed(4)} | ${oracleRatio(k).toFixed(4)} | ${
        r.speedup.toFixed(1)
      }×, ${r.speedupWithCalibration.toFixed(2)}× |`,
    );
  }
  if (paper) {
    console.log(`\n30 × 100 verified, wall (calibration included) at each cap:\n`);
    console.log(`| --verify-max | measured | wall |`);
    console.log(`| --- | --- | --- |`);
    for (const k of [...new Set([...caps, verifyMax])].sort((a, b) => a - b)) {
      if (k > paper.finished.length) continue;
      const c = capped(paper, k);
      console.log(`| ${k} | ${c.measured} | ${minutes(c.ms + calibrationMs)} |`);
    }
  }
} finally {
  await Deno.remove(root, { recursive: true });
}

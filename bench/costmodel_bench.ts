/**
 * Cost-model benchmark (issue 10, part 1): calibrates `lts-gpt2` on this machine (timed, nothing
 * cached), then measures `--sample` held-out architectures (default 100) in `--process-repeats`
 * fresh processes each (default 3) and prints, beside each target, the measured value: latency
 * within ±5 % (target ≥ 95 %) and ±10 % (target 100 %), Spearman ρ (≥ 0.995), peak memory within
 * ±5 % (≥ 95 %), calibration wall time (≤ 3 min), and the measurement noise (CV of one model's p50
 * over its processes) beside the error.
 *
 *     deno run -A bench/costmodel_bench.ts [--sample 100] [--seed 1] [--anchors 12] [--calibration FILE]
 *
 * After the validation, `--anchors` (default 12, 0: none) of the calibration's own full-depth
 * models are measured again, as they were in the calibration (one process each): the median ratio
 * of their new p50 to their calibration p50 is the device's drift since the calibration, and the
 * latency row is printed again with every prediction multiplied by it. That corrected row uses no
 * held-out measurement, so it is what re-anchoring a stored calibration before use would give.
 * A calibration has 40 such models, so a larger `--anchors` measures those 40. Anchors that fail,
 * or that the calibration file does not hold (another design), are counted in a line of their own.
 *
 * `--calibration FILE` validates an existing calibration of this machine instead of measuring a
 * new one (then the calibration time is the file's). `--rows FILE` writes every held-out model
 * (its architecture, prediction and processes) as JSON lines, for studying the errors.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  calibrateCostModel,
  calibrationDesign,
  errorSummary,
  loadCalibration,
  saveCalibration,
  validateCostModel,
} from "../lib/costmodel/mod.ts";
import { compactArch } from "../lib/arch/mod.ts";
import { profileMany, type ProfileSettings, quantileSorted } from "../lib/profile/mod.ts";
import { getSpace } from "../lib/space/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    sample: { type: "string", default: "100" },
    seed: { type: "string", default: "1" },
    "process-repeats": { type: "string", default: "3" },
    calibration: { type: "string" },
    rows: { type: "string" },
    anchors: { type: "string", default: "12" },
  },
});
const sample = Number(args.values.sample);
const seed = Number(args.values.seed);
const processRepeats = Number(args.values["process-repeats"]);
const anchors = Number(args.values.anchors);
if (!Number.isInteger(anchors) || anchors < 0) {
  console.error(`--anchors: ${args.values.anchors} is not a count (0 or more)`);
  Deno.exit(2);
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const mark = (ok: boolean) => (ok ? "met" : "NOT met");

const calibration = args.values.calibration
  ? await loadCalibration(args.values.calibration)
  : await calibrateCostModel({
    preset: "lts-gpt2",
    cache: false,
    onProgress: (done, total) => {
      if (done % 25 === 0 || done === total) console.error(`calibrate ${done}/${total}`);
    },
  });
if (!args.values.calibration) await saveCalibration(calibration);
const report = await validateCostModel({
  calibration,
  sample,
  seed,
  processRepeats,
  cache: false,
  onProgress: (done, total) => {
    if (done % 10 === 0 || done === total) console.error(`validate ${done}/${total}`);
  },
});
await saveCalibration({ ...calibration, validation: report.summary });
if (args.values.rows) {
  await Deno.writeTextFile(
    args.values.rows,
    report.rows.map((r) => JSON.stringify({ ...r, arch: compactArch(r.arch) })).join("\n") + "\n",
  );
}
// The device's drift since the calibration, from its own full-depth models measured again.
const calibrated = new Map(calibration.models.map((m) => [m.archHash, m.latencyP50Ms]));
const anchorArchs = calibrationDesign(getSpace(calibration.preset)).models
  .filter((m) => m.role === "sample").slice(0, anchors).map((m) => m.arch);
let anchorsFailed = 0, anchorsUnmatched = 0;
const { processRepeats: _p, ...calSettings } = calibration.settings as Record<string, unknown>;
const driftRatios: number[] = [];
for await (
  const r of profileMany(
    anchorArchs,
    { ...calSettings, processRepeats: 1 } as Partial<ProfileSettings>,
    { cache: false },
  )
) {
  const before = calibrated.get(r.archHash);
  if (!r.ok) anchorsFailed++;
  else if (before === undefined) anchorsUnmatched++;
  else driftRatios.push(r.latencyMs.p50 / before);
}
driftRatios.sort((a, b) => a - b);
const drift = driftRatios.length ? quantileSorted(driftRatios, 0.5) : NaN;
const s = report.summary;
const f = calibration.fingerprint;
console.log(
  `## Cost model (lts-gpt2, seq ${calibration.settings.seqLen}, batch ${calibration.settings.batch}, ${calibration.settings.threads} thread, ${calibration.settings.dialect} dialect)`,
);
console.log(
  `device: ${f.cpuModel}, ${f.logicalCores} logical cores, onnxruntime-node ${f.runtimeVersion}; measured ${s.measuredAt}`,
);
console.log(
  `calibration: ${calibration.models.length} models in ${
    (calibration.calibrationMs / 1000).toFixed(0)
  } s (target ≤ 180 s: ${mark(calibration.calibrationMs <= 180_000)})`,
);
console.log(
  `held-out: ${s.latency.n} architectures (seed ${seed}), each the median of ${processRepeats} fresh processes; ${report.failures.length} failed; ${
    (report.wallMs / 60000).toFixed(1)
  } min`,
);
console.log(
  `| objective | within ±5 % | within ±10 % | median abs err | max abs err | bias | spread after bias (p95) | Spearman ρ |`,
);
console.log(`|---|---|---|---|---|---|---|---|`);
const measuredLatency = new Map(report.rows.map((r) => [r.archHash, r.latencyP50Ms]));
const rescaled = Number.isFinite(drift)
  ? errorSummary(
    new Map(report.rows.map((r) => [r.archHash, r.predicted.latencyMs * drift])),
    measuredLatency,
  )
  : undefined;
const tableRows: [string, typeof s.latency][] = [["latency p50", s.latency]];
if (rescaled) tableRows.push([`latency p50 × drift ${drift.toFixed(3)}`, rescaled]);
tableRows.push(["peak memory", s.memory]);
for (const [name, e] of tableRows) {
  console.log(
    `| ${name} | ${pct(e.within5)} | ${pct(e.within10)} | ${pct(e.medianAbsError)} | ${
      pct(e.maxAbsError)
    } | ${pct(e.meanSignedError)} | ${
      e.relativeSpread95 === undefined ? "–" : pct(e.relativeSpread95)
    } | ${e.spearman.toFixed(4)} |`,
  );
}
if (anchorsFailed + anchorsUnmatched > 0) {
  console.log(
    `anchors: ${driftRatios.length} of ${anchorArchs.length} used; ${anchorsFailed} failed to measure, ${anchorsUnmatched} not in the calibration (another design)`,
  );
}
if (driftRatios.length) {
  console.log(
    `drift: ${driftRatios.length} full-depth calibration models measured again after the validation (1 process each) ran at ${
      drift.toFixed(3)
    }× their calibration p50 (p10–p90 ${quantileSorted(driftRatios, 0.1).toFixed(3)}–${
      quantileSorted(driftRatios, 0.9).toFixed(3)
    })`,
  );
}
console.log(
  `noise: CV of one model's p50 over its ${processRepeats} processes, median ${
    pct(s.processCv.median)
  }, max ${pct(s.processCv.max)}`,
);
console.log(
  `targets: latency within ±5 % ≥ 95 %: ${mark(s.latency.within5 >= 0.95)}; all within ±10 %: ${
    mark(s.latency.within10 >= 1)
  }; ρ ≥ 0.995: ${mark(s.latency.spearman >= 0.995)}; memory within ±5 % ≥ 95 %: ${
    mark(s.memory.within5 >= 0.95)
  }`,
);

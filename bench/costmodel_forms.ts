/**
 * Offline study of the cost model's latency form (issue 10, part 1): refits term sets on stored
 * measurements and scores them on stored held-out models, with nothing measured. It is how
 * versions 2 and 3 of the cost model (`lib/costmodel/terms.ts`, `design.ts`) were chosen; see
 * bench/RESULTS.md, "Cost model version 2" and "Cost model version 3".
 *
 *     deno run -A bench/costmodel_forms.ts [--data FILE[,FILE…]] [--folds 4]
 *
 * A data file holds one JSON line per measured model: `set`, `role`, `arch` (compact), and
 * `latencyP50Ms` (held-out models: the median of 3 processes, with `processP50Ms`). Each set
 * `X-calibration` is scored on the sets `X-held-out…`. The default files (onnxruntime-node
 * 1.30.0, lts-gpt2, seq 192, batch 1, 1 thread, fast dialect, 2-vCPU AMD EPYC VMs):
 *
 * - `costmodel-2026-12-04.jsonl`, one VM (kernel v1252, p50 CV over 3 processes median 0.5 %):
 *   `v1-calibration`, the 143 models of a version-1 calibration (19:55 UTC, 15 d_model values,
 *   12 full-depth models); `v1-held-out-a` (40, seed 1, 20:28) and `v1-held-out-b` (100, seed 2,
 *   21:27), held-out models measured against it; `v2-calibration`, the 99 models of the
 *   version-2 calibration (21:34), and `v2-held-out`, 100 held-out models, seed 1, measured
 *   right after it (the bench run of RESULTS.md).
 * - `costmodel-2026-12-06.jsonl`, another VM (kernel v1300, p50 CV median 2.0 %, max 21.8 %):
 *   `v3-2026-12-06-calibration`, the 99 models of a version-3 calibration (20:59 UTC; same
 *   design as version 2), and `v3-2026-12-06-held-out`, 100 held-out models, seed 4, measured
 *   right after it (`bench/costmodel_bench.ts --seed 4 --rows FILE`; the calibration models'
 *   architectures are the design's, joined by archHash with the calibration file's entries).
 *
 * Two tables are printed:
 *
 * 1. Each form fitted on a calibration set and scored on the held-out sets measured against it.
 * 2. "More full-depth models": the v1 held-out models split into `--folds` folds; each fold is
 *    predicted by a fit on the v1 calibration plus the first M models of the other folds, as if
 *    the calibration had measured M more full-depth models (M = 0, 15, 30, 45), once with all 15
 *    d_model values of block models and once with only the 6 of version 2. No model is ever
 *    scored by a fit that saw it. The M models are taken in file order, so mostly from
 *    `v1-held-out-a`, the set measured closest to the calibration.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { validateArch } from "../lib/arch/validate.ts";
import type { Arch } from "../lib/arch/types.ts";
import {
  calibrationDesign,
  type ErrorSummary,
  errorSummary,
  evaluateTerms,
  fitTerms,
  latencyTerms,
  type TermBasis,
  type Terms,
} from "../lib/costmodel/mod.ts";
import { isPlainEmbedding } from "../lib/onnx/adaptive.ts";
import { vocabClusters } from "../lib/params/embedding.ts";
import { getSpace } from "../lib/space/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    data: {
      type: "string",
      default: "bench/data/costmodel-2026-12-04.jsonl,bench/data/costmodel-2026-12-06.jsonl",
    },
    folds: { type: "string", default: "4" },
  },
});
const folds = Number(args.values.folds);
if (!Number.isInteger(folds) || folds < 2 || folds > 20) {
  console.error(`--folds: ${args.values.folds} is not a whole number from 2 to 20`);
  Deno.exit(2);
}

/** One measured model of the data file. */
interface Measured {
  set: string;
  role: string;
  id: string;
  arch: Arch;
  latencyP50Ms: number;
}

const space = getSpace("lts-gpt2");
const basis = calibrationDesign(space).basis;
const defaults = {
  vocabSize: space.vocabSize,
  nPositions: space.nPositions,
  cutoffs: [...space.cutoffs],
  tieWeight: space.tieWeight,
};
const files = args.values.data.split(",");
const data: Measured[] = [];
for (const file of files) {
  (await Deno.readTextFile(file)).trim().split("\n").forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    let r;
    try {
      r = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`);
    }
    if (
      typeof r.set !== "string" || typeof r.archHash !== "string" || !(r.latencyP50Ms > 0)
    ) {
      throw new Error(`${where}: expected set, archHash and a positive latencyP50Ms`);
    }
    data.push({
      set: r.set,
      role: r.role,
      id: `${r.set}/${r.archHash}`,
      arch: validateArch({ ...defaults, ...r.arch }),
      latencyP50Ms: r.latencyP50Ms,
    });
  });
}
const ids = new Set(data.map((m) => m.id));
if (ids.size !== data.length) throw new Error(`${args.values.data}: a model is listed twice`);
const inSet = (set: string) => data.filter((m) => m.set === set);

/**
 * The version-1 latency terms (before 2026-12-04), frozen here to compare with: per layer d²,
 * d·d_inner, d_inner·√d, d_inner, d, d^1.5 and a term and d-slope per head count; the embedding
 * as a plain table or an intercept per (d_embed, k) plus d · Σ cluster widths.
 */
function v1Terms(arch: Arch): Terms {
  const t: Terms = {};
  const add = (name: string, value: number) => (t[name] = (t[name] ?? 0) + value);
  const d = arch.dModel;
  add("base", 1);
  add("baseDModel", d);
  arch.dInner.forEach((inner, l) => {
    const h = arch.nHead[l];
    add("layer", 1);
    add("attentionProjections", d * d);
    add("ffn", d * inner);
    add("ffnSqrtDModel", inner * Math.sqrt(d));
    add("dInner", inner);
    add("dModel", d);
    add("dModel1.5", d ** 1.5);
    add(`heads${h}`, 1);
    add(`heads${h}DModel`, d);
  });
  if (isPlainEmbedding(arch)) {
    add("plain", 1);
    add("plainVocabDModel", arch.vocabSize * d);
  } else {
    add(`embed:${arch.dEmbed}x${arch.divVal}`, 1);
    add("embedProjection", d * vocabClusters(arch).reduce((s, c) => s + c.width, 0));
  }
  return t;
}

/** An adaptive embedding's smooth terms replaced by version 2's intercept per (d_embed, k). */
function interceptEmbedding(arch: Arch, t: Terms): Terms {
  if (isPlainEmbedding(arch)) return t;
  delete t.adaptive;
  delete t.tableCount;
  delete t.outputTableMacs;
  t[`embed:${arch.dEmbed}x${arch.divVal}`] = 1;
  return t;
}

/** Terms without the per-knot block terms. */
function withoutKnots(t: Terms): Terms {
  for (const name of Object.keys(t)) if (name.startsWith("knot:")) delete t[name];
  return t;
}

/** Per-layer sums of `f`. */
const perLayer = (arch: Arch, f: (dModel: number, nHead: number, dInner: number) => number) =>
  arch.dInner.reduce((s, inner, l) => s + f(arch.dModel, arch.nHead[l], inner), 0);

/**
 * The forms compared: name → terms of an architecture over a calibration's basis (its own
 * d_model knots). "v2" is the version-2 form of 2026-12-04, frozen here: version 3 without the
 * per-knot block terms and with an intercept per (d_embed, k).
 */
const FORMS: Record<string, (arch: Arch, basis: TermBasis) => Terms> = {
  "v1": (a) => v1Terms(a),
  "v2": (a, b) => interceptEmbedding(a, withoutKnots(latencyTerms(a, b))),
  "v3 (lib/costmodel/terms.ts)": (a, b) => latencyTerms(a, b),
  "v3 − knot terms": (a, b) => withoutKnots(latencyTerms(a, b)),
  "v3 − smooth embedding": (a, b) => interceptEmbedding(a, latencyTerms(a, b)),
  "v3 + d_inner·√d": (a, b) => ({
    ...latencyTerms(a, b),
    ffnSqrtDModel: perLayer(a, (d, _h, i) => i * Math.sqrt(d)),
  }),
  "v3 − d_inner²": (a, b) => {
    const t = latencyTerms(a, b);
    delete t.dInnerSquared;
    return t;
  },
  "v3 + d³": (a, b) => ({ ...latencyTerms(a, b), dModelCubed: perLayer(a, (d) => d ** 3) }),
};

/**
 * A calibration set's basis, as its design had it: the d_model values of its block models as
 * knots, the design's head counts.
 */
function basisOf(models: Measured[]): TermBasis {
  const knots = [...new Set(models.filter((m) => m.role === "blocks").map((m) => m.arch.dModel))];
  return { knots: knots.sort((a, b) => a - b), heads: basis.heads };
}

const pct = (x: number) => (100 * x).toFixed(1);
const summaryCells = (s: ErrorSummary) =>
  `${pct(s.within5)} | ${pct(s.within10)} | ${pct(s.maxAbsError)} | ${pct(s.meanSignedError)} | ${
    pct(s.relativeSpread95!)
  } | ${s.spearman.toFixed(4)}`;

/** Fits `form` on `train` and scores its predictions of `test`. */
function score(
  form: (a: Arch, b: TermBasis) => Terms,
  train: Measured[],
  test: Measured[],
): ErrorSummary {
  const b = basisOf(train);
  const fit = fitTerms(train.map((m) => ({ terms: form(m.arch, b), value: m.latencyP50Ms })));
  return errorSummary(
    new Map(test.map((m) => [m.id, evaluateTerms(form(m.arch, b), fit.coefficients)!])),
    new Map(test.map((m) => [m.id, m.latencyP50Ms])),
  );
}

const header =
  "| within ±5 % | within ±10 % | max abs err | bias | spread after bias (p95) | Spearman ρ |";
const rule = "|---|---|---|---|---|---|";
console.log(
  `## Forms fitted on a calibration, scored on its held-out models (${args.values.data})`,
);
console.log(`| form | calibration → held-out (n) ${header}\n|---|---${rule}`);
// Each `X-calibration` set with the `X-held-out…` sets measured against it.
const sets = [...new Set(data.map((m) => m.set))];
const pairs: [string, string[]][] = sets.filter((s) => s.endsWith("-calibration")).map((cal) => {
  const prefix = cal.slice(0, -"calibration".length);
  return [cal, sets.filter((s) => s.startsWith(`${prefix}held-out`))];
});
for (const [name, form] of Object.entries(FORMS)) {
  for (const [cal, tests] of pairs) {
    for (const test of tests) {
      const s = score(form, inSet(cal), inSet(test));
      console.log(`| ${name} | ${cal} → ${test} (${s.n}) | ${summaryCells(s)} |`);
    }
  }
}

// "More full-depth models": folds over the v1 held-out models.
const pool = [...inSet("v1-held-out-a"), ...inSet("v1-held-out-b")];
const v2Knots = new Set(basis.knots);
console.log(
  `\n## More full-depth models: ${folds}-fold over ${pool.length} v1 held-out models, each predicted by a fit on the v1 calibration plus M models of the other folds`,
);
console.log(`| form | block models at | M ${header}\n|---|---|---${rule}`);
for (const [name, form] of Object.entries(FORMS)) {
  for (const knots of ["15 d_model values", "6 (v2's)"]) {
    const calibration = inSet("v1-calibration").filter((m) =>
      knots.startsWith("15") || m.role === "sample" || v2Knots.has(m.arch.dModel)
    );
    for (const extra of [0, 15, 30, 45]) {
      const predicted = new Map<string, number>();
      for (let k = 0; k < folds; k++) {
        const others = pool.filter((_, i) => i % folds !== k).slice(0, extra);
        const train = [...calibration, ...others];
        const b = basisOf(calibration);
        const fit = fitTerms(train.map((m) => ({ terms: form(m.arch, b), value: m.latencyP50Ms })));
        for (const m of pool.filter((_, i) => i % folds === k)) {
          predicted.set(m.id, evaluateTerms(form(m.arch, b), fit.coefficients)!);
        }
      }
      const s = errorSummary(predicted, new Map(pool.map((m) => [m.id, m.latencyP50Ms])));
      console.log(`| ${name} | ${knots} | ${extra} | ${summaryCells(s)} |`);
    }
  }
}

/**
 * Offline study of the cost model's latency form (issue 10, part 1): refits term sets on stored
 * measurements and scores them on stored held-out models, with nothing measured. It is how
 * version 2 of the cost model (`lib/costmodel/terms.ts`, `design.ts`) was chosen; see
 * bench/RESULTS.md, "Cost model version 2".
 *
 *     deno run -A bench/costmodel_forms.ts [--data bench/data/costmodel-2026-12-04.jsonl] [--folds 4]
 *
 * The data file holds one JSON line per measured model: `set`, `role`, `arch` (compact), and
 * `latencyP50Ms` (held-out models: the median of 3 processes, with `processP50Ms`). Its sets, all
 * measured on 2026-12-04 on one 2-vCPU AMD EPYC VM (onnxruntime-node 1.30.0, lts-gpt2, seq 192,
 * batch 1, 1 thread, fast dialect):
 *
 * - `v1-calibration`: the 143 models of a version-1 calibration (19:55 UTC, 15 d_model values, 12
 *   full-depth models); `v1-held-out-a` (40, seed 1, 20:28) and `v1-held-out-b` (100, seed 2,
 *   21:27): held-out models measured against it;
 * - `v2-calibration`: the 99 models of the version-2 calibration (21:34); `v2-held-out`: 100 held
 *   out models, seed 1, measured right after it (the bench run of RESULTS.md).
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
  embeddingTerm,
  type ErrorSummary,
  errorSummary,
  evaluateTerms,
  fitTerms,
  latencyTerms,
  type Terms,
} from "../lib/costmodel/mod.ts";
import { isPlainEmbedding } from "../lib/onnx/adaptive.ts";
import { vocabClusters } from "../lib/params/embedding.ts";
import { getSpace } from "../lib/space/mod.ts";

const args = parseArgs({
  args: Deno.args,
  options: {
    data: { type: "string", default: "bench/data/costmodel-2026-12-04.jsonl" },
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
const data: Measured[] = (await Deno.readTextFile(args.values.data)).trim().split("\n").map(
  (line, i) => {
    const where = `${args.values.data}:${i + 1}`;
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
    return {
      set: r.set,
      role: r.role,
      id: `${r.set}/${r.archHash}`,
      arch: validateArch({ ...defaults, ...r.arch }),
      latencyP50Ms: r.latencyP50Ms,
    };
  },
);
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
    add(embeddingTerm(arch.dEmbed, arch.divVal), 1);
    add("embedProjection", d * vocabClusters(arch).reduce((s, c) => s + c.width, 0));
  }
  return t;
}

/** Per-layer sums of `f`. */
const perLayer = (arch: Arch, f: (dModel: number, nHead: number, dInner: number) => number) =>
  arch.dInner.reduce((s, inner, l) => s + f(arch.dModel, arch.nHead[l], inner), 0);

/** The forms compared: name → terms of an architecture. */
const FORMS: Record<string, (arch: Arch) => Terms> = {
  "v1": v1Terms,
  "v2 (lib/costmodel/terms.ts)": (a) => latencyTerms(a, basis),
  "v2 + d_inner·√d": (a) => ({
    ...latencyTerms(a, basis),
    ffnSqrtDModel: perLayer(a, (d, _h, i) => i * Math.sqrt(d)),
  }),
  "v2 − d_inner²": (a) => {
    const t = latencyTerms(a, basis);
    delete t.dInnerSquared;
    return t;
  },
  "v2 + d³": (a) => ({ ...latencyTerms(a, basis), dModelCubed: perLayer(a, (d) => d ** 3) }),
  "v2 + n_layer²": (a) => ({ ...latencyTerms(a, basis), layerSquared: a.nLayer ** 2 }),
};

const pct = (x: number) => (100 * x).toFixed(1);
const summaryCells = (s: ErrorSummary) =>
  `${pct(s.within5)} | ${pct(s.within10)} | ${pct(s.maxAbsError)} | ${pct(s.meanSignedError)} | ${
    pct(s.relativeSpread95!)
  } | ${s.spearman.toFixed(4)}`;

/** Fits `form` on `train` and scores its predictions of `test`. */
function score(form: (a: Arch) => Terms, train: Measured[], test: Measured[]): ErrorSummary {
  const fit = fitTerms(train.map((m) => ({ terms: form(m.arch), value: m.latencyP50Ms })));
  return errorSummary(
    new Map(test.map((m) => [m.id, evaluateTerms(form(m.arch), fit.coefficients)!])),
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
const pairs: [string, string[]][] = [
  ["v1-calibration", ["v1-held-out-a", "v1-held-out-b"]],
  ["v2-calibration", ["v2-held-out"]],
];
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
        const fit = fitTerms(train.map((m) => ({ terms: form(m.arch), value: m.latencyP50Ms })));
        for (const m of pool.filter((_, i) => i % folds === k)) {
          predicted.set(m.id, evaluateTerms(form(m.arch), fit.coefficients)!);
        }
      }
      const s = errorSummary(predicted, new Map(pool.map((m) => [m.id, m.latencyP50Ms])));
      console.log(`| ${name} | ${knots} | ${extra} | ${summaryCells(s)} |`);
    }
  }
}

import assert from "node:assert/strict";
import { join } from "node:path";
import { validateArch } from "../lib/arch/mod.ts";
import { archHash } from "../lib/arch/hash.ts";
import {
  type Calibration,
  CALIBRATION_VERSION,
  calibrationDesign,
  calibrationKey,
  calibrationSettings,
  checkCalibration,
  costSpace,
  errorSummary,
  evaluateTerms,
  findCalibration,
  fitTerms,
  heldOutSample,
  latencyTerms,
  loadCalibration,
  memoryTerms,
  predictCost,
  predictionGap,
  saveCalibration,
  summarizeValidation,
  useCalibration,
  validateCalibration,
  validateCostModel,
} from "../lib/costmodel/mod.ts";
import { GPT2_GRAPH_VERSION } from "../lib/onnx/gpt2.ts";
import { detectDevice, deviceFingerprint, fingerprintHash } from "../lib/profile/fingerprint.ts";
import { measurementSettings } from "../lib/profile/settings.ts";
import { getSpace, sampleArch } from "../lib/space/mod.ts";
import { InputError } from "../lib/util/errors.ts";
import { createRng } from "../lib/util/rng.ts";
import { runCliProcess } from "./helpers.ts";

const space = getSpace("lts-gpt2");
const design = calibrationDesign(space);

/** A cost function of the model's own form, with known coefficients. */
function trueCoefficients(terms: string[]): Record<string, number> {
  const rng = createRng(3);
  return Object.fromEntries(terms.map((t) => [t, 1e-6 * (1 + rng.float())]));
}

Deno.test("costmodel terms: a model's block terms are the sum of its layers' terms", () => {
  const base = { backbone: "gpt2", dModel: 256, dEmbed: 128, divVal: 4 };
  const a = validateArch({ ...base, nLayer: 1, nHead: 2, dInner: 512 });
  const b = validateArch({ ...base, nLayer: 1, nHead: 8, dInner: 1024 });
  const ab = validateArch({ ...base, nLayer: 2, nHead: [2, 8], dInner: [512, 1024] });
  const [ta, tb, tab] = [a, b, ab].map((x) => latencyTerms(x, design.basis));
  for (
    const key of [
      "layer",
      "ffn",
      "dInner",
      "dInnerSquared",
      "heads2",
      "heads8",
      "attentionProjections",
    ]
  ) {
    assert.equal(tab[key], (ta[key] ?? 0) + (tb[key] ?? 0), key);
  }
  assert.equal(tab.base, 1);
  assert.equal(tab.adaptive, 1);
});

Deno.test("costmodel terms: the adaptive embedding's projections are counted as emitted", () => {
  const base = { backbone: "gpt2", nLayer: 1, dModel: 256, nHead: 2, dInner: 512 } as const;
  const t = (extra: object) => latencyTerms(validateArch({ ...base, ...extra }), design.basis);
  // k = 1, d_embed ≠ d_model: one input table, and two head projections (the head cluster's own
  // and the tail clusters' shared one).
  const k1 = t({ dEmbed: 128, divVal: 1 });
  assert.equal(k1.inputProjection, 256 * 128);
  assert.equal(k1.clusterSelect, 0);
  assert.equal(k1.headProjection, 2 * 256 * 128);
  // k = 4: three tables (128, 32, 8 wide), each token projected from every one, two Wheres.
  const k4 = t({ dEmbed: 128, divVal: 4 });
  assert.equal(k4.inputProjection, 256 * (128 + 32 + 8));
  assert.equal(k4.clusterSelect, 2 * 256);
  assert.equal(k4.headProjection, 256 * (128 + 32 + 8));
  // k = 2: tables 128 and 64 wide; the head cluster's own projection and the tail's, once each.
  const k2 = t({ dEmbed: 128, divVal: 2 });
  assert.equal(k2.inputProjection, 256 * (128 + 64 + 32));
  assert.equal(k2.headProjection, 256 * (128 + 64 + 32));
  // A plain tied table has none of them.
  const plain = t({});
  assert.equal(plain.plain, 1);
  assert.equal(plain.inputProjection, undefined);
});

Deno.test("costmodel terms: a calibrated d_model has its own block terms, an adaptive embedding is smooth", () => {
  const at = (dModel: number, dEmbed: number) =>
    latencyTerms(
      validateArch({
        backbone: "gpt2",
        nLayer: 2,
        dModel,
        nHead: 2,
        dInner: 512,
        dEmbed,
        divVal: 4,
      }),
      design.basis,
    );
  const knot = at(320, 128), between = at(384, 128);
  assert.ok(design.basis.knots.includes(320) && !design.basis.knots.includes(384));
  assert.equal(knot["knot:320:attention"], 2 * 320 * 320);
  assert.equal(knot["knot:320:ffn"], 2 * 320 * 512);
  assert.deepEqual(Object.keys(between).filter((k) => k.startsWith("knot:")), []);
  // No term names a width: a d_embed the calibration never drew has the same terms, other values.
  const odd = at(384, 384);
  assert.deepEqual(Object.keys(odd).sort(), Object.keys(between).sort());
  // Tables of 384, 96 and 24 wide over the vocabulary's clusters, scored once by the head (k > 1).
  const cutoffs = [...space.cutoffs, space.vocabSize];
  const tokens = cutoffs.map((end, i) => end - (i === 0 ? 0 : cutoffs[i - 1]));
  assert.equal(odd.outputTableMacs, tokens[0] * 384 + tokens[1] * 96 + tokens[2] * 24);
  assert.equal(odd.tableCount, 3);
});

Deno.test("costmodel terms: uncovered architectures are named, not guessed", () => {
  const wide = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 2048, nHead: 8, dInner: 4096 });
  assert.match(
    predictionGap({ ...design, latency: {}, memory: {} } as never, wide) ?? "",
    /dModel 2048/,
  );
  const odd = validateArch({
    backbone: "gpt2",
    nLayer: 2,
    dModel: 384,
    nHead: 8,
    dInner: 1024,
    dEmbed: 384,
    divVal: 2,
  });
  const coefficients = { base: 1 };
  assert.match(
    predictionGap({ basis: design.basis, latency: coefficients, memory: {} } as never, odd) ?? "",
    /not calibrated: .*adaptive/,
  );
  assert.throws(
    () =>
      predictCost(
        {
          basis: design.basis,
          latency: coefficients,
          memory: {},
          settings: { seqLen: 192, batch: 1 },
        } as never,
        odd,
      ),
    InputError,
  );
});

Deno.test("costmodel fit: recovers a cost of its own form exactly from the design's models", () => {
  // The preset, and the report's space (d_embed = d_model, k = 4 only: `adaptive` and
  // `tableCount` always move together there, and their sum is what counts).
  const spaces = [space, getSpace("lts-gpt2", { dEmbed: "dModel", divVal: [4] })];
  for (const target of spaces) {
    const { models, basis } = calibrationDesign(target);
    const rows = models.map((m) => latencyTerms(m.arch, basis));
    const names = [...new Set(rows.flatMap((t) => Object.keys(t)))];
    const truth = trueCoefficients(names);
    const fit = fitTerms(rows.map((terms) => ({ terms, value: evaluateTerms(terms, truth)! })));
    // Held-out architectures of the space: predictions match the true cost.
    const rng = createRng(11);
    for (let i = 0; i < 50; i++) {
      const arch = sampleArch(target, rng);
      const terms = latencyTerms(arch, basis);
      const p = evaluateTerms(terms, fit.coefficients)!;
      const t = evaluateTerms(terms, truth)!;
      assert.ok(Math.abs(p / t - 1) < 1e-6, `${archHash(arch)}: ${p} vs ${t}`);
    }
  }
});

Deno.test("costmodel design: deterministic, valid, covered, never the validation's models", () => {
  const again = calibrationDesign(getSpace("lts-gpt2", { homogeneous: true }));
  assert.deepEqual(
    again.models.map((m) => archHash(m.arch)),
    design.models.map((m) => archHash(m.arch)),
  );
  assert.equal(new Set(design.models.map((m) => archHash(m.arch))).size, design.models.length);
  for (const m of design.models) {
    assert.equal(
      predictionGap(
        {
          basis: design.basis,
          latency: Object.fromEntries(
            Object.keys(latencyTerms(m.arch, design.basis)).map((k) => [k, 1]),
          ),
          memory: {},
        } as never,
        m.arch,
      ),
      undefined,
    );
  }
  const exclude = new Set(design.models.map((m) => archHash(m.arch)));
  const held = heldOutSample(space, 40, 1, exclude);
  assert.equal(held.length, 40);
  assert.ok(held.every((a) => !exclude.has(archHash(a))));
  assert.throws(() => calibrationDesign(getSpace("lts-transformer-xl")), InputError);
});

Deno.test("costmodel memory terms: exact weight bytes", () => {
  const arch = validateArch({
    backbone: "gpt2",
    nLayer: 2,
    dModel: 128,
    nHead: 2,
    dInner: 512,
    vocabSize: 1000,
    nPositions: 256,
  });
  const t = memoryTerms(arch, { seqLen: 64, batch: 2 });
  const layer = 4 * 128 * 128 + 4 * 128 + 2 * 128 * 512 + 512 + 128 + 4 * 128; // attn, ffn, 2 LN
  assert.equal(t.blockWeightBytes, 4 * 2 * layer);
  assert.equal(t.embeddingWeightBytes, 4 * (1000 * 128 + 256 * 128 + 2 * 128));
  assert.equal(t.ffnActivationBytes, 4 * 128 * 512);
  assert.equal(t.attentionActivationBytes, 4 * 128 * 64 * 2);
});

Deno.test("costmodel accuracy: paired by key, shares and bias", () => {
  const s = errorSummary(new Map([["b", 19], ["a", 10.6]]), new Map([["a", 10], ["b", 20]]));
  assert.equal(s.within5, 0.5);
  assert.equal(s.within10, 1);
  assert.ok(Math.abs(s.meanSignedError - (0.06 - 0.05) / 2) < 1e-12);
  assert.throws(() => errorSummary(new Map(), new Map([["a", 1]])), /no prediction for a/);
  const row = (id: string, p: number, m: number, procs: number[]) => ({
    archHash: id,
    arch: {} as never,
    predicted: { latencyMs: p, peakMemoryBytes: m },
    latencyP50Ms: m,
    peakMemoryBytes: m,
    processP50Ms: procs,
  });
  const v = summarizeValidation([row("a", 10, 10, [9, 10, 11]), row("b", 22, 20, [20, 20, 20])], {
    sample: 2,
    seed: 1,
    processRepeats: 3,
  });
  assert.equal(v.latency.within5, 0.5);
  assert.ok(v.processCv.max > 0.09 && v.processCv.median === 0);
});

async function fakeCalibration(fingerprintHashValue: string): Promise<Calibration> {
  const settings = measurementSettings(calibrationSettings({}));
  const cost = costSpace(space);
  const names = [
    ...new Set(design.models.flatMap((m) => Object.keys(latencyTerms(m.arch, design.basis)))),
  ];
  const device = deviceFingerprint(await detectDevice(), calibrationSettings({}));
  return {
    version: CALIBRATION_VERSION,
    key: calibrationKey(fingerprintHashValue, settings, cost, GPT2_GRAPH_VERSION),
    preset: "lts-gpt2",
    space: cost,
    settings,
    fingerprint: {
      ...device,
      cpuModel: fingerprintHashValue === "elsewhere" ? "Other CPU" : device.cpuModel,
    },
    fingerprintHash: fingerprintHashValue,
    graphVersion: GPT2_GRAPH_VERSION,
    basis: design.basis,
    latency: trueCoefficients(names),
    memory: {
      session: 2e7,
      blockWeightBytes: 1.1,
      embeddingWeightBytes: 1,
      ffnActivationBytes: 2,
      attentionActivationBytes: 1,
      embeddingActivationBytes: 1,
    },
    models: [],
    fit: {
      latency: errorSummary(new Map(), new Map()),
      memory: errorSummary(new Map(), new Map()),
    },
    measuredAt: new Date().toISOString(),
    calibrationMs: 1,
    runtimeVersion: device.runtimeVersion,
  };
}

Deno.test("costmodel store: atomic round trip, stale refused, foreign flagged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const here = fingerprintHash(deviceFingerprint(await detectDevice(), calibrationSettings({})));
    const cal = await fakeCalibration(here);
    const path = await saveCalibration(cal, join(dir, `${cal.key}.json`));
    assert.deepEqual(await loadCalibration(path), JSON.parse(JSON.stringify(cal)));
    assert.deepEqual((await findCalibration(cal.key, dir))?.key, cal.key);
    assert.equal(await findCalibration("0000000000000000", dir), undefined);
    // Found for this device and settings, not for others.
    const used = await useCalibration({ preset: "lts-gpt2", dir });
    assert.equal(used.foreign, false);
    await assert.rejects(
      () => useCalibration({ preset: "lts-gpt2", dir, settings: { seqLen: 128 } }),
      /no calibration of lts-gpt2/,
    );
    // An explicit file with other settings is stale: refused, naming the setting.
    await assert.rejects(
      () => useCalibration({ preset: "lts-gpt2", file: path, settings: { threads: 2 } }),
      /stale calibration: settings.threads differs \(1 there, 2 now\)/,
    );
    // Another device's file is used only explicitly, and flagged.
    const other = await fakeCalibration("elsewhere");
    const otherPath = await saveCalibration(other, join(dir, "other.json"));
    assert.equal((await useCalibration({ preset: "lts-gpt2", file: otherPath })).foreign, true);
    // A broken file names its field.
    await Deno.writeTextFile(
      join(dir, "bad.json"),
      JSON.stringify({ ...cal, latency: { base: "x" } }),
    );
    await assert.rejects(
      () => loadCalibration(join(dir, "bad.json")),
      /bad.json: latency.base: expected a finite number/,
    );
    assert.throws(() => validateCalibration([], "x.json"), InputError);
    // A file of an older cost model (other terms) is refused, saying so, never half-used.
    await Deno.writeTextFile(join(dir, "v1.json"), JSON.stringify({ ...cal, version: 1 }));
    await assert.rejects(
      () => useCalibration({ preset: "lts-gpt2", file: join(dir, "v1.json") }),
      /v1.json: version: 1 is an older cost model .*run lts costmodel calibrate again/,
    );
    // A version-2 file (intercepts per embedding, no knot terms) is refused the same way.
    assert.throws(
      () => validateCalibration({ ...cal, version: 2 }, "v2.json"),
      /v2.json: version: 2 is an older cost model \(this one is version 3/,
    );
    assert.throws(
      () => validateCalibration({ ...cal, version: CALIBRATION_VERSION + 1 }, "new.json"),
      /new.json: version: 4 is a newer cost model than this lts reads .*update lts/,
    );
    for (const version of ["2", null, 1.5]) {
      assert.throws(
        () => validateCalibration({ ...cal, version }, "x.json"),
        new RegExp(`x.json: version: expected ${CALIBRATION_VERSION}, got`),
      );
    }
    assert.throws(
      () =>
        checkCalibration(cal, {
          settings: cal.settings as never,
          space: cal.space,
          graphVersion: 99,
          fingerprintHash: here,
        }, "c"),
      /graph version/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("costmodel CLI: predict with a stored or foreign calibration, bad input exits 2", async () => {
  const dir = await Deno.makeTempDir();
  Deno.env.set("LTS_COSTMODEL_DIR", dir);
  try {
    const arch =
      '{"backbone":"gpt2","nLayer":4,"dModel":256,"nHead":4,"dInner":1024,"dEmbed":128,"divVal":4}';
    let run = await runCliProcess(["costmodel", "predict"], arch);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no calibration of lts-gpt2 for this device/);
    assert.equal(run.stderr.trim().split("\n").length, 1);
    const here = fingerprintHash(deviceFingerprint(await detectDevice(), calibrationSettings({})));
    const cal = await fakeCalibration(here);
    await saveCalibration(cal, join(dir, `${cal.key}.json`));
    run = await runCliProcess(["costmodel", "predict"], arch + "\n" + arch);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    const expected = predictCost(cal, validateArch(JSON.parse(arch)));
    assert.ok(Math.abs(lines[0].latencyMs.p50 - expected.latencyMs) < 1e-9);
    assert.equal(lines[0].source, "predicted");
    assert.equal(lines[0].calibration.foreign, false);
    const other = await fakeCalibration("elsewhere");
    const otherPath = await saveCalibration(other, join(dir, "other.json"));
    run = await runCliProcess(["costmodel", "predict", "--calibration", otherPath], arch);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /measured on another device \(Other CPU\)/);
    assert.equal(JSON.parse(run.stdout).calibration.foreign, true);
    for (
      const [args, message] of [
        [["costmodel"], /expected a subcommand/],
        [["costmodel", "calibrate"], /--preset: missing/],
        [["costmodel", "calibrate", "--preset", "nope"], /preset/],
        [["costmodel", "calibrate", "--preset", "lts-gpt2", "--threads", "0"], /--threads/],
        [
          ["costmodel", "validate", "--preset", "lts-gpt2", "--process-repeats", "2"],
          /--process-repeats/,
        ],
        [["costmodel", "predict", "--calibration", join(dir, "missing.json")], /missing.json/],
      ] as const
    ) {
      run = await runCliProcess([...args], args[1] === "predict" ? arch : undefined);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /);
    }
    run = await runCliProcess(
      ["costmodel", "predict"],
      '{"backbone":"gpt2","nLayer":2,"dModel":2048,"nHead":8,"dInner":4096}',
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /architecture 1: dModel 2048 is outside/);
  } finally {
    Deno.env.delete("LTS_COSTMODEL_DIR");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("costmodel validate: held-out models measured in 3 processes, paired with predictions", async () => {
  const here = fingerprintHash(deviceFingerprint(await detectDevice(), calibrationSettings({})));
  const tiny = { seqLen: 8, minRuns: 2, maxRuns: 3, warmupRuns: 0 };
  const cal = {
    ...(await fakeCalibration(here)),
    settings: measurementSettings(calibrationSettings(tiny)),
  };
  const report = await validateCostModel({ calibration: cal, sample: 1, seed: 5, cache: false });
  assert.equal(report.failures.length, 0);
  assert.equal(report.rows.length, 1);
  const [row] = report.rows;
  assert.equal(row.processP50Ms.length, 3);
  assert.deepEqual(row.predicted, predictCost(cal, row.arch));
  assert.ok(row.latencyP50Ms > 0 && row.peakMemoryBytes > 0);
  assert.equal(report.summary.latency.n, 1);
  assert.equal(report.summary.processRepeats, 3);
  await assert.rejects(
    () => validateCostModel({ calibration: cal, sample: 1, seed: 5, processRepeats: 2 }),
    /processRepeats: must be at least 3/,
  );
});

Deno.test("costmodel calibrate: measures the design with the profiler; an abort stores nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(() =>
      useCalibration({
        preset: "lts-gpt2",
        dir,
        calibrate: true,
        settings: { seqLen: 8, minRuns: 2, maxRuns: 3, warmupRuns: 0 },
        signal: controller.signal,
        onCalibrationProgress: (done, total, result) => {
          assert.equal(total, design.models.length);
          assert.ok(result.ok);
          seen.push(result.archHash);
          if (done === 2) controller.abort(new DOMException("stop", "AbortError"));
        },
      })
    );
    // The design's models, in order.
    assert.deepEqual(seen, design.models.slice(0, 2).map((m) => archHash(m.arch)));
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

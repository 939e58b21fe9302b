import assert from "node:assert/strict";
import { join } from "node:path";
import { decoderParams } from "../lib/params/mod.ts";
import { aspectRatioArchs, spreadBy } from "../lib/studies/aspect_ratio.ts";
import {
  BUNDLED_PAPER_ARCHS_DIR,
  loadPaperArchs,
  paperArchsDir,
} from "../lib/studies/paper_archs.ts";
import { tiePairs } from "../lib/studies/ties.ts";
import { InputError } from "../lib/util/errors.ts";

Deno.test("aspectRatioArchs holds the budget and orders narrow-deep to wide-shallow", () => {
  const dModels = Array.from({ length: 15 }, (_, i) => 128 + 64 * i);
  const rows = aspectRatioArchs(20e6, { dModels, tolerance: 0.1 });
  assert.ok(rows.length >= 5, `only ${rows.length} widths fit`);
  for (const r of rows) {
    assert.equal(r.decoderParams, decoderParams(r.arch));
    assert.ok(Math.abs(r.decoderParams - 20e6) <= 0.1 * 20e6);
    assert.deepEqual(r.arch.dInner, Array(r.nLayer).fill(2 * r.dModel));
    assert.deepEqual(r.arch.nHead, Array(r.nLayer).fill(8));
  }
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i].aspectRatio >= rows[i - 1].aspectRatio);
  const tight = aspectRatioArchs(20e6, { dModels, tolerance: 0.01 });
  assert.ok(tight.length < rows.length);
  assert.throws(() => aspectRatioArchs(0, { dModels }), InputError);
});

Deno.test("spreadBy gives max/min per group and ignores non-finite values", () => {
  const rows = [
    { b: "a", v: 2 },
    { b: "a", v: 8 },
    { b: "b", v: 3 },
    { b: "b", v: NaN },
  ];
  assert.deepEqual(spreadBy(rows, (r) => r.b, (r) => r.v), [
    { group: "a", n: 2, min: 2, max: 8, ratio: 4 },
    { group: "b", n: 1, min: 3, max: 3, ratio: 1 },
  ]);
});

Deno.test("tiePairs finds pairs equal on two objectives and different on the third", () => {
  const pts = [
    { id: "p", v: [100, 10, 50] },
    { id: "q", v: [101, 10.2, 90] }, // ties p on 0 and 1, differs on 2
    { id: "r", v: [100, 30, 50.5] }, // ties p on 0 and 2, differs on 1
    { id: "s", v: [300, 20, 60] }, // ties nobody
  ];
  const pairs = tiePairs(pts, (p) => p.v, { tolerance: 0.03 });
  assert.deepEqual(pairs.map((p) => [p.a.id, p.b.id, p.differsOn]), [["p", "r", 1], ["p", "q", 2]]);
  assert.equal(pairs[0].ratio, 3);
  assert.deepEqual(tiePairs(pts, (p) => p.v, { tolerance: 0.03, minRatio: 5 }), []);
});

Deno.test("loadPaperArchs reads the bundled paper architectures and names bad records", async () => {
  const opt = await loadPaperArchs("opt350m-comparison.json", BUNDLED_PAPER_ARCHS_DIR);
  assert.equal(opt.models.length, 21);
  assert.equal(opt.models[0].arch.nLayer, 24);
  const text = await loadPaperArchs("text-predictor.json", BUNDLED_PAPER_ARCHS_DIR);
  assert.equal(text.models[0].paper.paperPromptLatencyMs, 47.58);
  assert.ok("paperQuality" in text.extra);

  const tmp = await Deno.makeTempDir();
  await Deno.writeTextFile(
    join(tmp, "bad.json"),
    JSON.stringify({
      models: [{
        name: "X",
        arch: { backbone: "gpt2", nLayer: 1, dModel: 10, nHead: 3, dInner: 4 },
      }],
    }),
  );
  await assert.rejects(() => loadPaperArchs("bad.json", tmp), {
    message: `${join(tmp, "bad.json")}: X: nHead: 3 does not divide dModel 10`,
  });
  await assert.rejects(() => loadPaperArchs("missing.json", tmp), InputError);
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("the bundled paper architectures are the default and equal the shared originals", async () => {
  const saved = Deno.env.get("LTS_PAPER_ARCHS");
  Deno.env.delete("LTS_PAPER_ARCHS");
  try {
    assert.equal(paperArchsDir(), BUNDLED_PAPER_ARCHS_DIR);
    assert.ok(!BUNDLED_PAPER_ARCHS_DIR.includes("shared"));
  } finally {
    if (saved !== undefined) Deno.env.set("LTS_PAPER_ARCHS", saved);
  }
  // The repository's copies are the facts of ../shared/paper-archs (checked where it exists).
  const shared = join(import.meta.dirname!, "../../shared/paper-archs");
  for (const file of ["opt350m-comparison.json", "text-predictor.json"]) {
    let original: string;
    try {
      original = await Deno.readTextFile(join(shared, file));
    } catch {
      if (Deno.env.get("CI")) throw new Error(`${join(shared, file)} is missing in CI`);
      console.warn(`skipping the comparison: ${join(shared, file)} not found`);
      continue;
    }
    const bundled = await Deno.readTextFile(join(BUNDLED_PAPER_ARCHS_DIR, file));
    assert.deepEqual(JSON.parse(bundled), JSON.parse(original), file);
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { archHash } from "../lib/arch/hash.ts";
import { compactArch, validateArch } from "../lib/arch/validate.ts";
import { validateSearchOptions } from "../lib/search/options.ts";
import { candidateJson, parseCandidateLines } from "../lib/search/record.ts";
import { loadRun, RUN_FILES, type RunConfig, runSearchInDir } from "../lib/search/run_dir.ts";
import { parseIterationLines, validateIterationSummary } from "../lib/search/summary.ts";
import {
  baselineJson,
  baselinePoints,
  baselineRecord,
  layerScaledBaselines,
  parseBaselineLines,
} from "../lib/search/baselines.ts";
import { compareWithBaselines } from "../lib/search/compare.ts";
import { isInputError } from "../lib/util/errors.ts";
import { countingMeasure, TINY_OPS } from "./helpers.ts";

const config: RunConfig = {
  version: 1,
  space: { preset: "tiny" },
  search: validateSearchOptions({ iterations: 3, population: 6, seed: 5 }),
  profile: { seqLen: 32, graphVersion: 2 },
};
const DEVICE = { cpu: "fake", threads: 1 };

Deno.test("records carry validated archs in memory and compact ones on disk", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts-records-" });
  try {
    const result = await runSearchInDir({
      dir,
      config,
      device: DEVICE,
      operators: TINY_OPS,
      measure: countingMeasure(),
    });
    for (const r of result.records) {
      assert.ok(Array.isArray(r.arch.nHead) && r.arch.nHead.length === r.arch.nLayer);
      assert.deepEqual(r.arch, validateArch(r.arch));
    }
    const lines = (await Deno.readTextFile(join(dir, RUN_FILES.candidates))).trim().split("\n");
    assert.equal(lines.length, result.records.length);
    lines.forEach((line, i) => {
      assert.deepEqual(JSON.parse(line).arch, compactArch(result.records[i].arch));
      assert.equal(line, JSON.stringify(candidateJson(result.records[i])));
    });
    const back = await loadRun(dir);
    assert.deepEqual(back.records, result.records);
    assert.deepEqual(back.iterations, result.iterations);
    const last = back.iterations.at(-1)!;
    assert.equal(last.candidatesSoFar, result.records.length);
    assert.equal(
      last.okSoFar + last.overBudgetSoFar + last.failedSoFar,
      last.candidatesSoFar,
    );
    assert.deepEqual(last.frontierPoints.map((p) => p.id), result.frontier.map((r) => r.id));
    assert.deepEqual(
      last.frontierPoints.map((p) => p.latencyP50Ms),
      result.frontier.map((r) => r.latencyMs!.p50),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A frontier.jsonl line as written before the rename. */
function legacyLine(s: ReturnType<typeof validateIterationSummary>): string {
  return JSON.stringify({
    iteration: s.iteration,
    proposed: s.proposed,
    parents: s.parents,
    candidates: s.candidatesSoFar,
    ok: s.okSoFar,
    overBudget: s.overBudgetSoFar,
    failed: s.failedSoFar,
    frontier: s.frontierPoints.map(({ latencyP50Ms, ...p }) => ({ ...p, latencyMs: latencyP50Ms })),
  });
}

Deno.test("an old frontier.jsonl is migrated on read, and resuming rewrites it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts-records-" });
  try {
    const measure = countingMeasure();
    const done = await runSearchInDir({
      dir,
      config,
      device: DEVICE,
      operators: TINY_OPS,
      measure,
    });
    const path = join(dir, RUN_FILES.frontier);
    await Deno.writeTextFile(path, done.iterations.map((s) => legacyLine(s) + "\n").join(""));
    const back = await loadRun(dir);
    assert.deepEqual(back.iterations, done.iterations);
    // Resuming (here: extending) the old folder replays it and writes the current form.
    const more = {
      ...config,
      search: validateSearchOptions({ iterations: 4, population: 6, seed: 5 }),
    };
    const again = countingMeasure();
    const extended = await runSearchInDir({
      dir,
      config: more,
      device: DEVICE,
      operators: TINY_OPS,
      measure: again,
      resume: true,
    });
    assert.ok(again.calls.every((id) => !measure.calls.includes(id)), "nothing measured twice");
    const lines = (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    for (const l of lines) {
      assert.ok("failedSoFar" in l && "frontierPoints" in l && !("failed" in l));
    }
    assert.deepEqual(lines.slice(0, 3), done.iterations);
    assert.equal(lines[3].candidatesSoFar, extended.records.length);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a broken frontier.jsonl line names file, line and field", () => {
  const good = JSON.stringify({
    iteration: 0,
    proposed: { random: 1, mutation: 0, crossover: 0 },
    parents: [],
    candidatesSoFar: 1,
    okSoFar: 1,
    overBudgetSoFar: 0,
    failedSoFar: 0,
    frontierPoints: [{ id: "a", decoderParams: 1, latencyP50Ms: "fast", peakMemoryBytes: 1 }],
  });
  assert.throws(
    () => parseIterationLines(`${good}\n`, "run/frontier.jsonl"),
    (e: Error) =>
      isInputError(e) &&
      e.message ===
        'run/frontier.jsonl: line 1: frontierPoints[0].latencyP50Ms: expected a finite number, got "fast"',
  );
  assert.throws(
    () => parseIterationLines(`${good.replace('"okSoFar":1', '"okSoFar":-1')}\n`, "f"),
    /f: line 1: okSoFar: expected a non-negative integer/,
  );
  // A torn last line (a kill mid-write) is dropped, not an error.
  assert.deepEqual(parseIterationLines(good.slice(0, 20), "f"), []);
});

Deno.test("parseCandidateLines returns per-layer archs for compact lines", () => {
  const arch = validateArch({ backbone: "gpt2", nLayer: 3, dModel: 64, nHead: 2, dInner: 128 });
  const record = (id: string) =>
    JSON.stringify(candidateJson({
      id,
      index: 0,
      iteration: 0,
      origin: { kind: "random" },
      arch,
      decoderParams: 1,
      status: "failed",
      reason: "x",
    })) + "\n";
  assert.equal(JSON.parse(record(archHash(arch))).arch.nHead, 2);
  const [back] = parseCandidateLines(record(archHash(arch)), "c");
  assert.deepEqual(back.arch.nHead, [2, 2, 2]);
  assert.deepEqual(back.arch, arch);
  // The id must be the arch's hash.
  assert.throws(() => parseCandidateLines(record("0000000000000000"), "c"), /is not the hash/);
});

Deno.test("baseline points pair by name, keep only measured baselines, and compare by latencyP50Ms", () => {
  const [one, two, three] = layerScaledBaselines("gpt2-small", { layers: [1, 2, 3] });
  const records = [
    baselineRecord(one, { ok: true, latencyMs: { p50: 10, p90: 12 }, peakMemoryBytes: 100 }),
    baselineRecord(two, { ok: false, reason: "oom" }),
    baselineRecord(three, { notMeasured: "params only" }),
  ];
  assert.deepEqual(records.map((r) => r.status), ["ok", "failed", "not-measured"]);
  assert.deepEqual(records[0].arch, one.arch);
  assert.deepEqual(baselineJson(records[0]).arch, compactArch(one.arch));
  const points = baselinePoints(records);
  assert.deepEqual(points, [{
    id: records[0].id,
    name: "gpt2-small-L1",
    nLayer: 1,
    decoderParams: records[0].decoderParams,
    latencyP50Ms: 10,
    peakMemoryBytes: 100,
  }]);
  const [row] = compareWithBaselines(
    [{ id: "f", decoderParams: records[0].decoderParams, latencyP50Ms: 4, peakMemoryBytes: 50 }],
    points,
  );
  assert.equal(row.baseline, "gpt2-small-L1");
  assert.equal(row.latencyP50Ms, 10);
  assert.equal(row.latencyRatio, 2.5);
  assert.equal(row.memoryRatio, 2);
});

Deno.test("parseBaselineLines: compact archs back to per-layer ones; a bad line is an InputError naming the file", () => {
  const [b1, b2] = layerScaledBaselines("gpt2-small", { layers: [1, 3] });
  const measured = baselineRecord(b2, {
    ok: true,
    latencyMs: { p50: 5, p10: 4, p90: 6, mean: 5, n: 10 },
    peakMemoryBytes: 100,
  });
  const text = [baselineRecord(b1, { ok: false, reason: "oom" }), measured]
    .map((r) => JSON.stringify(baselineJson(r)) + "\n").join("");
  const read = parseBaselineLines(text, "run/baselines.jsonl");
  assert.deepEqual(read.map((r) => r.arch), [b1.arch, b2.arch]);
  assert.deepEqual(read[1], measured);
  assert.throws(
    () => parseBaselineLines('{"name":"x"\n', "run/baselines.jsonl"),
    (e) => isInputError(e) && /^run\/baselines\.jsonl: line 1: not valid JSON/.test(e.message),
  );
  assert.throws(
    () => parseBaselineLines('{"name":"x","arch":{"backbone":"gpt2"}}\n', "run/baselines.jsonl"),
    (e) => isInputError(e) && e.message.startsWith("run/baselines.jsonl: "),
  );
});

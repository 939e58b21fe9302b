import assert from "node:assert/strict";
import { join } from "node:path";
import { archHash } from "../lib/arch/hash.ts";
import type { Arch } from "../lib/arch/types.ts";
import { decoderParams } from "../lib/params/mod.ts";
import { assertInside, defaultOnnxExportPath } from "../lib/search/export.ts";
import { validateSearchOptions } from "../lib/search/options.ts";
import { loadRun, prepareRunDir, type RunConfig, runSearchInDir } from "../lib/search/run_dir.ts";
import { spaceOperators } from "../lib/search/operators.ts";
import { defineSpace } from "../lib/space/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import { runCli as cli } from "./helpers.ts";

const SPACE = defineSpace({
  name: "tiny",
  backbone: "gpt2",
  nLayer: [1, 2],
  dModel: [64, 128],
  nHead: [2, 4],
  dInner: [128, 256],
  vocabSize: 1000,
  nPositions: 64,
});
const CONFIG: RunConfig = {
  version: 1,
  space: { preset: "tiny" },
  search: validateSearchOptions({ iterations: 2, population: 4, seed: 1 }),
  profile: { seqLen: 16 },
};
const measure = (arch: Arch) =>
  Promise.resolve({
    ok: true as const,
    latencyMs: { p50: arch.nLayer * arch.dModel / 100, n: 3 },
    peakMemoryBytes: decoderParams(arch) * 4,
  });

async function withRun(f: (root: string, dir: string) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "lts_hostile_test_" });
  try {
    const dir = join(root, "shared", "run");
    await runSearchInDir({
      dir,
      config: CONFIG,
      device: { cpu: "x" },
      operators: spaceOperators(SPACE),
      measure,
    });
    await f(root, dir);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function editLine(dir: string, line: number, edit: (r: Record<string, unknown>) => void) {
  const path = join(dir, "candidates.jsonl");
  const lines = (await Deno.readTextFile(path)).trimEnd().split("\n");
  const r = JSON.parse(lines[line - 1]);
  edit(r);
  lines[line - 1] = JSON.stringify(r);
  await Deno.writeTextFile(path, lines.join("\n") + "\n");
}

Deno.test("run records: hostile or corrupt records are refused naming file, line and field", async () => {
  const cases: [number, (r: Record<string, unknown>) => void, RegExp][] = [
    [1, (r) => (r.id = "cafe/../../../x"), /line 1: id: expected a candidate id/],
    [2, (r) => (r.id = "not-a-hash-at-all"), /line 2: id: expected a candidate id/],
    [2, (r) => (r.id = "0123456789abcdef"), /line 2: id: 0123456789abcdef is not the hash/],
    [3, (r) => ((r.arch as Record<string, unknown>).nLayer = 1e8), /line 3: arch: nLayer: must be/],
    [3, (r) => ((r.arch as Record<string, unknown>).nHead = 3), /line 3: arch: nHead: 3 does not/],
    [2, (r) => (r.status = "great"), /line 2: status: expected one of/],
    [2, (r) => (r.decoderParams = "many"), /line 2: decoderParams: expected/],
    [2, (r) => (r.latencyMs = { p50: null }), /line 2: latencyMs\.p50: expected a finite/],
    [2, (r) => (r.peakMemoryBytes = -1), /line 2: peakMemoryBytes: expected/],
    [2, (r) => (r.iteration = 0.5), /line 2: iteration: expected/],
    [2, (r) => (r.origin = { kind: "mutation", parent: "ffffffffffffffff" }), /origin\.parent:/],
    [2, (r) => (r.extra = 1), /line 2: extra: unknown field/],
  ];
  for (const [line, edit, re] of cases) {
    await withRun(async (_root, dir) => {
      await editLine(dir, line, edit);
      for (
        const load of [() => loadRun(dir), () => prepareRunDir(dir, CONFIG, { cpu: "x" }, true)]
      ) {
        await assert.rejects(load(), (e: Error) => {
          assert.ok(isInputError(e), e.message);
          assert.match(e.message, /candidates\.jsonl: line \d+: /);
          assert.match(e.message, re);
          return true;
        });
      }
      const r = await cli(["export", dir, "--id", "cafe", "--format", "onnx"]);
      assert.equal(r.code, 2);
      assert.match(r.err[0], re);
    });
  }
});

Deno.test("export: a traversal id never writes outside the run folder", async () => {
  await withRun(async (root, dir) => {
    // A record whose id climbs out, made self-consistent except for the id: refused by loadRun.
    await editLine(dir, 1, (r) => (r.id = "cafe/../../../escaped"));
    const r = await cli(["export", dir, "--id", "cafe", "--format", "onnx"]);
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1);
    for (const p of ["escaped.onnx", "shared/escaped.onnx", "../escaped.onnx"]) {
      await assert.rejects(Deno.stat(join(root, p)));
    }
  });
  // The path check itself (defence in depth).
  assert.throws(() => defaultOnnxExportPath("run", "cafe/../../../x"), /not a candidate id/);
  assert.throws(() => assertInside("run/exports", "run/exports/../../x.onnx"), /outside/);
  assert.throws(() => assertInside("run/exports", "/etc/x.onnx"), /outside/);
  assert.ok(assertInside("run/exports", "run/exports/0123456789abcdef.onnx").endsWith(".onnx"));
});

Deno.test("emit/export --out: an unrelated file is kept unless --force; our own is replaced", async () => {
  await withRun(async (root, dir) => {
    const run = await loadRun(dir);
    const id = run.records[0].id;
    assert.equal(
      id,
      archHash((await import("../lib/arch/validate.ts")).validateArch(run.records[0].arch)),
    );
    const victim = join(root, "notes.onnx");
    const data = `${victim}.data`;
    const arch = JSON.stringify({
      backbone: "gpt2",
      nLayer: 2,
      dModel: 128,
      nHead: 2,
      dInner: 512,
      vocabSize: 5000,
    });
    const archFile = join(root, "arch.json");
    await Deno.writeTextFile(archFile, arch);
    const exportOnnx = (extra: string[] = []) =>
      cli(["export", dir, "--id", id, "--format", "onnx", "--out", victim, ...extra]);
    const emit = (extra: string[] = []) =>
      cli(["emit", archFile, "--out", victim, "--external-data", "yes", ...extra]);
    for (const run of [emit, exportOnnx]) {
      await Deno.writeTextFile(victim, "my precious notes\n");
      let r = await run();
      assert.equal(r.code, 2, r.err.join("\n"));
      assert.equal(r.err.length, 1);
      assert.match(
        r.err[0],
        /--out: .*notes\.onnx exists and is not a model lts wrote; pass --force/,
      );
      assert.equal(await Deno.readTextFile(victim), "my precious notes\n");
      await assert.rejects(Deno.stat(data));
      // A stray .data beside a missing model is not ours either.
      await Deno.remove(victim);
      await Deno.writeTextFile(data, "other weights");
      r = await run();
      assert.equal(r.code, 2);
      assert.match(r.err[0], /--out: .*notes\.onnx\.data exists and is not the weights/);
      assert.equal(await Deno.readTextFile(data), "other weights");
      await Deno.writeTextFile(victim, "my precious notes\n");
      r = await run(["--force"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      assert.notEqual(await Deno.readTextFile(victim), "my precious notes\n");
      // Our own model (and its .data) is replaced without --force.
      r = await run();
      assert.equal(r.code, 0, r.err.join("\n"));
      await Deno.remove(victim);
      await Deno.remove(data).catch(() => {});
    }
    // json/yaml: an unrelated file is refused, an earlier export replaced.
    for (const format of ["json", "yaml"]) {
      const out = join(root, `pick.${format}`);
      await Deno.writeTextFile(out, "keep me: [\n");
      let r = await cli(["export", dir, "--id", id, "--format", format, "--out", out]);
      assert.equal(r.code, 2);
      assert.match(r.err[0], /--out: .*exists and is not .*lts wrote; pass --force/);
      assert.equal(await Deno.readTextFile(out), "keep me: [\n");
      r = await cli(["export", dir, "--id", id, "--format", format, "--out", out, "--force"]);
      assert.equal(r.code, 0, r.err.join("\n"));
      r = await cli(["export", dir, "--id", id, "--format", format, "--out", out]);
      assert.equal(r.code, 0, r.err.join("\n"));
    }
    for (const cmd of ["emit", "export"]) {
      const r = await cli([cmd, "--help"]);
      assert.match(r.out.join("\n"), /--force/);
    }
  });
});

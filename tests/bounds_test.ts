import assert from "node:assert/strict";
import { join } from "node:path";
import { ARCH_LIMITS, validateArch } from "../lib/arch/mod.ts";
import {
  checkEmissionFits,
  checkNeeds,
  emissionNeeds,
  emitGpt2,
  type ResourceProbe,
  writeOnnx,
} from "../lib/onnx/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import { PROJECT_ROOT as ROOT } from "../lib/util/paths.ts";
import { runCliProcess } from "./helpers.ts";

const BASE = { backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 256, vocabSize: 5000 };

async function cliStdin(args: string[], input: string) {
  const { code, stderr } = await runCliProcess(args, input);
  return { code, err: stderr.trim() };
}

Deno.test("bounds: every field has a maximum, named in the error", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ nLayer: 1e8 }, /^nLayer: must be at most 256, got 100000000$/],
    [{ dModel: 1e5 }, /^dModel: must be at most 16384, got 100000$/],
    [{ vocabSize: 1e12 }, /^vocabSize: must be at most 1048576, got 1000000000000$/],
    [{ nHead: [2, 2048], dModel: 4096 }, /^nHead\[1\]: must be at most 1024/],
    [{ dInner: 65537 }, /^dInner: must be at most 65536/],
    [{ dEmbed: 16385 }, /^dEmbed: must be at most 16384/],
    [{ divVal: 65 }, /^divVal: must be at most 64/],
    [{ nPositions: 65537 }, /^nPositions: must be at most 65536/],
    [{ cutoffs: Array.from({ length: 33 }, (_, i) => i + 1) }, /^cutoffs: must have at most 32/],
    [{ cutoffs: [2e6] }, /^cutoffs\[0\]: must be at most 1048576/],
  ];
  for (const [patch, re] of cases) {
    assert.throws(() => validateArch({ ...BASE, ...patch }), (e: Error) => {
      assert.ok(isInputError(e));
      assert.match(e.message, re);
      return true;
    });
  }
  // The limits themselves are accepted; paper architectures and the benchmark vocabulary too.
  validateArch({ ...BASE, nLayer: ARCH_LIMITS.nLayer, vocabSize: ARCH_LIMITS.vocabSize });
  validateArch({ backbone: "transformer-xl", nLayer: 16, dModel: 512, nHead: 8, dInner: 2048 });
  for (const f of ["opt350m-comparison", "text-predictor"]) {
    const file = JSON.parse(Deno.readTextFileSync(join(ROOT, "data/paper-archs", `${f}.json`)));
    for (const m of file.models) validateArch(m.arch, m.name);
  }
});

Deno.test("bounds: the CLI exits 2 naming the field (no V8 crash)", async () => {
  for (
    const [patch, field] of [
      [{ nLayer: 1e8 }, "nLayer"],
      [{ dModel: 1e5 }, "dModel"],
      [{ vocabSize: 1e12 }, "vocabSize"],
    ] as const
  ) {
    const r = await cliStdin(["params", "-"], JSON.stringify({ ...BASE, ...patch }));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`${field}: must be at most`));
    assert.equal(r.err.split("\n").length, 1);
  }
});

Deno.test("fits: an emission too big for the free disk or memory is refused before writing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts_bounds_test_" });
  try {
    const arch = validateArch(BASE);
    const model = emitGpt2(arch);
    const needs = emissionNeeds(model, true);
    assert.ok(needs.diskBytes > 4 * 100_000, "at least the weights");
    const tinyDisk: ResourceProbe = {
      freeDiskBytes: () => 1000,
      availableMemoryBytes: () => 1e12,
    };
    const tinyMemory: ResourceProbe = {
      freeDiskBytes: () => 1e12,
      availableMemoryBytes: () => 1000,
    };
    const path = join(dir, "m.onnx");
    for (
      const [probe, re] of [[tinyDisk, /of free disk in .*, 1000 bytes/], [
        tinyMemory,
        /of memory to write, 1000 bytes/,
      ]] as const
    ) {
      await assert.rejects(writeOnnx(model, path, { probe }), (e: Error) => {
        assert.ok(isInputError(e));
        assert.match(e.message, /^architecture \{"backbone":"gpt2","nLayer":2/);
        assert.match(e.message, re);
        return true;
      });
      assert.throws(() => checkEmissionFits(arch, dir, { probe }), re);
    }
    assert.deepEqual([...Deno.readDirSync(dir)], [], "nothing written, not even a temp file");
    // Enough room: written; an unknown amount passes.
    checkNeeds(needs, dir, "x", {
      freeDiskBytes: () => undefined,
      availableMemoryBytes: () => 1e12,
    });
    const w = await writeOnnx(model, path);
    assert.ok(w.dataBytes > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fits: the largest architecture exits 2 from emit, with nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "lts_bounds_test_" });
  try {
    const huge = { backbone: "gpt2", nLayer: 256, dModel: 16384, nHead: 16, dInner: 65536 };
    const r = await cliStdin(["emit", "--out", join(dir, "huge.onnx")], JSON.stringify(huge));
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /architecture \{"backbone":"gpt2","nLayer":256.* needs \d+ bytes/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

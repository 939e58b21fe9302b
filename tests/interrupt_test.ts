/**
 * Jupyter's Interrupt (SIGINT to the kernel's process group, as jupyter_client sends it) in a
 * real Deno kernel: the running study stops with an `Interrupted` error, the kernel and its
 * state survive, nothing measured is lost or recorded as a failure, and running the cell again
 * takes the finished measurements from the cache.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startKernel } from "../lib/report/mod.ts";
import { interrupt, InterruptedError, interruptSignal, isInterrupt } from "../lib/studies/mod.ts";

Deno.test("interruptSignal: aborted by the next interrupt only; fresh ones after it", () => {
  const before = interruptSignal();
  assert.equal(before.aborted, false);
  interrupt();
  assert.ok(before.aborted);
  assert.equal(before.reason.name, "AbortError");
  assert.ok(isInterrupt(before.reason, before));
  assert.equal(isInterrupt(new InterruptedError("x"), before), false, "not an abort");
  assert.ok(isInterrupt(new DOMException("x", "AbortError"), before));
  const after = interruptSignal();
  assert.equal(after.aborted, false);
  assert.equal(isInterrupt(new Error("other"), after), false);
  assert.equal(isInterrupt(new DOMException("x", "AbortError"), after), false);
});

Deno.test({
  name: "kernel interrupt: the study stops, the kernel lives on, re-running uses the cache",
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "lts-interrupt-" });
    // Inside the project, so that the kernel finds deno.json and its npm imports.
    const cwd = new URL("./fixtures/notebooks", import.meta.url).pathname;
    const kernel = await startKernel({ cwd });
    try {
      const studies = new URL("../lib/studies/mod.ts", import.meta.url).href;
      const arch = new URL("../lib/arch/mod.ts", import.meta.url).href;
      const setup = await kernel.execute([
        `import { measureArchs, studyContext } from "${studies}";`,
        `import { validateArch } from "${arch}";`,
        `const ctx = await studyContext({ cachePath: ${
          JSON.stringify(join(tmp, "cache.jsonl"))
        } });`,
        "const archs = [1, 2, 3, 4, 5, 6].map((nLayer) =>",
        '  validateArch({ backbone: "gpt2", nLayer, dModel: 64, nHead: 2, dInner: 128, vocabSize: 512 }));',
        "Deno.pid",
      ].join("\n"));
      assert.equal(setup.status, "ok", JSON.stringify(setup.error));
      const pid = Number(
        (setup.outputs.at(-1)!.content.data as Record<string, string>)["text/plain"],
      );
      const measure = 'const results = await measureArchs(ctx, archs, { seqLen: 16 }, "tiny");';
      let sent = false;
      const first = await kernel.execute(measure, {
        onOutput: (msg) => {
          const text = (msg.content.data as Record<string, string> | undefined)?.["text/plain"];
          if (sent || !text || !/^tiny: [1-5]\/6/.test(text)) return;
          sent = true;
          interruptKernel(pid);
        },
      });
      assert.ok(sent, "the first measurement finished");
      assert.equal(first.status, "error");
      assert.equal(first.error?.ename, "Interrupted");
      assert.match(first.error!.evalue, /tiny: interrupted after [1-5] of 6; .*from the cache/);
      const again = await kernel.execute(
        measure +
          "\n[results.filter((r) => r.ok).length, results.filter((r) => r.ok && r.cached).length]",
      );
      assert.equal(again.status, "ok", JSON.stringify(again.error));
      const [ok, cached] = JSON.parse(
        (again.outputs.at(-1)!.content.data as Record<string, string>)["text/plain"],
      );
      assert.equal(ok, 6, "every architecture measured, none failed by the interrupt");
      assert.ok(cached >= 1, `the finished measurements came from the cache (${cached})`);
    } finally {
      await kernel.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

/** What jupyter_client's Interrupt does: SIGINT to the kernel and every process it started. */
function interruptKernel(pid: number): void {
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      Deno.kill(p, "SIGINT");
    } catch { /* already gone */ }
  }
}

function childrenOf(pid: number): number[] {
  const out = new Deno.Command("pgrep", { args: ["-P", String(pid)], stdout: "piped" })
    .outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "").map(Number);
}

Deno.test({
  name: "kernel interrupt: a report search stops with its run saved, no candidate failed, resumes",
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "lts-interrupt-search-" });
    const cwd = new URL("./fixtures/notebooks", import.meta.url).pathname;
    const kernel = await startKernel({ cwd, env: { LTS_QUICK: "1", LTS_RUNS_DIR: tmp } });
    try {
      const studies = new URL("../lib/studies/mod.ts", import.meta.url).href;
      const setup = await kernel.execute([
        `import { reportSearch, studyContext } from "${studies}";`,
        `const ctx = await studyContext({ cachePath: ${
          JSON.stringify(join(tmp, "cache.jsonl"))
        } });`,
        "Deno.pid",
      ].join("\n"));
      assert.equal(setup.status, "ok", JSON.stringify(setup.error));
      const pid = Number(
        (setup.outputs.at(-1)!.content.data as Record<string, string>)["text/plain"],
      );
      const search =
        'const { result } = await reportSearch(ctx, "t", { homogeneous: true, settings: { seqLen: 16 } });';
      let sent = false;
      const first = await kernel.execute(search, {
        onOutput: (msg) => {
          const text = (msg.content.data as Record<string, string> | undefined)?.["text/plain"];
          const done = Number(text?.match(/^t \(seed 1\) search: (\d+)\//)?.[1] ?? 0);
          if (sent || done < 2) return;
          sent = true;
          interruptKernel(pid);
        },
      });
      assert.ok(sent, "two candidates were recorded before the interrupt");
      assert.equal(first.status, "error");
      assert.equal(first.error?.ename, "Interrupted");
      assert.match(
        first.error!.evalue,
        /t \(seed 1\) search: interrupted after \d+ candidates; .*resumes it/,
      );
      const dir = join(tmp, "report-t-seed1-quick");
      const records = (await Deno.readTextFile(join(dir, "candidates.jsonl"))).trim().split("\n")
        .map((l) => JSON.parse(l) as { status: string; reason?: string });
      assert.ok(records.length >= 2);
      assert.deepEqual(records.filter((r) => r.status === "failed"), [], "no candidate failed");
      await assert.rejects(Deno.stat(join(dir, ".lock")), "the lock was released");
      const again = await kernel.execute(
        search +
          '\nresult.records.length + " " + result.records.filter((r) => r.status === "failed").length',
      );
      assert.equal(again.status, "ok", JSON.stringify(again.error));
      const text = (again.outputs.at(-1)!.content.data as Record<string, string>)["text/plain"];
      const [total, failures] = JSON.parse(text).split(" ").map(Number);
      assert.ok(total > records.length, `resumed and finished (${total} candidates)`);
      assert.equal(failures, 0);
    } finally {
      await kernel.shutdown();
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

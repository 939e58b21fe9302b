/**
 * Faults and file-system errors (issue 11): output paths checked before any work, a cache that
 * cannot be written, children that outlive a killed parent, temp files of killed processes,
 * search signals and stale locks, resuming a search with more iterations.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { validateArch } from "../lib/arch/mod.ts";
import { ProfileCache } from "../lib/profile/cache.ts";
import { profileArch, type Spawner } from "../lib/profile/profile.ts";
import type { ProfileSuccess } from "../lib/profile/result.ts";
import {
  loadRun,
  prepareRunDir,
  type RunConfig,
  RunMismatchError,
  runSearchInDir,
  validateSearchOptions,
} from "../lib/search/mod.ts";
import { isInputError } from "../lib/util/errors.ts";
import {
  checkReadableDir,
  checkWritableDir,
  checkWritableFile,
  makeOwnedTempDir,
  ownedTempPath,
  removeStaleTempDirs,
  writeFileAtomic,
} from "../lib/util/fs.ts";
import { isDenoTaskCommand, processAlive } from "../lib/util/process.ts";
import { countingMeasure, TINY_OPS } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const CLI = join(ROOT, "lib/cli/main.ts");
const REPORT = join(ROOT, "lib/report/main.ts");
const CONFIG = join(ROOT, "deno.json");
const LINUX_SYS = Deno.build.os === "linux" && (await exists("/sys/kernel"));

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function tempDir(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "lts-faults-test-" });
}

/** The id of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  assert.ok(!processAlive(child.pid));
  return child.pid;
}

/** Runs a Deno script file or CLI; returns code and output. */
async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, ...args],
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout), err: dec.decode(out.stderr) };
}

/** Polls `f` until it holds or `ms` pass. */
async function waitFor(f: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await f()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return await f();
}

/** Kills a leftover test process by id (only ids our own tests spawned). */
function killIfAlive(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}

const ARCH_JSON = JSON.stringify({
  backbone: "gpt2",
  nLayer: 1,
  dModel: 32,
  nHead: 2,
  dInner: 64,
  vocabSize: 100,
  nPositions: 32,
});

// ---------------------------------------------------------------------------------------------
// Output paths are checked before any work; file-system errors are input errors.

Deno.test("fs checks: a file where a folder should be, a path under a file, a folder as file", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "x");
    const named = (flag: string, re: RegExp) => (e: unknown) =>
      isInputError(e) && e.message.startsWith(`${flag}: `) && re.test(e.message);
    await assert.rejects(
      checkWritableDir(file, "--out"),
      named("--out", /is a file, not a folder/),
    );
    await assert.rejects(
      checkWritableDir(join(file, "run"), "--out"),
      named("--out", /a part of the path is a file/),
    );
    await assert.rejects(
      checkWritableFile(join(file, "cache.jsonl"), "--cache"),
      named("--cache", /a part of the path is a file/),
    );
    await assert.rejects(checkWritableFile(dir, "--cache"), named("--cache", /not a regular file/));
    await assert.rejects(checkReadableDir(file, "--notebooks"), named("--notebooks", /is a file/));
    await checkWritableDir(join(dir, "new", "run"), "--out");
    assert.ok((await Deno.stat(join(dir, "new", "run"))).isDirectory, "created");
    assert.deepEqual([...Deno.readDirSync(join(dir, "new", "run"))], [], "probe removed");
    assert.equal(await checkWritableFile(join(dir, "c", "cache.jsonl"), "--cache"), true);
    if (LINUX_SYS) {
      // sysfs refuses new folders even to root: a real "cannot write here".
      await assert.rejects(
        checkWritableDir("/sys/lts-faults-test", "--out"),
        named("--out", /not writable/),
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli: unusable --cache and --out exit 2 with one line before any measurement", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "x");
    const archs = join(dir, "arch.json");
    await Deno.writeTextFile(archs, ARCH_JSON);
    const cases: [string[], RegExp][] = [
      [["profile", archs, "--cache", join(file, "c.jsonl")], /^lts profile: --cache: .*file/],
      [["profile", archs, "--cache", dir], /^lts profile: --cache: .*not a regular file/],
      [["search", "--preset", "lts-gpt2", "--out", join(file, "run")], /^lts search: --out: /],
      [["search", "--preset", "lts-gpt2", "--out", file], /^lts search: --out: .*not a folder/],
      [
        ["search", "--preset", "lts-gpt2", "--out", join(file, "run"), "--resume"],
        /^lts search: --out: /,
      ],
    ];
    if (LINUX_SYS) {
      cases.push([
        ["profile", archs, "--cache", "/sys/lts-faults-test/c.jsonl"],
        /^lts profile: --cache: .*not writable/,
      ]);
      cases.push([
        ["search", "--preset", "lts-gpt2", "--out", "/sys/lts-faults-test"],
        /^lts search: --out: .*not writable/,
      ]);
    }
    for (const [args, re] of cases) {
      const r = await run([CLI, ...args], { TMPDIR: dir });
      const lines = r.err.trim().split("\n");
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assert.equal(lines.length, 1, r.err);
      assert.match(lines[0], re);
      assert.equal(r.out, "");
    }
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["arch.json", "file"], "nothing emitted, nothing measured");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report: --out and --notebooks are checked before any notebook runs", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "x");
    const notebooks = join(dir, "notebooks");
    await Deno.mkdir(notebooks);
    // A notebook that would leave a mark if it ran.
    const mark = join(dir, "ran");
    await Deno.writeTextFile(
      join(notebooks, "a.ipynb"),
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{
          cell_type: "code",
          metadata: {},
          source: `Deno.writeTextFileSync(${JSON.stringify(mark)}, "1")`,
          outputs: [],
          execution_count: null,
        }],
      }),
    );
    const cases: [string[], RegExp][] = [
      [["--notebooks", file], /^lts report: --notebooks: .*is a file, not a folder$/],
      [["--notebooks", notebooks, "--out", file], /^lts report: --out: .*is a file, not a folder$/],
      [["--notebooks", notebooks, "--out", join(file, "r")], /^lts report: --out: .*a file/],
    ];
    if (LINUX_SYS) {
      cases.push([
        ["--notebooks", notebooks, "--out", "/sys/lts-faults-test"],
        /^lts report: --out: .*not writable/,
      ]);
    }
    for (const [args, re] of cases) {
      const r = await run([REPORT, ...args]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
      assert.match(r.err.trim(), re);
    }
    assert.equal(await exists(mark), false, "no notebook ran");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// A cache that cannot be written never costs a finished measurement.

function success(key: string): ProfileSuccess {
  return {
    ok: true,
    archHash: "0123456789abcdef",
    cacheKey: key,
    latencyMs: { p50: 1, p10: 1, p90: 1, mean: 1, n: 5 },
    peakMemoryBytes: 1,
  } as unknown as ProfileSuccess;
}

Deno.test("cache: a failed append is one warning; the result is kept and returned", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "x");
    const paths = [join(file, "cache.jsonl"), dir];
    if (await exists("/dev/full")) paths.push("/dev/full"); // ENOSPC on every write
    for (const path of paths) {
      const warnings: string[] = [];
      const cache = new ProfileCache(path, { onWarning: (m) => warnings.push(m) });
      await cache.put(success("k1"));
      await cache.put(success("k2"));
      assert.equal(warnings.length, 1, `${path}: ${warnings.join(" | ")}`);
      assert.match(warnings[0], /cannot record results/);
      assert.equal((await cache.get("k2"))?.cacheKey, "k2");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const TINY = validateArch({
  backbone: "gpt2",
  nLayer: 1,
  dModel: 32,
  nHead: 2,
  dInner: 64,
  vocabSize: 100,
  nPositions: 32,
});

/** A fake measuring child: says ready, then sends a successful forward result. */
const fakeChild: Spawner = () => {
  const measurement = {
    kind: "forward",
    latencyMs: { p50: 2, p10: 1.9, p90: 2.2, mean: 2, n: 5 },
    stopReason: "stable",
    peakMemoryBytes: 1 << 20,
    baselineMemoryBytes: 1 << 20,
    sessionMs: 1,
    warmupMs: 1,
    timedMs: 10,
  };
  const code = `console.log(JSON.stringify({ event: "ready", startupMs: 1 }));
    console.log(${JSON.stringify(JSON.stringify({ event: "result", ok: true, measurement }))});`;
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
};

Deno.test("profileArch: a cache under a file warns once and the measurement is returned", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir, "file"), "x");
    const warnings: string[] = [];
    const cache = new ProfileCache(join(dir, "file", "cache.jsonl"), {
      onWarning: (m) => warnings.push(m),
    });
    const r = await profileArch(TINY, { seqLen: 8 }, {
      cache,
      spawner: fakeChild,
      tmpDir: join(dir, "models"),
    });
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.ok && r.latencyMs.p50, 2);
    assert.equal(warnings.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Temp files and folders of killed processes.

Deno.test("temp files: named by pid; those of dead processes are removed beside the target", async () => {
  const dir = await tempDir();
  try {
    const dead = await deadPid();
    const tmp = await ownedTempPath(dir, ".data.tmp");
    assert.match(tmp, new RegExp(`/\\.lts-tmp-${Deno.pid}-[0-9a-f]{16}\\.data\\.tmp$`));
    const stale = join(dir, `.lts-tmp-${dead}-0123456789abcdef.data.tmp`);
    const live = join(dir, `.lts-tmp-1-0123456789abcdef.tmp`); // pid 1 always runs
    const other = join(dir, ".something.tmp");
    for (const p of [stale, live, other]) await Deno.writeTextFile(p, "x");
    const sub = join(dir, "sub");
    await Deno.mkdir(sub);
    const staleSub = join(sub, `.lts-tmp-${dead}-0123456789abcdef.tmp`);
    await Deno.writeTextFile(staleSub, "x");
    await writeFileAtomic(join(sub, "a.json"), "{}");
    assert.equal(await exists(staleSub), false, "the dead writer's temp file is removed");
    assert.deepEqual([...Deno.readDirSync(sub)].map((e) => e.name), ["a.json"]);
    // ownedTempPath cleaned `dir` already (first call); a new stale file is left for the next
    // process, but removeStaleTempDirs/-Files find it when asked.
    assert.equal(await exists(live), true);
    assert.equal(await exists(other), true, "names that are not ours are never touched");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("temp folders: lts-profile-<pid>-…; the profiler removes those of dead processes", async () => {
  const root = await tempDir();
  try {
    const dead = await deadPid();
    const stale = join(root, `lts-profile-${dead}-0123456789abcdef-xyz`);
    const live = join(root, `lts-profile-1-0123456789abcdef-xyz`);
    const legacy = join(root, `lts-profile-0123456789abcdef-xyz`); // old name, no pid: kept
    for (const p of [stale, live, legacy]) {
      await Deno.mkdir(p);
      await Deno.writeTextFile(join(p, "forward.onnx.data"), "x".repeat(1000));
    }
    const r = await profileArch(TINY, { seqLen: 8 }, {
      cache: false,
      spawner: fakeChild,
      tmpDir: root,
    });
    assert.equal(r.ok, true);
    const left = [...Deno.readDirSync(root)].map((e) => e.name).sort();
    assert.deepEqual(left, [legacy, live].map((p) => p.slice(root.length + 1)).sort());
    const own = await makeOwnedTempDir("lts-faults-", root, "tag-");
    assert.match(own, new RegExp(`/lts-faults-${Deno.pid}-tag-`));
    assert.deepEqual(await removeStaleTempDirs("lts-faults-", root), [], "own folder kept");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Children exit when their parent dies.

Deno.test("kernel: a SIGKILLed parent takes its kernel (which ignores SIGTERM) with it", async () => {
  const dir = await tempDir();
  let kernelPid = 0;
  try {
    // A fake `deno jupyter --kernel`: ignores SIGTERM, never answers, records its pid.
    const fake = join(dir, "kernel.sh");
    await Deno.writeTextFile(
      fake,
      `#!/bin/sh\ntrap '' TERM\necho $$ > ${dir}/kernel.pid\nexec sleep 120\n`,
    );
    await Deno.chmod(fake, 0o755);
    const parentScript = join(dir, "parent.ts");
    const kernelModule = new URL("../lib/report/kernel.ts", import.meta.url).href;
    await Deno.writeTextFile(
      parentScript,
      `import { startKernel } from ${JSON.stringify(kernelModule)};
       await startKernel({ cwd: ${JSON.stringify(dir)}, denoPath: ${JSON.stringify(fake)},
         startTimeoutMs: 120000 });`,
    );
    const parent = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", CONFIG, parentScript],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const pidFile = join(dir, "kernel.pid");
    assert.ok(await waitFor(() => exists(pidFile), 20_000), "the kernel started");
    await waitFor(async () => (await Deno.readTextFile(pidFile)).trim() !== "", 2000);
    kernelPid = Number((await Deno.readTextFile(pidFile)).trim());
    assert.ok(processAlive(kernelPid));
    parent.kill("SIGKILL");
    await parent.status;
    assert.ok(await waitFor(() => !processAlive(kernelPid), 5000), "the kernel is gone");
  } finally {
    if (kernelPid) killIfAlive(kernelPid);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task: SIGKILL of the wrapper stops the deno run it started (its SIGTERM handler runs)", async () => {
  assert.equal(isDenoTaskCommand("/usr/bin/deno\0task\0report\0"), true);
  assert.equal(isDenoTaskCommand("/usr/bin/deno\0--quiet\0task\0lts\0"), true);
  assert.equal(isDenoTaskCommand("/usr/bin/deno\0run\0-A\0lib/report/main.ts\0"), false);
  assert.equal(isDenoTaskCommand("sh\0-c\0deno task report\0"), false);
  const dir = await tempDir();
  let runPid = 0;
  try {
    const processModule = new URL("../lib/util/process.ts", import.meta.url).href;
    // What lib/report/main.ts and lib/cli/main.ts do: watch the wrapper, clean up on SIGTERM.
    await Deno.writeTextFile(
      join(dir, "entry.ts"),
      `import { stopWithDenoTask } from ${JSON.stringify(processModule)};
       Deno.addSignalListener("SIGTERM", () => {
         Deno.writeTextFileSync(${JSON.stringify(join(dir, "cleaned"))}, "yes");
         Deno.exit(143);
       });
       stopWithDenoTask("entry", 100);
       Deno.writeTextFileSync(${JSON.stringify(join(dir, "run.pid"))}, String(Deno.pid));
       setInterval(() => {}, 1000);`,
    );
    await Deno.writeTextFile(
      join(dir, "deno.json"),
      JSON.stringify({
        tasks: { entry: `deno run -A --config ${CONFIG} ${join(dir, "entry.ts")}` },
      }),
    );
    const wrapper = new Deno.Command(Deno.execPath(), {
      args: ["task", "entry"],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const pidFile = join(dir, "run.pid");
    assert.ok(await waitFor(() => exists(pidFile), 30_000), "the task's process started");
    runPid = Number((await Deno.readTextFile(pidFile)).trim());
    assert.ok(processAlive(runPid));
    wrapper.kill("SIGKILL");
    await wrapper.status;
    assert.ok(await waitFor(() => !processAlive(runPid), 5000), "the deno run is gone");
    assert.equal(await Deno.readTextFile(join(dir, "cleaned")), "yes", "its SIGTERM handler ran");
  } finally {
    if (runPid) killIfAlive(runPid);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("profile child: exits within seconds of its parent's SIGKILL", async () => {
  const dir = await tempDir();
  let childPid = 0;
  try {
    const profileModule = new URL("../lib/profile/profile.ts", import.meta.url).href;
    // The parent starts a real measuring child that shares the test's stdin pipe, so the
    // child's stdin stays open when the parent dies (as it is closed during timed runs).
    const parentScript = join(dir, "parent.ts");
    await Deno.writeTextFile(
      parentScript,
      `import { fileURLToPath } from "node:url";
       const child = new Deno.Command(Deno.execPath(), {
         args: ["run", "-A", "--config", ${JSON.stringify(CONFIG)},
           fileURLToPath(new URL("./child.ts", ${JSON.stringify(profileModule)}))],
         stdin: "inherit", stdout: "piped", stderr: "null",
       }).spawn();
       const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
       let text = "";
       while (!text.includes("ready")) text += (await reader.read()).value ?? "";
       console.log(child.pid);
       await child.status;`,
    );
    const parent = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", CONFIG, parentScript],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = parent.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    childPid = Number(text.trim());
    assert.ok(childPid > 0 && processAlive(childPid), `child pid ${text}`);
    parent.kill("SIGKILL");
    await parent.status;
    reader.releaseLock();
    await parent.stdout.cancel().catch(() => {});
    assert.ok(await waitFor(() => !processAlive(childPid), 5000), "the child is gone");
    await parent.stdin.close().catch(() => {});
  } finally {
    if (childPid) killIfAlive(childPid);
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Search: stale lock, resume with more iterations.

const OPS = TINY_OPS;
const DEVICE = { cpu: "fake", threads: 1 };

function config(iterations: number): RunConfig {
  return {
    version: 1,
    space: { preset: "tiny" },
    search: validateSearchOptions({ iterations, population: 10, seed: 3 }),
    profile: { seqLen: 32, graphVersion: 2 },
  };
}

const NAMES = { "search.iterations": "--iterations", "search.seed": "--seed" };

Deno.test("run dir: a folder holding only a stale .lock starts (fresh or --resume); a live lock is refused", async () => {
  const root = await tempDir();
  try {
    const dead = await deadPid();
    for (const resume of [false, true]) {
      const dir = join(root, `run-${resume}`);
      await Deno.mkdir(dir);
      await Deno.writeTextFile(join(dir, ".lock"), `${dead}\n`);
      const measure = countingMeasure();
      const result = await runSearchInDir({
        dir,
        config: config(2),
        device: DEVICE,
        operators: OPS,
        measure,
        resume,
      });
      assert.ok(result.records.length > 0);
      assert.equal(await exists(join(dir, ".lock")), false, "lock released");
      assert.equal((await loadRun(dir)).records.length, result.records.length);
    }
    const busy = join(root, "busy");
    await Deno.mkdir(busy);
    await Deno.writeTextFile(join(busy, ".lock"), "1\n"); // pid 1 always runs
    for (const resume of [false, true]) {
      await assert.rejects(
        prepareRunDir(busy, config(2), DEVICE, resume),
        (e) => isInputError(e) && /in use by process 1/.test(e.message),
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("run dir: --resume with more iterations extends the run; fewer is refused naming the flag", async () => {
  const root = await tempDir();
  try {
    const dir = join(root, "run");
    const first = countingMeasure();
    const short = await runSearchInDir({
      dir,
      config: config(2),
      device: DEVICE,
      operators: OPS,
      measure: first,
    });
    const createdAt = JSON.parse(await Deno.readTextFile(join(dir, "run.json"))).createdAt;
    const more = countingMeasure();
    const extended = await runSearchInDir({
      dir,
      config: config(4),
      device: DEVICE,
      operators: OPS,
      measure: more,
      resume: true,
      optionNames: NAMES,
    });
    const again = new Set(more.calls.filter((id) => first.calls.includes(id)));
    assert.equal(again.size, 0, "nothing measured twice");
    assert.deepEqual(extended.records.slice(0, short.records.length), short.records);
    // Deterministic by (seed, iteration): the same as a run of 4 iterations from the start.
    const straight = await runSearchInDir({
      dir: join(root, "straight"),
      config: config(4),
      device: DEVICE,
      operators: OPS,
      measure: countingMeasure(),
    });
    assert.deepEqual(extended.records, straight.records);
    assert.deepEqual(extended.iterations, straight.iterations);
    const saved = JSON.parse(await Deno.readTextFile(join(dir, "run.json")));
    assert.equal(saved.search.iterations, 4);
    assert.equal(saved.createdAt, createdAt, "createdAt kept");
    assert.deepEqual((await loadRun(dir)).config, config(4));
    await assert.rejects(
      prepareRunDir(dir, config(3), DEVICE, true, NAMES),
      (e) =>
        e instanceof RunMismatchError &&
        /^--iterations: 3 is fewer than the 4 iterations of the run being resumed/.test(e.message),
    );
    const otherSeed = { ...config(5), search: { ...config(5).search, seed: 4 } };
    await assert.rejects(
      prepareRunDir(dir, otherSeed, DEVICE, true, NAMES),
      (e) => e instanceof RunMismatchError && /^--seed: differs/.test(e.message),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test({
  name: "cli search: SIGINT / SIGTERM release the lock, remove temp models and exit 130 / 143",
  sanitizeResources: false,
  fn: async () => {
    const root = await tempDir();
    try {
      for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
        const dir = join(root, `run-${signal}`);
        const tmp = join(root, `tmp-${signal}`);
        await Deno.mkdir(tmp);
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--config",
            CONFIG,
            CLI,
            "search",
            "--preset",
            "lts-gpt2",
            "--out",
            dir,
            "--iterations",
            "1",
            "--population",
            "2",
            "--seq-len",
            "8",
          ],
          env: { TMPDIR: tmp, LTS_PROFILE_CACHE: join(root, `cache-${signal}.jsonl`) },
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        const output = child.output();
        // Interrupt once the run holds its lock and a model is being written or measured.
        const busy = await waitFor(
          async () => (await exists(join(dir, ".lock"))) && [...Deno.readDirSync(tmp)].length > 0,
          60_000,
        );
        assert.ok(busy, "the search started measuring");
        child.kill(signal);
        const out = await output;
        const err = new TextDecoder().decode(out.stderr).trim().split("\n");
        assert.equal(out.code, code, err.join("\n"));
        assert.match(err.at(-1)!, /^lts search: interrupted; .*--resume/);
        assert.equal(await exists(join(dir, ".lock")), false, "lock released");
        assert.deepEqual([...Deno.readDirSync(tmp)], [], "temp models removed");
        assert.ok(await exists(join(dir, "run.json")));
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

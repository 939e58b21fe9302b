/**
 * End to end, as a new user would run it: the repository is copied (its tracked files, and
 * untracked ones git does not ignore) into an empty temporary folder with nothing beside it (no
 * `../shared`), and `deno task report --quick` runs there with every `LTS_*` variable unset. It
 * executes every notebook of `notebooks/` in the real Deno kernel, measuring on this machine
 * into the copy's own cache and run folders, and headless Chromium loads every page with no
 * console error, no network request, and the expected figures. Then the executed notebooks are
 * checked to keep their Jupyter trust, and a real client (Debian's nbclient) runs every notebook
 * again, against the cached measurements, and must find every output the report found.
 */
import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../lib/util/paths.ts";
import { browserTestMode, checkPage, launchChromium } from "./browser.ts";
import { nbclientMode, nbclientRun, writeDenoKernelSpec } from "./nbclient.ts";

/** Figures each notebook must show (top-level SVGs, at least), and extra markers. */
const EXPECTED: Record<string, { minSvgs: number; contains?: string[] }> = {
  "01-proxy": { minSvgs: 2, contains: ["Spearman", "1121 of 1121"] },
  "02-aspect-ratio": { minSvgs: 2, contains: ["Max / min per budget"] },
  "03-hetero-vs-homo": { minSvgs: 2, contains: ["Hypervolume"] },
  "04-pareto-3d": { minSvgs: 4, contains: ["lts-scatter3d", "3-D Pareto frontier"] },
  "05-opt350m-2048": { minSvgs: 1, contains: ["OPT-350M baseline"] },
  "06-text-prediction": { minSvgs: 1, contains: ["latencyPerToken"] },
  "07-cost-model": { minSvgs: 3, contains: ["within ±5 %", "pareto_GPT2_lm1b_corei7", "Spearman"] },
};

const mode = browserTestMode();
const clientMode = nbclientMode();

Deno.test({
  name: "e2e: deno task report --quick runs every notebook and Chromium loads every page cleanly",
  ignore: mode === "skip",
  // playwright-core keeps its Chromium pipe and timers alive past browser.close()
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (mode === "fail") throw new Error("chromium is missing (CI must install Debian's chromium)");
    const notebooks = [...Deno.readDirSync(join(PROJECT_ROOT, "notebooks"))]
      .map((e) => e.name)
      .filter((n) => n.endsWith(".ipynb"))
      .map((n) => n.replace(/\.ipynb$/, ""))
      .sort();
    assert.deepEqual(notebooks, Object.keys(EXPECTED).sort(), "every notebook has expectations");

    const tmp = await Deno.makeTempDir({ prefix: "lts-e2e-" });
    const clone = join(tmp, "clone");
    await copyCheckout(PROJECT_ROOT, clone);
    const out = join(tmp, "reports");
    const env = Object.fromEntries(
      Object.entries(Deno.env.toObject()).filter(([k]) => !k.startsWith("LTS_")),
    );
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["task", "report", "--quick", "--out", out],
      cwd: clone,
      clearEnv: true,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const log = new TextDecoder().decode(stderr);
    assert.equal(code, 0, `deno task report --quick failed:\n${log.slice(-4000)}`);
    assert.match(log, new RegExp(`report: ${notebooks.length} ok, 0 failed`));
    // Measurements went to the copy's own cache, one JSON line each.
    const cachePath = join(clone, "data", "cache", "profile.jsonl");
    const cached = (await Deno.readTextFile(cachePath)).trim().split("\n");
    assert.ok(cached.length >= 10, `only ${cached.length} measurements cached`);

    const browser = await launchChromium();
    try {
      for (const name of notebooks) {
        const page = join(out, `${name}.html`);
        const html = await Deno.readTextFile(page);
        assert.match(html, /Quick run/, `${name}: the page says it is a quick run`);
        assert.match(html, /Measured on |measured|Nothing here is measured/, `${name}: provenance`);
        for (const marker of EXPECTED[name].contains ?? []) {
          assert.ok(html.includes(marker), `${name}: page lacks ${JSON.stringify(marker)}`);
        }
        const seen = await checkPage(page, { browser });
        assert.deepEqual(seen.consoleErrors, [], `${name}: console errors`);
        assert.deepEqual(seen.pageErrors, [], `${name}: page errors`);
        assert.deepEqual(seen.externalRequests, [], `${name}: network requests`);
        assert.ok(
          seen.svgCount >= EXPECTED[name].minSvgs,
          `${name}: ${seen.svgCount} SVG figures, expected at least ${EXPECTED[name].minSvgs}`,
        );
      }
      const index = await checkPage(join(out, "index.html"), { browser });
      assert.deepEqual(index.consoleErrors, []);
      const indexHtml = await Deno.readTextFile(join(out, "index.html"));
      for (const name of notebooks) {
        assert.ok(indexHtml.includes(`${name}.html`), `index links ${name}`);
      }
    } finally {
      await browser.close();
    }

    // Executed notebooks open trusted: stable cell ids, so a signature made once still matches
    // when the file is read again, and nbformat reads them without a warning.
    if (clientMode === "fail") {
      throw new Error("python3-nbclient is missing (CI must install Debian's python3-nbclient)");
    }
    if (clientMode === "run") {
      const executed = notebooks.map((name) => join(out, `${name}.ipynb`));
      const trust = await nbclientRun(["trust", ...executed], { cwd: clone, env });
      for (const path of executed) {
        const t = trust.notebooks[path];
        assert.ok(t?.trusted, `${path}: trust does not stick`);
        assert.deepEqual(t.warnings, [], `${path}: nbformat warnings`);
      }
      // A real client (nbclient, as `jupyter nbconvert --execute` uses it) runs every notebook
      // in quick mode, against the measurements the report cached, and finds every output the
      // report found, under the same cell.
      const clientOut = join(tmp, "nbclient");
      await Deno.mkdir(clientOut);
      const jupyterPath = join(tmp, "jupyter");
      await writeDenoKernelSpec(jupyterPath);
      const run = await nbclientRun(
        ["run", clientOut, ...notebooks.map((n) => join(clone, "notebooks", `${n}.ipynb`))],
        {
          cwd: clone,
          env: {
            ...env,
            LTS_QUICK: "1",
            JUPYTER_PATH: jupyterPath,
            JUPYTER_RUNTIME_DIR: join(tmp, "jupyter-runtime"),
          },
        },
      );
      let outputs = 0;
      for (const name of notebooks) {
        assert.equal(run.notebooks[name]?.error, null, `${name}: nbclient: a cell failed`);
        const report = outputKinds(JSON.parse(await Deno.readTextFile(join(out, `${name}.ipynb`))));
        const client = outputKinds(
          JSON.parse(await Deno.readTextFile(join(clientOut, `${name}.ipynb`))),
        );
        assert.ok(report.size > 0, `${name}: the report has no cell ids`);
        for (const [id, kinds] of report) {
          assert.deepEqual(client.get(id), kinds, `${name}: cell ${id}: nbclient's outputs`);
          outputs += kinds.length;
        }
      }
      console.log(
        `nbclient ${run.nbclient}: all ${outputs} outputs of the report, each in its cell`,
      );
    }
    await Deno.remove(tmp, { recursive: true });
  },
});

/** Per cell id: the kinds of its outputs, in order ("stream:stderr", "display_data:text/html"). */
function outputKinds(
  nb: { cells: { id?: string; cell_type: string; outputs?: Record<string, unknown>[] }[] },
): Map<string, string[]> {
  const kinds = new Map<string, string[]>();
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code" || cell.id === undefined) continue;
    kinds.set(
      cell.id,
      (cell.outputs ?? []).map((o) =>
        o.output_type === "stream"
          ? `stream:${o.name}`
          : `${o.output_type}:${Object.keys((o.data ?? {}) as object).sort().join(",")}`
      ),
    );
  }
  return kinds;
}

/**
 * Copies the files of a git checkout (tracked, and untracked but not ignored, as they are in the
 * working tree) to `dest`, as a fresh clone of the working tree would have them.
 */
async function copyCheckout(root: string, dest: string): Promise<void> {
  const { code, stdout, stderr } = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`git ls-files failed: ${new TextDecoder().decode(stderr)}`);
  const files = new TextDecoder().decode(stdout).split("\0").filter((f) => f !== "");
  for (const file of files) {
    const from = join(root, file);
    try {
      if (!(await Deno.lstat(from)).isFile) continue;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue; // deleted in the working tree
      throw e;
    }
    await Deno.mkdir(dirname(join(dest, file)), { recursive: true });
    await Deno.copyFile(from, join(dest, file));
  }
  assert.ok(
    !(await exists(join(dest, "..", "shared"))),
    "the copy must have nothing beside it",
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

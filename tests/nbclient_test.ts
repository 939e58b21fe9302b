/**
 * The Deno 2.9 kernel publishes a cell's last value (and captured `console.log` text) after it
 * has told the client that the cell is done; real clients then lose it. This runs a notebook
 * with Debian's nbclient (as `jupyter nbconvert --execute` does) and checks the project's rule:
 * a cell that ends with `await show(x)` (and prints before it) keeps all its outputs, under its
 * own cell. It also measures what a bare last value loses, so a fixed Deno release is noticed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/util/paths.ts";
import { nbclientMode, nbclientRun, writeDenoKernelSpec } from "./nbclient.ts";

const CELLS = 30;
const mode = nbclientMode();

Deno.test({
  name: "nbclient: every cell ending in await show() keeps its outputs; bare last values measured",
  ignore: mode === "skip",
  async fn() {
    if (mode === "fail") {
      throw new Error("python3-nbclient is missing (CI installs it from Debian)");
    }
    // Inside the project, so that the kernel (cwd = the notebook's folder) finds deno.json.
    const dir = await Deno.makeTempDir({
      dir: join(PROJECT_ROOT, "tests", "fixtures"),
      prefix: "nbclient-",
    });
    try {
      const plots = new URL("../lib/plots/mod.ts", import.meta.url).href;
      const cells = [{ id: "setup", source: `import { displayable, show } from "${plots}";` }];
      for (let i = 0; i < CELLS; i++) {
        cells.push({
          id: `show-${i}`,
          source:
            `console.log("log ${i}");\nawait show(displayable({ "text/plain": "show ${i}" }));`,
        });
        cells.push({ id: `bare-${i}`, source: `displayable({ "text/plain": "bare ${i}" })` });
      }
      const nb = {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
        cells: cells.map((c) => ({
          ...c,
          cell_type: "code",
          metadata: {},
          outputs: [],
          execution_count: null,
        })),
      };
      const path = join(dir, "flush.ipynb");
      await Deno.writeTextFile(path, JSON.stringify(nb));
      await writeDenoKernelSpec(join(dir, "jupyter"));
      const out = join(dir, "out");
      await Deno.mkdir(out);
      const report = await nbclientRun(["run", out, path], {
        env: {
          PATH: Deno.env.get("PATH") ?? "",
          HOME: Deno.env.get("HOME") ?? dir,
          JUPYTER_PATH: join(dir, "jupyter"),
          JUPYTER_RUNTIME_DIR: join(dir, "runtime"),
        },
      });
      assert.equal(report.notebooks.flush.error, null);
      const executed = JSON.parse(await Deno.readTextFile(join(out, "flush.ipynb")));
      const texts = new Map<string, string[]>();
      for (const cell of executed.cells) {
        texts.set(
          cell.id,
          (cell.outputs as Record<string, unknown>[]).map((o) =>
            String(o.text ?? (o.data as Record<string, string>)?.["text/plain"] ?? "").trim()
          ),
        );
      }
      let bareKept = 0;
      for (let i = 0; i < CELLS; i++) {
        assert.deepEqual(texts.get(`show-${i}`), [`log ${i}`, `show ${i}`], `show-${i}`);
        const bare = texts.get(`bare-${i}`) ?? [];
        assert.ok(bare.every((t) => t === `bare ${i}`), `bare-${i} holds another cell's output`);
        if (bare.length > 0) bareKept++;
      }
      console.log(
        `nbclient ${report.nbclient}: bare last values kept ${bareKept}/${CELLS}` +
          (bareKept === CELLS ? " (none lost in this run)" : ""),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

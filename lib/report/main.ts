/**
 * `deno task report`: runs every notebook in `notebooks/` (sorted by file name) in a fresh Deno
 * Jupyter kernel and writes `reports/<name>.ipynb` (executed), `reports/<name>.html` (static,
 * self-contained page) and `reports/index.html`, each atomically.
 *
 * A cell error stops that notebook: the cell and the error go to stderr, no page is written for it
 * (a page left from an earlier run is removed, so pages always match the index), the other
 * notebooks still run, the index marks it failed, and the command exits with 1.
 * Bad flags, a malformed notebook, a `--notebooks` that is not a folder or an `--out` that cannot
 * be written exit with 2 before anything runs or is written.
 *
 * @module
 */
import { basename, join } from "node:path";
import { parseFlags } from "../cli/args.ts";
import { InputError, isInputError } from "../util/errors.ts";
import { checkReadableDir, checkWritableDir, readTextInput, writeFileAtomic } from "../util/fs.ts";
import { stopWithDenoTask } from "../util/process.ts";
import {
  type Notebook,
  type NotebookRun,
  notebookTitle,
  parseNotebook,
  runParsedNotebook,
} from "./execute.ts";
import { formatDuration, renderNotebookPage, type ReportSettings } from "./html.ts";
import { type IndexEntry, renderIndexPage } from "./index_page.ts";
import { killRunningKernels } from "./kernel.ts";

/** Options of {@linkcode runReport}. */
export interface ReportOptions {
  /** Folder with the `.ipynb` files (default `notebooks`). */
  notebooksDir?: string;
  /** Output folder (default `reports`). */
  outDir?: string;
  /** Run only these notebooks (names with or without `.ipynb`). */
  only?: string[];
  /** Cap expensive studies (kernel env LTS_QUICK=1). */
  quick?: boolean;
  /** Re-measure, bypassing caches (kernel env LTS_FRESH=1). */
  fresh?: boolean;
  /** Per-cell time limit in ms (default none). */
  cellTimeoutMs?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
}

/** What {@linkcode runReport} did. */
export interface ReportResult {
  runs: NotebookRun[];
  entries: IndexEntry[];
  settings: ReportSettings;
  /** 0 when every selected notebook ran without error, 1 otherwise. */
  exitCode: number;
}

const HELP = `Usage: deno task report [options]

Runs each notebook in notebooks/ (sorted by file name) in a fresh Deno Jupyter kernel and writes
reports/<name>.ipynb (executed), reports/<name>.html (self-contained page) and reports/index.html.

Options:
  --quick            cap expensive studies (kernel env LTS_QUICK=1; pages say so)
  --fresh            re-measure, bypassing the profiler's cache (kernel env LTS_FRESH=1)
  --only NAME        run only this notebook (repeatable; with or without .ipynb)
  --out DIR          output folder (default reports)
  --notebooks DIR    notebook folder (default notebooks)
  --cell-timeout S   fail a cell that runs longer than S seconds (default: no limit)

Exit codes: 0 all notebooks ran; 1 a cell failed (that notebook gets no page; see stderr);
2 bad flags, a malformed notebook, --notebooks not a folder or --out not writable (checked
before anything runs; nothing written).`;

/**
 * The `.ipynb` files of a folder, sorted by file name (hidden files and checkpoints skipped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { listNotebooks } from "./main.ts";
 * const notebooks = await listNotebooks("notebooks");
 * assert.equal(notebooks[0], "notebooks/01-proxy.ipynb");
 * ```
 */
export async function listNotebooks(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".ipynb") && !entry.name.startsWith(".")) {
        names.push(entry.name);
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(`--notebooks: no folder ${dir}`);
    throw e;
  }
  return names.sort().map((n) => join(dir, n));
}

/**
 * The environment for the kernels: this process's, without inherited LTS_QUICK / LTS_FRESH /
 * LTS_FRESH_SINCE, plus `LTS_QUICK=1` and `LTS_FRESH=1` when asked for. A fresh report also
 * passes its start time (ISO) in `LTS_FRESH_SINCE`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kernelEnv } from "./main.ts";
 * assert.equal(kernelEnv({ quick: true, fresh: false }).LTS_QUICK, "1");
 * ```
 */
export function kernelEnv(
  flags: { quick: boolean; fresh: boolean; startedAt?: string },
): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.LTS_QUICK;
  delete env.LTS_FRESH;
  delete env.LTS_FRESH_SINCE;
  if (flags.quick) env.LTS_QUICK = "1";
  if (flags.fresh) {
    env.LTS_FRESH = "1";
    // The report's start time: every notebook of one fresh report redoes what was saved before
    // it and reuses what an earlier notebook of the same report saved (a search run).
    env.LTS_FRESH_SINCE = flags.startedAt ?? new Date().toISOString();
  }
  return env;
}

interface ReportMeta {
  status: "ok";
  title: string;
  durationMs: number;
  settings: ReportSettings;
}

async function previousEntry(outDir: string, name: string, title: string): Promise<IndexEntry> {
  try {
    const nb = JSON.parse(await Deno.readTextFile(join(outDir, `${name}.ipynb`))) as Notebook;
    const meta = nb.metadata?.lts_report as ReportMeta | undefined;
    if (meta?.status === "ok" && meta.settings) {
      return { name, title, status: "ok", durationMs: meta.durationMs, settings: meta.settings };
    }
  } catch {
    // no earlier page, or not ours
  }
  return { name, title, status: "not run" };
}

/**
 * Text block describing a failed notebook (cell number, source, error, traceback).
 *
 * @example
 * ```ts
 * import { describeFailure } from "./main.ts";
 * // describeFailure(run) → "smoke.ipynb: cell 3 failed\n--- source ---\n…\nError: boom\n…"
 * ```
 */
export function describeFailure(run: NotebookRun): string {
  const f = run.failure;
  if (!f) return `${run.name}.ipynb: ok`;
  const where = f.cellIndex >= 0 ? `cell ${f.cellIndex + 1}` : "kernel";
  return [
    `${run.name}.ipynb: ${where} failed`,
    ...(f.source ? ["--- cell source ---", f.source.trimEnd(), "--- error ---"] : []),
    `${f.ename}: ${f.evalue}`,
    ...f.traceback,
  ].join("\n");
}

/**
 * Runs the notebooks and writes the report (see the module doc). Throws {@linkcode InputError} for
 * bad options or malformed notebooks before running or writing anything.
 *
 * @example
 * ```ts
 * import { runReport } from "./main.ts";
 * const { exitCode } = await runReport({ quick: true, only: ["01-proxy"] });
 * ```
 */
export async function runReport(options: ReportOptions = {}): Promise<ReportResult> {
  const notebooksDir = options.notebooksDir ?? "notebooks";
  const outDir = options.outDir ?? "reports";
  const quick = options.quick ?? false;
  const fresh = options.fresh ?? false;
  const log = options.log ?? ((line: string) => console.error(line));

  await checkReadableDir(notebooksDir, "--notebooks");
  const paths = await listNotebooks(notebooksDir);
  if (paths.length === 0) throw new InputError(`--notebooks: no .ipynb files in ${notebooksDir}`);
  const nameOf = (path: string) => basename(path).replace(/\.ipynb$/, "");
  const available = paths.map(nameOf);
  const only = (options.only ?? []).map((n) => basename(n).replace(/\.ipynb$/, ""));
  for (const name of only) {
    if (!available.includes(name)) {
      throw new InputError(`--only: no notebook "${name}" (have: ${available.join(", ")})`);
    }
  }
  const parsed = new Map<string, Notebook>();
  for (const path of paths) {
    parsed.set(nameOf(path), parseNotebook(await readTextInput(path), path));
  }
  const selected = paths.filter((p) => only.length === 0 || only.includes(nameOf(p)));
  // Before any notebook runs (they can take an hour): the pages must be writable.
  await checkWritableDir(outDir, "--out");

  const settings: ReportSettings = {
    quick,
    fresh,
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    denoVersion: Deno.version.deno,
  };
  const env = kernelEnv({ quick, fresh, startedAt: new Date().toISOString() });
  const runs: NotebookRun[] = [];
  for (const [i, path] of selected.entries()) {
    const name = nameOf(path);
    const source = parsed.get(name)!;
    const title = notebookTitle(source) ?? name;
    log(`report: [${i + 1}/${selected.length}] ${name}.ipynb: ${title}`);
    const run = await runParsedNotebook(path, source, {
      env,
      clearEnv: true,
      cellTimeoutMs: options.cellTimeoutMs,
      onProgress: (event) => {
        if (event.kind === "kernel-started") {
          log(`  kernel started (${formatDuration(event.startMs)})`);
        } else if (event.kind === "cell-start") {
          log(`  cell ${event.cellIndex + 1} (code ${event.codeCell}/${event.codeCells}) …`);
        } else {
          log(
            `  cell ${event.cellIndex + 1} ${event.status} in ${formatDuration(event.durationMs)}`,
          );
        }
      },
    });
    runs.push(run);
    const htmlPath = join(outDir, `${name}.html`);
    const ipynbPath = join(outDir, `${name}.ipynb`);
    if (run.status === "ok") {
      const meta: ReportMeta = {
        status: "ok",
        title,
        durationMs: Math.round(run.durationMs),
        settings,
      };
      const notebook: Notebook = {
        ...run.notebook,
        metadata: {
          ...run.notebook.metadata,
          kernelspec: { name: "deno", display_name: "Deno", language: "typescript" },
          language_info: {
            name: "typescript",
            file_extension: ".ts",
            mimetype: "text/x.typescript",
          },
          lts_report: meta,
        },
      };
      const page = renderNotebookPage(notebook, {
        name,
        title,
        durationMs: run.durationMs,
        settings,
      });
      await writeFileAtomic(ipynbPath, JSON.stringify(notebook, null, 1) + "\n");
      await writeFileAtomic(htmlPath, page);
      log(`  ok in ${formatDuration(run.durationMs)} → ${htmlPath}`);
    } else {
      await Deno.remove(htmlPath).catch(() => {});
      await Deno.remove(ipynbPath).catch(() => {});
      log(`report: FAILED ${describeFailure(run)}`);
    }
  }

  const entries: IndexEntry[] = [];
  for (const path of paths) {
    const name = nameOf(path);
    const title = notebookTitle(parsed.get(name)!) ?? name;
    const run = runs.find((r) => r.name === name);
    if (!run) {
      entries.push(await previousEntry(outDir, name, title));
    } else if (run.status === "ok") {
      entries.push({ name, title, status: "ok", durationMs: run.durationMs, settings });
    } else {
      const f = run.failure!;
      const where = f.cellIndex >= 0 ? `cell ${f.cellIndex + 1}` : "kernel";
      entries.push({
        name,
        title,
        status: "failed",
        durationMs: run.durationMs,
        settings,
        failure: `${where}: ${f.ename}: ${f.evalue}`,
      });
    }
  }
  await writeFileAtomic(join(outDir, "index.html"), renderIndexPage(entries, settings));
  const failed = runs.filter((r) => r.status !== "ok").length;
  log(
    `report: ${runs.length - failed} ok, ${failed} failed → ${join(outDir, "index.html")}`,
  );
  return { runs, entries, settings, exitCode: failed > 0 ? 1 : 0 };
}

/**
 * The task entry: parses flags, runs {@linkcode runReport}, returns the exit code
 * (0 ok, 1 a notebook failed or internal error, 2 bad input).
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const code = await main(["--quick", "--only", "01-proxy"]);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  // An interrupted run must not leave kernels behind.
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const onSignal = () => {
    const killed = killRunningKernels();
    console.error(`lts report: interrupted${killed ? ` (killed ${killed} kernel)` : ""}`);
    Deno.exit(130);
  };
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  try {
    const { values, positionals } = parseFlags(args, {
      quick: { type: "boolean" },
      fresh: { type: "boolean" },
      only: { type: "string", multiple: true },
      out: { type: "string" },
      notebooks: { type: "string" },
      "cell-timeout": { type: "string" },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length > 0) {
      throw new InputError(`unexpected argument "${positionals[0]}" (see --help)`);
    }
    let cellTimeoutMs: number | undefined;
    if (values["cell-timeout"] !== undefined) {
      const s = Number(values["cell-timeout"]);
      if (!Number.isFinite(s) || s <= 0) {
        throw new InputError(`--cell-timeout: expected seconds > 0, got ${values["cell-timeout"]}`);
      }
      cellTimeoutMs = s * 1000;
    }
    for (const flag of ["out", "notebooks"]) {
      if (values[flag] === "") throw new InputError(`--${flag}: empty path`);
    }
    const result = await runReport({
      quick: values.quick === true,
      fresh: values.fresh === true,
      only: (values.only as string[] | undefined) ?? [],
      outDir: values.out as string | undefined,
      notebooksDir: values.notebooks as string | undefined,
      cellTimeoutMs,
    });
    return result.exitCode;
  } catch (e) {
    if (isInputError(e)) {
      console.error(`lts report: ${(e as Error).message}`);
      return 2;
    }
    if (Deno.env.get("LTS_DEBUG")) console.error(e);
    else console.error(`lts report: internal error: ${(e as Error)?.message ?? e}`);
    return 1;
  } finally {
    for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  }
}

if (import.meta.main) {
  // SIGKILL of the `deno task` wrapper must not leave this process running on its own.
  stopWithDenoTask("lts report");
  Deno.exit(await main(Deno.args));
}

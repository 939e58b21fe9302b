/**
 * Runs one notebook (nbformat 4) in a fresh Deno kernel whose working folder is the notebook's
 * folder, and returns the executed notebook: each code cell's outputs replaced by what the kernel
 * produced (consecutive stream text merged, display updates applied). A cell error stops the
 * notebook; the result then says which cell failed and why.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, dirname, resolve } from "node:path";
import { InputError } from "../util/errors.ts";
import type { JupyterMessage } from "./connection.ts";
import { type KernelOptions, startKernel } from "./kernel.ts";

/** MIME data of an output: type → string or JSON object (multi-line strings may be arrays). */
export type OutputData = Record<string, string | string[] | object>;

/** One output of a code cell (nbformat 4). */
export type NotebookOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string | string[] }
  | { output_type: "display_data"; data: OutputData; metadata: Record<string, unknown> }
  | {
    output_type: "execute_result";
    execution_count: number | null;
    data: OutputData;
    metadata: Record<string, unknown>;
  }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

/** One cell (nbformat 4). */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

/** A notebook (nbformat 4). */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** Why a notebook run stopped early. */
export interface NotebookFailure {
  /** Index of the failing cell among all cells (0-based); -1 when the kernel itself failed. */
  cellIndex: number;
  /** Source of the failing cell ("" for a kernel failure). */
  source: string;
  ename: string;
  evalue: string;
  /** Traceback lines, ANSI escapes removed. */
  traceback: string[];
}

/** The outcome of {@linkcode runParsedNotebook}. */
export interface NotebookRun {
  /** File name without `.ipynb`. */
  name: string;
  path: string;
  status: "ok" | "failed";
  /** The executed notebook (outputs up to the failing cell when failed). */
  notebook: Notebook;
  durationMs: number;
  failure?: NotebookFailure;
}

/** Progress events of {@linkcode runParsedNotebook}. */
export type NotebookProgress =
  | { kind: "kernel-started"; name: string; startMs: number }
  | { kind: "cell-start"; name: string; cellIndex: number; codeCell: number; codeCells: number }
  | { kind: "cell-done"; name: string; cellIndex: number; durationMs: number; status: string };

/** Options for {@linkcode runParsedNotebook}. */
export interface ExecuteNotebookOptions {
  /** Environment added for the kernel (e.g. `LTS_QUICK`). */
  env?: Record<string, string>;
  /** Per-cell time limit (default none). */
  cellTimeoutMs?: number;
  /** Start the kernel from an empty environment plus `env` (to drop inherited variables). */
  clearEnv?: boolean;
  /** Kernel options other than `cwd` and `env`. */
  kernel?: Omit<KernelOptions, "cwd" | "env" | "clearEnv">;
  onProgress?: (event: NotebookProgress) => void;
}

/**
 * Joins an nbformat multi-line string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { joinSource } from "./execute.ts";
 * assert.equal(joinSource(["a\n", "b"]), "a\nb");
 * ```
 */
export function joinSource(source: string | string[] | undefined): string {
  return Array.isArray(source) ? source.join("") : source ?? "";
}

/**
 * Removes ANSI escape sequences (colours) from text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stripAnsi } from "./execute.ts";
 * assert.equal(stripAnsi("\x1b[31mError\x1b[0m"), "Error");
 * ```
 */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07/g, "");
}

/**
 * Parses and checks an `.ipynb` text; throws {@linkcode InputError} naming `where` and the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseNotebook } from "./execute.ts";
 * const nb = parseNotebook('{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[]}', "x.ipynb");
 * assert.equal(nb.cells.length, 0);
 * ```
 */
export function parseNotebook(text: string, where: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${where}: not JSON (${(e as Error).message})`);
  }
  const nb = value as Partial<Notebook>;
  if (nb === null || typeof nb !== "object" || Array.isArray(nb)) {
    throw new InputError(`${where}: expected a notebook object`);
  }
  if (nb.nbformat !== 4) throw new InputError(`${where}: nbformat: expected 4, got ${nb.nbformat}`);
  if (!Array.isArray(nb.cells)) throw new InputError(`${where}: cells: expected an array`);
  const seenIds = new Map<string, number>();
  nb.cells.forEach((cell, i) => {
    if (cell === null || typeof cell !== "object") {
      throw new InputError(`${where}: cells[${i}]: expected an object`);
    }
    if (!["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new InputError(`${where}: cells[${i}].cell_type: unknown "${cell.cell_type}"`);
    }
    if (cell.id !== undefined) {
      if (typeof cell.id !== "string" || !CELL_ID.test(cell.id)) {
        throw new InputError(
          `${where}: cells[${i}].id: expected 1–64 letters, digits, "-" or "_", got ${
            JSON.stringify(cell.id)?.slice(0, 80)
          }`,
        );
      }
      const first = seenIds.get(cell.id);
      if (first !== undefined) {
        throw new InputError(
          `${where}: cells[${i}].id: "${cell.id}" is also the id of cells[${first}]`,
        );
      }
      seenIds.set(cell.id, i);
    }
    const src = cell.source;
    if (
      typeof src !== "string" && !(Array.isArray(src) && src.every((s) => typeof s === "string"))
    ) {
      throw new InputError(`${where}: cells[${i}].source: expected a string or string array`);
    }
  });
  return {
    nbformat: 4,
    nbformat_minor: typeof nb.nbformat_minor === "number" ? nb.nbformat_minor : 5,
    metadata: nb.metadata && typeof nb.metadata === "object" ? nb.metadata : {},
    cells: nb.cells,
  };
}

/** What nbformat 4.5 allows as a cell id. */
const CELL_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The notebook as nbformat 4.5 with an id on every cell: ids already there are kept, a missing one
 * is derived from `name` and the cell's position, so it is the same on every run. Stable ids are
 * what lets Jupyter's trust stick: without them nbformat invents new ids on each read, the
 * notebook's signature never matches, and untrusted notebooks hide SVG and HTML outputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withCellIds } from "./execute.ts";
 * const nb = withCellIds({ nbformat: 4, nbformat_minor: 4, metadata: {},
 *   cells: [{ cell_type: "code", source: "1", metadata: {} }] }, "demo");
 * assert.deepEqual([nb.nbformat_minor, typeof nb.cells[0].id], [5, "string"]);
 * ```
 */
export function withCellIds(nb: Notebook, name: string): Notebook {
  const taken = new Set(nb.cells.flatMap((c) => (c.id === undefined ? [] : [c.id])));
  const cells = nb.cells.map((cell, i) => {
    if (cell.id !== undefined) return cell;
    let id = createHash("sha1").update(`${name}:${i}`).digest("hex").slice(0, 8);
    for (let k = 1; taken.has(id); k++) id = `${id.slice(0, 8)}-${k}`;
    taken.add(id);
    return { id, ...cell };
  });
  return { ...nb, nbformat_minor: Math.max(5, nb.nbformat_minor), cells };
}

/**
 * The text of the first markdown heading, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { notebookTitle } from "./execute.ts";
 * const title = notebookTitle({ nbformat: 4, nbformat_minor: 5, metadata: {},
 *   cells: [{ cell_type: "markdown", source: "# Search\ntext", metadata: {} }] });
 * assert.equal(title, "Search");
 * ```
 */
export function notebookTitle(nb: Notebook): string | undefined {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const match = joinSource(cell.source).match(/^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m);
    if (match) return match[1].replace(/[*_`]/g, "");
  }
  return undefined;
}

/**
 * Turns a cell's iopub messages into nbformat outputs: consecutive stream text of the same name is
 * merged, `update_display_data` replaces the data of earlier outputs with the same display id
 * (`displays` carries those across cells), `clear_output` clears.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { outputsFromMessages } from "./execute.ts";
 * // messages from Kernel.execute(...).outputs
 * const outputs = outputsFromMessages([], new Map());
 * assert.equal(outputs.length, 0);
 * ```
 */
export function outputsFromMessages(
  messages: readonly JupyterMessage[],
  displays: Map<string, NotebookOutput[]>,
): NotebookOutput[] {
  let outputs: NotebookOutput[] = [];
  let clearPending = false;
  const add = (output: NotebookOutput) => {
    if (clearPending) {
      outputs = [];
      clearPending = false;
    }
    const last = outputs[outputs.length - 1];
    if (
      output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name
    ) {
      last.text = joinSource(last.text) + joinSource(output.text);
      return;
    }
    outputs.push(output);
  };
  for (const msg of messages) {
    const c = msg.content as Record<string, unknown>;
    const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
    switch (msg.header.msg_type) {
      case "stream":
        add({
          output_type: "stream",
          name: c.name === "stderr" ? "stderr" : "stdout",
          text: String(c.text ?? ""),
        });
        break;
      case "display_data": {
        const output: NotebookOutput = {
          output_type: "display_data",
          data: (c.data ?? {}) as OutputData,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        };
        add(output);
        if (displayId) displays.set(displayId, [...(displays.get(displayId) ?? []), output]);
        break;
      }
      case "update_display_data":
        for (const target of displayId ? displays.get(displayId) ?? [] : []) {
          if (target.output_type === "display_data") {
            target.data = (c.data ?? {}) as OutputData;
            target.metadata = (c.metadata ?? {}) as Record<string, unknown>;
          }
        }
        break;
      case "execute_result":
        add({
          output_type: "execute_result",
          execution_count: (c.execution_count as number | undefined) ?? null,
          data: (c.data ?? {}) as OutputData,
          metadata: (c.metadata ?? {}) as Record<string, unknown>,
        });
        break;
      case "error":
        add({
          output_type: "error",
          ename: String(c.ename ?? "Error"),
          evalue: String(c.evalue ?? ""),
          traceback: ((c.traceback as string[] | undefined) ?? []).map(String),
        });
        break;
      case "clear_output":
        if (c.wait) clearPending = true;
        else outputs = [];
        break;
    }
  }
  return outputs;
}

/**
 * Executes a parsed notebook (from `path`) in a new kernel (cwd = the notebook's folder) and
 * returns the executed copy. The runner parses and validates every notebook before running any
 * ({@linkcode parseNotebook}). Never throws for a cell error (see `status`/`failure`). The kernel
 * is always shut down.
 *
 * @example
 * ```ts
 * import { parseNotebook, runParsedNotebook } from "./execute.ts";
 * const path = "notebooks/01-proxy.ipynb";
 * const run = await runParsedNotebook(path, parseNotebook(await Deno.readTextFile(path), path), {
 *   env: { LTS_QUICK: "1" },
 * });
 * if (run.status === "failed") console.error(run.failure?.evalue);
 * ```
 */
export async function runParsedNotebook(
  path: string,
  source: Notebook,
  options: ExecuteNotebookOptions = {},
): Promise<NotebookRun> {
  const name = basename(path).replace(/\.ipynb$/, "");
  const notebook: Notebook = withCellIds(structuredClone(source), name);
  for (const cell of notebook.cells) {
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
  }
  const started = performance.now();
  const stderrTail: string[] = [];
  const failedRun = (failure: NotebookFailure): NotebookRun => ({
    name,
    path,
    status: "failed",
    notebook,
    durationMs: performance.now() - started,
    failure,
  });
  const kernelFailure = (e: unknown, cellIndex = -1, code = ""): NotebookRun =>
    failedRun({
      cellIndex,
      source: code,
      ename: "KernelError",
      evalue: (e as Error)?.message ?? String(e),
      traceback: stderrTail.map(stripAnsi),
    });
  let kernel;
  try {
    kernel = await startKernel({
      ...options.kernel,
      cwd: dirname(resolve(path)),
      env: options.env,
      clearEnv: options.clearEnv,
      onStderr: (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 20) stderrTail.shift();
        options.kernel?.onStderr?.(line);
      },
    });
  } catch (e) {
    return kernelFailure(e);
  }
  options.onProgress?.({ kind: "kernel-started", name, startMs: performance.now() - started });
  try {
    const displays = new Map<string, NotebookOutput[]>();
    const codeCells = notebook.cells.filter((c) => c.cell_type === "code").length;
    let codeCell = 0;
    for (const [cellIndex, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      const code = joinSource(cell.source);
      codeCell++;
      if (code.trim() === "") continue;
      options.onProgress?.({ kind: "cell-start", name, cellIndex, codeCell, codeCells });
      const cellStarted = performance.now();
      let result;
      try {
        result = await kernel.execute(code, { timeoutMs: options.cellTimeoutMs });
      } catch (e) {
        return kernelFailure(e, cellIndex, code);
      }
      const durationMs = performance.now() - cellStarted;
      cell.outputs = outputsFromMessages(result.outputs, displays);
      cell.execution_count = result.executionCount;
      cell.metadata = { ...cell.metadata, lts: { durationMs: Math.round(durationMs) } };
      options.onProgress?.({
        kind: "cell-done",
        name,
        cellIndex,
        durationMs,
        status: result.status,
      });
      if (result.status !== "ok") {
        const error = result.error ?? { ename: "Error", evalue: result.status, traceback: [] };
        return failedRun({
          cellIndex,
          source: code,
          ename: error.ename,
          evalue: stripAnsi(error.evalue),
          traceback: error.traceback.map(stripAnsi),
        });
      }
    }
    return { name, path, status: "ok", notebook, durationMs: performance.now() - started };
  } finally {
    await kernel.shutdown();
  }
}

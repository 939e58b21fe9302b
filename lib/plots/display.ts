/**
 * Jupyter display wrappers: values that the Deno kernel shows as a MIME bundle (through
 * `Symbol.for("Jupyter.display")`), and that the report renders the same way. Works outside the
 * kernel too (then {@linkcode display} prints a text line instead).
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { plotDocument } from "./document.ts";

/** The symbol the Deno kernel looks for on a cell's value (`Symbol.for("Jupyter.display")`). */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display") as never;

/** A Jupyter MIME bundle: MIME type → data (strings, or objects for JSON types). */
export type MimeBundle = Record<string, string | object>;

/** A value the kernel displays as its bundle. */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle;
}

/** The SVG namespace. */
export const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * Wraps a MIME bundle so that it displays as itself (as the last expression of a cell, or via
 * {@linkcode display}).
 *
 * @example
 * ```ts
 * import { displayable } from "./display.ts";
 * displayable({ "text/html": "<b>hi</b>", "text/plain": "hi" }); // shows bold "hi" in a notebook
 * ```
 */
export function displayable(bundle: MimeBundle): Displayable {
  const frozen = Object.freeze({ ...bundle });
  return { [JUPYTER_DISPLAY]: () => frozen };
}

/**
 * Whether a value is {@linkcode Displayable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayable, isDisplayable } from "./display.ts";
 * assert.equal(isDisplayable(displayable({ "text/plain": "x" })), true);
 * ```
 */
export function isDisplayable(value: unknown): value is Displayable {
  return value !== null && typeof value === "object" &&
    typeof (value as Record<symbol, unknown>)[JUPYTER_DISPLAY] === "function";
}

/**
 * The MIME bundle of a displayable value (its own bundle; a plain bundle is returned as is).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bundleOf, displayable } from "./display.ts";
 * assert.deepEqual(bundleOf(displayable({ "text/plain": "x" })), { "text/plain": "x" });
 * ```
 */
export function bundleOf(value: Displayable | MimeBundle): MimeBundle {
  return isDisplayable(value) ? value[JUPYTER_DISPLAY]() : value;
}

/** The parts of a DOM element that {@linkcode elementBundle} reads. */
export interface ElementLike {
  tagName: string;
  outerHTML: string;
  setAttribute(name: string, value: string): void;
  querySelectorAll(selector: string): ArrayLike<{ setAttribute(n: string, v: string): void }>;
}

/**
 * The bundle for a rendered element: a standalone `<svg>` becomes `image/svg+xml` (with `xmlns`),
 * anything else (Plot's `<figure>` when there is a title or legend) becomes `text/html`.
 * Sets `xmlns` on every `<svg>` in the element.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as Plot from "@observablehq/plot";
 * import { plotDocument } from "./document.ts";
 * import { elementBundle } from "./display.ts";
 * const el = Plot.dot([[1, 2]]).plot({ document: plotDocument() });
 * assert.deepEqual(Object.keys(elementBundle(el as never)), ["image/svg+xml", "text/plain"]);
 * ```
 */
export function elementBundle(element: ElementLike): MimeBundle {
  const isSvg = element.tagName.toLowerCase() === "svg";
  if (isSvg) element.setAttribute("xmlns", SVG_NS);
  for (const svg of Array.from(element.querySelectorAll("svg"))) svg.setAttribute("xmlns", SVG_NS);
  const html = element.outerHTML;
  return isSvg
    ? { "image/svg+xml": html, "text/plain": "[SVG figure]" }
    : { "text/html": html, "text/plain": `[${element.tagName.toLowerCase()} figure]` };
}

/**
 * Renders an Observable Plot into a displayable value (same options as `Plot.plot`; the document
 * is supplied).
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plot } from "./display.ts";
 * plot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })], x: { label: "latency (ms)" } });
 * ```
 */
export function plot(options: Plot.PlotOptions): Displayable {
  const element = Plot.plot({ ...options, document: plotDocument() });
  return displayable(elementBundle(element as unknown as ElementLike));
}

/** Options for {@linkcode display}. */
export interface DisplayOptions {
  /** Display id, to update this output later. */
  displayId?: string;
  /** Replace the output with `displayId` instead of adding a new one. */
  update?: boolean;
}

interface JupyterApi {
  display(
    obj: unknown,
    options?: { raw?: boolean; update?: boolean; display_id?: string },
  ): Promise<
    void
  >;
}

/**
 * The kernel's `Deno.jupyter`, or `undefined` outside `deno jupyter` (where even reading it throws).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jupyterApi } from "./display.ts";
 * assert.equal(jupyterApi(), undefined); // outside a Jupyter kernel (`deno run`, `deno test`)
 * ```
 */
export function jupyterApi(): JupyterApi | undefined {
  try {
    const api = (Deno as unknown as { jupyter?: JupyterApi }).jupyter;
    return typeof api?.display === "function" ? api : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether this code runs inside the Deno Jupyter kernel.
 *
 * @example
 * ```ts
 * import { inKernel } from "./display.ts";
 * if (!inKernel()) console.error("not in a notebook");
 * ```
 */
export function inKernel(): boolean {
  return jupyterApi() !== undefined;
}

/**
 * Displays a value now (a new output, or an update of `displayId`). Outside the kernel it prints
 * the bundle's `text/plain` to stderr and resolves to `false`.
 *
 * @example
 * ```ts
 * import { display, displayable } from "./display.ts";
 * await display(displayable({ "text/plain": "step 1 of 3" }), { displayId: "status" });
 * await display(displayable({ "text/plain": "step 2 of 3" }), { displayId: "status", update: true });
 * ```
 */
export async function display(
  value: Displayable | MimeBundle,
  options: DisplayOptions = {},
): Promise<boolean> {
  const bundle = bundleOf(value);
  const api = jupyterApi();
  if (!api) {
    const text = bundle["text/plain"];
    if (typeof text === "string") console.error(text);
    return false;
  }
  await api.display(bundle, {
    raw: true,
    update: options.update ?? false,
    ...(options.displayId ? { display_id: options.displayId } : {}),
  });
  return true;
}

/**
 * Shows values as outputs of the running cell, and returns only once the kernel has sent them.
 * End a notebook cell with `await show(x)` rather than a bare `x`: the Deno 2.9 kernel publishes
 * a cell's last value (and flushes `console.log` text) after it has told the client that the
 * cell finished, so clients that stop listening then (nbclient, JupyterLab, the classic
 * notebook) lose the output or show it under the next cell. An awaited display is sent before
 * the cell ends; the short pause afterwards lets text printed earlier in the cell go out first.
 * Outside the kernel, each value's `text/plain` is printed to stdout.
 *
 * @example
 * ```ts
 * import { displayable, show } from "./display.ts";
 * await show(displayable({ "text/plain": "measured 12 models" }));
 * ```
 */
export async function show(...values: (Displayable | MimeBundle)[]): Promise<void> {
  const api = jupyterApi();
  for (const value of values) {
    const bundle = bundleOf(value);
    if (api) await api.display(bundle, { raw: true });
    else if (typeof bundle["text/plain"] === "string") console.log(bundle["text/plain"]);
  }
  // Captured stdout/stderr reach iopub through a queue the kernel drains on its own schedule;
  // one timer turn gives it the chance before the cell's reply (measured: 40 of 40 kept with
  // nbclient 0.7, 39 of 40 without).
  if (api) await new Promise((resolve) => setTimeout(resolve, 1));
}

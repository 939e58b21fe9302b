/**
 * Plot helpers for the notebooks: Observable Plot figures, Arquero tables, a rotatable 3-D
 * scatter and live progress, all as values the Deno Jupyter kernel displays and the static report
 * renders identically. In a notebook, end a cell with `await show(value)` (see
 * {@linkcode show}): the Deno kernel sends a bare last value too late for most Jupyter clients.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plot, show, table } from "./mod.ts";
 * await show(plot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })] }));
 * await show(table([{ arch: "a", latencyMs: 12.5 }]));
 * ```
 *
 * @module
 */
export * from "./document.ts";
export * from "./display.ts";
export * from "./table.ts";
export * from "./scatter3d.ts";
export * from "./progress.ts";
export * from "./markdown.ts";

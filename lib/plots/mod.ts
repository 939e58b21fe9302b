/**
 * Plot helpers for the notebooks: Observable Plot figures, Arquero tables, a rotatable 3-D
 * scatter and live progress, all as values the Deno Jupyter kernel displays and the static report
 * renders identically.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plot, table } from "./mod.ts";
 * plot({ marks: [Plot.dot([{ x: 1, y: 2 }], { x: "x", y: "y" })] });
 * table([{ arch: "a", latencyMs: 12.5 }]);
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

/**
 * The notebook runner behind `deno task report`: a Jupyter client for the Deno kernel, notebook
 * execution, and static HTML pages.
 *
 * @example
 * ```ts
 * import { runReport } from "./mod.ts";
 * const { exitCode } = await runReport({ quick: true, outDir: "reports" });
 * ```
 *
 * @module
 */
export * from "./connection.ts";
export * from "./kernel.ts";
export * from "./execute.ts";
export * from "./html.ts";
export * from "./index_page.ts";
export { describeFailure, kernelEnv, listNotebooks, main, runReport } from "./main.ts";
export type { ReportOptions, ReportResult } from "./main.ts";

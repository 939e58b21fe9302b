/**
 * Where the project lives, independent of the working directory (notebooks run in `notebooks/`).
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The project root: the folder holding `deno.json`.
 *
 * @example
 * ```ts
 * import { PROJECT_ROOT } from "./paths.ts";
 * console.log(PROJECT_ROOT); // e.g. "/work/main"
 * ```
 */
export const PROJECT_ROOT: string = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

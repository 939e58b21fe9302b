/**
 * Where the published LiteTransformerSearch benchmark lives, and what its folder names mean.
 *
 * The benchmark is archai's `saved_logs` folder (microsoft/archai, branch `neurips-lts`, folder
 * `archai/nlp/nas/saved_logs`, MIT licence). It is read in place, never copied into this
 * repository: from `--saved-logs`, else the environment variable `LTS_SAVED_LOGS`, else
 * `../shared/archai-lts-saved-logs` next to the project root.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../util/paths.ts";
export { PROJECT_ROOT };
import type { Backbone } from "../arch/types.ts";
import { InputError } from "../util/errors.ts";

/**
 * The environment variable that names the saved-logs folder.
 *
 * @example
 * ```ts
 * import { SAVED_LOGS_ENV } from "./paths.ts";
 * Deno.env.get(SAVED_LOGS_ENV); // e.g. "/data/archai/nlp/nas/saved_logs", or undefined
 * ```
 */
export const SAVED_LOGS_ENV = "LTS_SAVED_LOGS";

/**
 * Where users get the benchmark, for error messages and docs.
 *
 * @example
 * ```ts
 * import { SAVED_LOGS_SOURCE } from "./paths.ts";
 * console.error(`get the benchmark from ${SAVED_LOGS_SOURCE}`);
 * ```
 */
export const SAVED_LOGS_SOURCE = "the microsoft/archai repository, branch neurips-lts, " +
  "folder archai/nlp/nas/saved_logs (MIT licence)";

/**
 * The default saved-logs folder: `../shared/archai-lts-saved-logs` relative to the project root.
 *
 * @example
 * ```ts
 * import { DEFAULT_SAVED_LOGS_DIR } from "./paths.ts";
 * console.log(DEFAULT_SAVED_LOGS_DIR); // e.g. "/work/shared/archai-lts-saved-logs"
 * ```
 */
export const DEFAULT_SAVED_LOGS_DIR: string = join(PROJECT_ROOT, "../shared/archai-lts-saved-logs");

/**
 * Resolves the saved-logs folder: the flag value if given, else `$LTS_SAVED_LOGS`, else
 * {@linkcode DEFAULT_SAVED_LOGS_DIR}. Throws {@linkcode InputError} (naming where the path came
 * from and where to get the benchmark) when it is not an existing folder.
 *
 * @example
 * ```ts
 * import { resolveSavedLogsDir } from "./paths.ts";
 * const dir = await resolveSavedLogsDir(); // the default, if it exists
 * ```
 */
export async function resolveSavedLogsDir(flag?: string): Promise<string> {
  let dir: string;
  let origin: string;
  const fromEnv = Deno.env.get(SAVED_LOGS_ENV);
  if (flag !== undefined) {
    dir = resolve(flag);
    origin = "--saved-logs";
  } else if (fromEnv !== undefined && fromEnv !== "") {
    dir = resolve(fromEnv);
    origin = `$${SAVED_LOGS_ENV}`;
  } else {
    dir = DEFAULT_SAVED_LOGS_DIR;
    origin = "saved logs (default location)";
  }
  let problem: string | undefined;
  try {
    if (!(await Deno.stat(dir)).isDirectory) problem = "not a folder";
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new InputError(`${origin}: ${dir}: cannot read (${(e as Error).message})`);
    }
    problem = "no such folder";
  }
  if (problem !== undefined) {
    throw new InputError(
      `${origin}: ${dir}: ${problem}; get the published benchmark from ${SAVED_LOGS_SOURCE} ` +
        `and pass --saved-logs DIR or set ${SAVED_LOGS_ENV}`,
    );
  }
  return dir;
}

/** Random sets hold trained random architectures; Pareto sets the searched models of one device. */
export type SetKind = "random" | "pareto";

/** What a set's folder name says about it. */
export interface SetInfo {
  /** The folder name, e.g. `pareto_TransXL_lm1b_corei7`. */
  set: string;
  kind: SetKind;
  backbone: Backbone;
  /** `wt103` (WikiText-103) or `lm1b` (One Billion Word). */
  dataset: string;
  /** Target device of a Pareto set (`arm`, `corei7`, `titanxp`); null for random sets. */
  device: string | null;
  /** Whether every layer shares one `nHead`/`dInner` (the `_homogeneous` sets). */
  homogeneous: boolean;
}

const SET_NAME =
  /^(random|pareto)_(GPT2|TransXL)_(wt103|lm1b)(?:_(arm|corei7|titanxp))?(_homogeneous)?$/;

/**
 * Parses a set folder name (`random_GPT2_wt103`, `pareto_TransXL_lm1b_corei7`,
 * `random_TransXL_wt103_homogeneous`). Returns undefined for names that are not sets; a Pareto
 * set must name its device and a random set must not.
 *
 * @example
 * ```ts
 * import { parseSetName } from "./paths.ts";
 * parseSetName("pareto_TransXL_lm1b_corei7");
 * // { set: "pareto_TransXL_lm1b_corei7", kind: "pareto", backbone: "transformer-xl",
 * //   dataset: "lm1b", device: "corei7", homogeneous: false }
 * ```
 */
export function parseSetName(name: string): SetInfo | undefined {
  const m = SET_NAME.exec(name);
  if (!m) return undefined;
  const kind = m[1] as SetKind;
  const device = m[4] ?? null;
  if ((kind === "pareto") !== (device !== null)) return undefined;
  return {
    set: name,
    kind,
    backbone: m[2] === "GPT2" ? "gpt2" : "transformer-xl",
    dataset: m[3],
    device,
    homogeneous: m[5] !== undefined,
  };
}

/**
 * The folder of a model inside its set, from its summary id: `config_N_jM` → `config_N/jM`,
 * `M<i>` → `M<i>`. Undefined for ids of neither form.
 *
 * @example
 * ```ts
 * import { modelFolder } from "./paths.ts";
 * modelFolder("config_3_j7"); // "config_3/j7"
 * modelFolder("M12"); // "M12"
 * ```
 */
export function modelFolder(modelId: string): string | undefined {
  const random = /^(config_\d+)_(j\d+)$/.exec(modelId);
  if (random) return `${random[1]}/${random[2]}`;
  if (/^M\d+$/.test(modelId)) return modelId;
  return undefined;
}

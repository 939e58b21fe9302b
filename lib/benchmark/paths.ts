/**
 * Where the published LiteTransformerSearch benchmark comes from, where this project keeps it,
 * and what its set and model names mean.
 *
 * The benchmark is archai's `saved_logs` folder ({@linkcode SAVED_LOGS_ORIGIN}: microsoft/archai,
 * branch `neurips-lts`, folder `archai/nlp/nas/saved_logs`, commit 4777041, MIT licence). The
 * repository ships a compact derived file of it, the pack `data/published/lts-saved-logs.jsonl`
 * ({@linkcode BUNDLED_PACK_PATH}, with archai's licence beside it), and reads that by default.
 * `--saved-logs PATH` or the environment variable `LTS_SAVED_LOGS` name another source: a raw
 * saved-logs folder (a folder) or a pack (a file).
 *
 * @module
 */
import { join, resolve } from "node:path";
import { PROJECT_ROOT } from "../util/paths.ts";
export { PROJECT_ROOT };
import type { Backbone } from "../arch/types.ts";
import { InputError } from "../util/errors.ts";

/**
 * The environment variable that names the benchmark source (a saved-logs folder or a pack).
 *
 * @example
 * ```ts
 * import { SAVED_LOGS_ENV } from "./paths.ts";
 * Deno.env.get(SAVED_LOGS_ENV); // e.g. "/data/archai/nlp/nas/saved_logs", or undefined
 * ```
 */
export const SAVED_LOGS_ENV = "LTS_SAVED_LOGS";

/** Where the published benchmark comes from: a folder of a git repository at one commit. */
export interface SavedLogsOrigin {
  /** GitHub `owner/name`. */
  repository: string;
  branch: string;
  /** The folder inside the repository. */
  folder: string;
  /** The commit the bundled pack was made from (abbreviated hash). */
  commit: string;
  /** SPDX name of the licence the folder is published under. */
  licence: string;
}

/**
 * The origin of the published benchmark, as recorded in the bundled pack's header.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SAVED_LOGS_ORIGIN } from "./paths.ts";
 * assert.equal(SAVED_LOGS_ORIGIN.commit, "4777041");
 * ```
 */
export const SAVED_LOGS_ORIGIN: Readonly<SavedLogsOrigin> = Object.freeze({
  repository: "microsoft/archai",
  branch: "neurips-lts",
  folder: "archai/nlp/nas/saved_logs",
  commit: "4777041",
  licence: "MIT",
});

/**
 * Where users get the raw benchmark, for error messages and docs.
 *
 * @example
 * ```ts
 * import { SAVED_LOGS_SOURCE } from "./paths.ts";
 * console.error(`get the benchmark from ${SAVED_LOGS_SOURCE}`);
 * ```
 */
export const SAVED_LOGS_SOURCE = `the ${SAVED_LOGS_ORIGIN.repository} repository, branch ` +
  `${SAVED_LOGS_ORIGIN.branch}, folder ${SAVED_LOGS_ORIGIN.folder} ` +
  `(${SAVED_LOGS_ORIGIN.licence} licence)`;

/**
 * The bundled pack, relative to the project root (for docs and help texts).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BUNDLED_PACK_FILE } from "./paths.ts";
 * assert.equal(BUNDLED_PACK_FILE, "data/published/lts-saved-logs.jsonl");
 * ```
 */
export const BUNDLED_PACK_FILE = "data/published/lts-saved-logs.jsonl";

/**
 * The bundled pack inside this repository: the default benchmark source.
 *
 * @example
 * ```ts
 * import { BUNDLED_PACK_PATH } from "./paths.ts";
 * console.log(BUNDLED_PACK_PATH); // e.g. "/work/main/data/published/lts-saved-logs.jsonl"
 * ```
 */
export const BUNDLED_PACK_PATH: string = join(PROJECT_ROOT, BUNDLED_PACK_FILE);

/** The two forms of the benchmark: archai's folder of YAML files, or this project's pack. */
export type BenchmarkSourceKind = "saved-logs" | "pack";

/** A resolved benchmark source. */
export interface ResolvedSource {
  /** Absolute path of the folder or file. */
  path: string;
  /** A folder is a raw saved-logs folder, a file a pack. */
  kind: BenchmarkSourceKind;
  /** Where the path came from (`--saved-logs`, `$LTS_SAVED_LOGS`, `bundled benchmark`). */
  origin: string;
}

/**
 * Resolves the benchmark source: the flag value if given, else `$LTS_SAVED_LOGS`, else
 * {@linkcode BUNDLED_PACK_PATH}. A folder is read as a raw saved-logs folder, a file as a pack.
 * Throws {@linkcode InputError} (naming where the path came from and where to get the
 * benchmark) when the path does not exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveBenchmarkSource } from "./paths.ts";
 * const source = await resolveBenchmarkSource(); // the bundled pack, unless $LTS_SAVED_LOGS is set
 * assert.equal(source.kind, "pack");
 * ```
 */
export async function resolveBenchmarkSource(flag?: string): Promise<ResolvedSource> {
  let path: string;
  let origin: string;
  const fromEnv = Deno.env.get(SAVED_LOGS_ENV);
  if (flag !== undefined) {
    path = resolve(flag);
    origin = "--saved-logs";
  } else if (fromEnv !== undefined && fromEnv !== "") {
    path = resolve(fromEnv);
    origin = `$${SAVED_LOGS_ENV}`;
  } else {
    path = BUNDLED_PACK_PATH;
    origin = "bundled benchmark";
  }
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) {
      throw new InputError(`${origin}: ${path}: cannot read (${(e as Error).message})`);
    }
    const fix = origin === "bundled benchmark"
      ? `restore ${BUNDLED_PACK_FILE} (git checkout), or pass --saved-logs or set ${SAVED_LOGS_ENV}`
      : `pass a saved-logs folder (from ${SAVED_LOGS_SOURCE}) or a benchmark pack`;
    throw new InputError(`${origin}: ${path}: no such file or folder; ${fix}`);
  }
  return { path, kind: stat.isDirectory ? "saved-logs" : "pack", origin };
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
 * import assert from "node:assert/strict";
 * import { modelFolder } from "./paths.ts";
 * assert.equal(modelFolder("config_3_j7"), "config_3/j7");
 * assert.equal(modelFolder("M12"), "M12");
 * ```
 */
export function modelFolder(modelId: string): string | undefined {
  const random = /^(config_\d+)_(j\d+)$/.exec(modelId);
  if (random) return `${random[1]}/${random[2]}`;
  if (/^M\d+$/.test(modelId)) return modelId;
  return undefined;
}

/**
 * The natural order of model ids: `config_2_j10` after `config_2_j9`, `M10` after `M9`. This is
 * the order of {@linkcode modelFolder}-style ids in the loaded benchmark and in a pack.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareModelIds } from "./paths.ts";
 * assert.deepEqual(["M10", "M9", "M1"].sort(compareModelIds), ["M1", "M9", "M10"]);
 * ```
 */
export function compareModelIds(a: string, b: string): number {
  const na = (a.match(/\d+/g) ?? []).map(Number);
  const nb = (b.match(/\d+/g) ?? []).map(Number);
  for (let i = 0; i < Math.min(na.length, nb.length); i++) {
    if (na[i] !== nb[i]) return na[i] - nb[i];
  }
  return na.length - nb.length || compareText(a, b);
}

/**
 * Code-unit order of strings (as `Array.prototype.sort` without a comparator), independent of
 * the locale: the order of set names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareText } from "./paths.ts";
 * assert.equal(["random_GPT2_wt103", "pareto_GPT2_lm1b_arm"].sort(compareText)[0], "pareto_GPT2_lm1b_arm");
 * ```
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

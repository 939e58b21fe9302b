/**
 * The architectures printed in the papers (OPT-350M comparison, text-prediction case study).
 * They are facts from the papers, kept in the repository as data files with their source cited
 * inside (`data/paper-archs/`); `$LTS_PAPER_ARCHS` or a given folder may point elsewhere.
 *
 * @module
 */
import { join } from "node:path";
import type { Arch } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { countParams } from "../params/count.ts";
import { PROJECT_ROOT } from "../util/paths.ts";
import { errorLine, InputError } from "../util/errors.ts";

/** One named architecture with the figures the paper printed for it. */
export interface PaperArch {
  name: string;
  arch: Arch;
  /** Every other field of the record (paper latencies, parameter counts …), as printed. */
  paper: Record<string, unknown>;
}

/** A file of paper architectures. */
export interface PaperArchSet {
  source: string;
  models: PaperArch[];
  /** Top-level fields besides `source` and `models` (e.g. `paperQuality`). */
  extra: Record<string, unknown>;
}

/** The environment variable naming the folder of paper architectures. */
export const PAPER_ARCHS_ENV = "LTS_PAPER_ARCHS";

/** The bundled folder of paper architectures, inside the repository. */
export const BUNDLED_PAPER_ARCHS_DIR: string = join(PROJECT_ROOT, "data", "paper-archs");

/**
 * The folder: `dir`, else `$LTS_PAPER_ARCHS` (when set and not empty), else the bundled
 * {@linkcode BUNDLED_PAPER_ARCHS_DIR}.
 *
 * @example
 * ```ts
 * import { BUNDLED_PAPER_ARCHS_DIR, paperArchsDir } from "./paper_archs.ts";
 * import assert from "node:assert/strict";
 * assert.equal(paperArchsDir("/elsewhere"), "/elsewhere");
 * if (!Deno.env.get("LTS_PAPER_ARCHS")) assert.equal(paperArchsDir(), BUNDLED_PAPER_ARCHS_DIR);
 * ```
 */
export function paperArchsDir(dir?: string): string {
  return dir ?? (Deno.env.get(PAPER_ARCHS_ENV) || BUNDLED_PAPER_ARCHS_DIR);
}

/**
 * Reads and validates one paper-architecture file (`opt350m-comparison.json`,
 * `text-predictor.json`). Errors name the file and the model.
 *
 * @example
 * ```ts
 * import { loadPaperArchs } from "./paper_archs.ts";
 * const opt = await loadPaperArchs("opt350m-comparison.json");
 * opt.models[0].name; // "OPT-350M baseline"
 * ```
 */
export async function loadPaperArchs(file: string, dir?: string): Promise<PaperArchSet> {
  const path = join(paperArchsDir(dir), file);
  let raw: unknown;
  try {
    raw = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new InputError(
        `${path}: not found (the bundled files are in ${BUNDLED_PAPER_ARCHS_DIR}; ` +
          `${PAPER_ARCHS_ENV} points to another folder)`,
      );
    }
    throw new InputError(`${path}: ${errorLine(e)}`);
  }
  const record = raw as Record<string, unknown>;
  if (!record || typeof record !== "object" || !Array.isArray(record.models)) {
    throw new InputError(`${path}: expected an object with a "models" array`);
  }
  const models = record.models.map((m: Record<string, unknown>, i: number) => {
    const name = typeof m?.name === "string" ? m.name : `models[${i}]`;
    const { name: _, arch, ...paper } = m ?? {};
    return { name, arch: validateArch(arch, `${path}: ${name}`), paper };
  });
  const { source, models: _, ...extra } = record;
  return { source: String(source ?? ""), models, extra };
}

/** The shape and parameter counts of one paper architecture, for a table row. */
export type PaperArchCounts = {
  name: string;
  nLayer: number;
  dModel: number;
  /** n_head and d_inner of the first layer: the papers' architectures are homogeneous. */
  nHead: number;
  dInner: number;
  decoderParams: number;
  totalParams: number;
};

/**
 * The shape and counts of a paper architecture (its first layer's n_head and d_inner stand for
 * all: the papers' tables list homogeneous models).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { paperArchCounts } from "./paper_archs.ts";
 * import { validateArch } from "../arch/validate.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
 * const row = paperArchCounts({ name: "tiny", arch, paper: {} });
 * assert.deepEqual([row.nLayer, row.nHead, row.dInner], [2, 2, 128]);
 * assert.ok(row.totalParams > row.decoderParams);
 * ```
 */
export function paperArchCounts(m: PaperArch): PaperArchCounts {
  const c = countParams(m.arch);
  return {
    name: m.name,
    nLayer: m.arch.nLayer,
    dModel: m.arch.dModel,
    nHead: m.arch.nHead[0],
    dInner: m.arch.dInner[0],
    decoderParams: c.decoderParams,
    totalParams: c.totalParams,
  };
}

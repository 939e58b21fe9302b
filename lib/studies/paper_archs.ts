/**
 * The architectures printed in the papers (OPT-350M comparison, text-prediction case study),
 * read from `../shared/paper-archs` (or `$LTS_PAPER_ARCHS`, or a given folder).
 *
 * @module
 */
import { join } from "node:path";
import type { Arch } from "../arch/types.ts";
import { validateArch } from "../arch/validate.ts";
import { PROJECT_ROOT } from "../util/paths.ts";
import { InputError } from "../util/errors.ts";

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

/**
 * The folder: `dir`, else `$LTS_PAPER_ARCHS`, else `../shared/paper-archs` beside the project.
 *
 * @example
 * ```ts
 * import { paperArchsDir } from "./paper_archs.ts";
 * paperArchsDir(); // e.g. "/work/shared/paper-archs"
 * ```
 */
export function paperArchsDir(dir?: string): string {
  return dir ?? Deno.env.get(PAPER_ARCHS_ENV) ?? join(PROJECT_ROOT, "../shared/paper-archs");
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
      throw new InputError(`${path}: not found (set ${PAPER_ARCHS_ENV} to the paper-archs folder)`);
    }
    throw new InputError(`${path}: ${(e as Error).message.split("\n")[0]}`);
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

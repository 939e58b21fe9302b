/**
 * `lts benchmark-pack`: makes the benchmark pack (the compact JSON-lines form of archai's
 * `saved_logs` that the repository ships as `data/published/lts-saved-logs.jsonl`) from a raw
 * saved-logs folder, atomically.
 *
 * @module
 */
import { resolve } from "node:path";
import { makePack } from "../benchmark/make_pack.ts";
import { PACK_FORMAT } from "../benchmark/pack.ts";
import { BUNDLED_PACK_FILE, SAVED_LOGS_ORIGIN } from "../benchmark/paths.ts";
import { errorLine, InputError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: deno task lts benchmark-pack DIR --out FILE [--force] [--commit REV]

Reads archai's saved_logs folder DIR (from ${SAVED_LOGS_ORIGIN.repository}, branch
${SAVED_LOGS_ORIGIN.branch}, folder ${SAVED_LOGS_ORIGIN.folder}; it must hold the MIT LICENSE) and
writes it as a benchmark pack: one JSON header line (format ${PACK_FORMAT}, source
repository/branch/folder/commit, licence, counts), then one line per model, sorted by set and
model id, with the model_config.yaml fields this project reads and the model's entry in each
summary (null where a summary has none). The same folder always gives the same bytes. The
folder is loaded first (anything the loader rejects stops the command) and the pack is read
back and compared before it is written. Prints one JSON line: {"path", "sets", "models",
"bytes"}; gaps the loader tolerates are listed on stderr.

Options:
  --out FILE    where to write (required). Written atomically (temporary file + rename in the
                same folder). An existing pack is replaced; any other existing file only with
                --force.
  --force       overwrite an existing FILE that is not a benchmark pack
  --commit REV  the archai commit DIR was taken at, recorded in the header
                (default ${SAVED_LOGS_ORIGIN.commit})
  -h, --help    this text

The bundled pack is ${BUNDLED_PACK_FILE}. To regenerate it, or to check it byte for
byte:
  deno task lts benchmark-pack path/to/saved_logs --out ${BUNDLED_PACK_FILE}
  deno task lts benchmark-pack path/to/saved_logs --out /tmp/lts.jsonl
  cmp /tmp/lts.jsonl ${BUNDLED_PACK_FILE}`;

/** Bytes read from an existing --out file to see whether it is a pack. */
const HEADER_PROBE_BYTES = 64 * 1024;

/**
 * Whether an existing file starts with a pack header line (so that it may be replaced).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPackFile } from "./benchmark_pack.ts";
 * import { BUNDLED_PACK_PATH } from "../benchmark/paths.ts";
 * assert.equal(await isPackFile(BUNDLED_PACK_PATH), true);
 * ```
 */
export async function isPackFile(path: string): Promise<boolean> {
  let file: Deno.FsFile | undefined;
  try {
    file = await Deno.open(path, { read: true });
    const buffer = new Uint8Array(HEADER_PROBE_BYTES);
    let filled = 0;
    while (filled < buffer.length) {
      const n = await file.read(buffer.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    const text = new TextDecoder().decode(buffer.subarray(0, filled));
    const header = JSON.parse(text.split("\n")[0]);
    return header !== null && typeof header === "object" && header.format === PACK_FORMAT;
  } catch {
    return false;
  } finally {
    file?.close();
  }
}

/** What is at the --out path now. */
async function outKind(path: string): Promise<"none" | "folder" | "file"> {
  try {
    return (await Deno.stat(path)).isDirectory ? "folder" : "file";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return "none";
    throw new InputError(`--out: ${path}: cannot read (${errorLine(e)})`);
  }
}

/** Checks DIR before the work starts: an existing folder. */
async function checkDir(dir: string): Promise<void> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(dir);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      throw new InputError(`DIR: ${dir}: no such folder`);
    }
    throw new InputError(`DIR: ${dir}: cannot read (${errorLine(e)})`);
  }
  if (!stat.isDirectory) {
    throw new InputError(`DIR: ${dir}: not a folder (expected archai's saved_logs folder)`);
  }
}

/**
 * The `benchmark-pack` command.
 *
 * @example
 * ```ts
 * import { command } from "./benchmark_pack.ts";
 * const code = await command.run(["path/to/saved_logs", "--out", "/tmp/lts-saved-logs.jsonl"]);
 * ```
 */
export const command: Command = {
  name: "benchmark-pack",
  summary: "write archai's saved_logs folder as the compact benchmark pack (JSON lines)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      out: { type: "string" },
      force: { type: "boolean" },
      commit: { type: "string" },
    });
    if (positionals.length !== 1) {
      throw new InputError(
        positionals.length === 0
          ? "DIR: missing (archai's saved_logs folder)"
          : `unexpected argument ${JSON.stringify(positionals[1])}`,
      );
    }
    if (typeof values.out !== "string" || values.out === "") {
      throw new InputError("--out: missing (the pack file to write)");
    }
    const commit = values.commit;
    if (commit !== undefined && (typeof commit !== "string" || !/^[0-9a-f]{7,40}$/.test(commit))) {
      throw new InputError(
        `--commit: expected a git commit hash (7 to 40 hex digits), got ${JSON.stringify(commit)}`,
      );
    }
    const dir = resolve(positionals[0]);
    const out = resolve(values.out);
    await checkDir(dir);
    const existing = await outKind(out);
    if (existing === "folder") throw new InputError(`--out: ${out}: is a folder`);
    if (existing === "file" && values.force !== true && !(await isPackFile(out))) {
      throw new InputError(
        `--out: ${out}: exists and is not a benchmark pack; pass --force to overwrite it`,
      );
    }
    const made = await makePack(dir, { commit });
    try {
      await writeFileAtomic(out, made.text);
    } catch (e) {
      throw new InputError(`--out: cannot write ${out} (${errorLine(e)})`);
    }
    for (const line of made.benchmark.warnings) {
      console.error(`lts benchmark-pack: warning: ${line}`);
    }
    console.log(JSON.stringify({
      path: out,
      sets: made.header.sets,
      models: made.header.models,
      bytes: new TextEncoder().encode(made.text).length,
    }));
    return 0;
  },
};

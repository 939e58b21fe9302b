/**
 * `deno task lts export`: writes a model picked from a search run as ArchConfig JSON, an
 * archai-style model_config.yaml, or an ONNX model.
 *
 * @module
 */
import { type Dialect, DIALECTS, emitGpt2, usesExternalData } from "../onnx/mod.ts";
import {
  archaiYaml,
  archJson,
  checkExportOutput,
  defaultOnnxExportPath,
  EXPORT_FORMATS,
  exportOnnx,
  findCandidate,
} from "../search/export.ts";
import { loadRun } from "../search/run_dir.ts";
import { errorLine, InputError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { choiceFlag, numberFlag, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";

const HELP = `Usage: deno task lts export RUN_DIR --id ID --format json|yaml|onnx [--out PATH]
                            [--dialect portable|fast] [--seed N] [--force]

Writes one candidate of a search run (its id from candidates.jsonl, frontier.jsonl or the
search's output; a unique prefix of 4+ characters is enough; every record of the run is checked,
and an id must be its architecture's hash, 16 hex digits):
  json   the compact ArchConfig JSON (what every lts command reads)
  yaml   an archai-style model_config.yaml (snake_case; cutoffs end with n_token; d_embed, div_val)
  onnx   the ONNX model (gpt2 backbone, any embedding) with seeded random weights; weights over
         1 MiB go to PATH.data beside it

Options:
  --out PATH     where to write; json and yaml go to standard output without it, onnx defaults to
                 RUN_DIR/exports/ID.onnx. An existing file is replaced only if lts wrote it
                 (an ArchConfig JSON, a model_config.yaml, or an ONNX model whose metadata has
                 lts.* keys and the .data file it references)
  --force        replace the file (and PATH.data) whatever it holds
  --dialect D    onnx graph dialect: ${DIALECTS.join(" or ")} (default: the run's dialect)
  --seed N       onnx weight seed (default 0)
  -h, --help     this text

When writing a file, prints one JSON line: {"id", "format", "path", "bytes"}.

Examples:
  deno task lts export data/runs/gpt2-evo --id 3f2a9c0d --format yaml
  deno task lts export data/runs/gpt2-evo --id 3f2a9c0d --format onnx --out data/models/pick.onnx`;

/** The `export` command. */
export const command: Command = {
  name: "export",
  summary: "write a model picked from a search run as JSON, model_config.yaml or ONNX",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      id: { type: "string" },
      format: { type: "string" },
      out: { type: "string" },
      dialect: { type: "string" },
      seed: { type: "string" },
      force: { type: "boolean" },
    });
    if (positionals.length !== 1) {
      throw new InputError(
        positionals.length === 0 ? "RUN_DIR: missing" : `unexpected argument ${positionals[1]}`,
      );
    }
    if (typeof values.id !== "string" || values.id === "") throw new InputError("--id: missing");
    if (values.format === undefined) {
      throw new InputError(`--format: missing (one of ${EXPORT_FORMATS.join(", ")})`);
    }
    const format = choiceFlag(values, "format", EXPORT_FORMATS, "json");
    const seed = numberFlag(values, "seed", 0, { integer: true, min: 0, max: 2 ** 53 - 1 });
    const out = typeof values.out === "string" && values.out !== "" ? values.out : undefined;
    const force = values.force === true;
    if (format !== "onnx" && (values.dialect !== undefined || values.seed !== undefined)) {
      throw new InputError(`--${values.dialect !== undefined ? "dialect" : "seed"}: onnx only`);
    }
    const dir = positionals[0];
    const run = await loadRun(dir);
    const record = findCandidate(run.records, values.id);
    const arch = record.arch; // validated by loadRun
    if (format === "onnx") {
      const runDialect = run.config.profile?.dialect;
      const fallback = DIALECTS.includes(runDialect as never) ? runDialect as Dialect : "portable";
      const dialect = choiceFlag(values, "dialect", DIALECTS, fallback);
      // Without --out the path is built from the id: checked to be a hash that stays inside
      // RUN_DIR/exports (loadRun accepts no other id; this is the second line of defence).
      const path = out ?? defaultOnnxExportPath(dir, record.id);
      const writesData = usesExternalData(emitGpt2(arch, { dialect, seed }).initializers);
      await checkExportOutput(path, format, { force, writesData });
      const written = await exportOnnx(arch, path, { dialect, seed });
      console.log(JSON.stringify({
        id: record.id,
        format,
        path: written.onnxPath,
        dataPath: written.dataPath,
        bytes: written.onnxBytes + written.dataBytes,
      }));
      return 0;
    }
    const text = format === "json" ? archJson(arch) : archaiYaml(arch);
    if (out === undefined) {
      await Deno.stdout.write(new TextEncoder().encode(text));
      return 0;
    }
    await checkExportOutput(out, format, { force });
    try {
      await writeFileAtomic(out, text);
    } catch (e) {
      throw new InputError(`--out: cannot write ${out} (${errorLine(e)})`);
    }
    console.log(
      JSON.stringify({
        id: record.id,
        format,
        path: out,
        bytes: new TextEncoder().encode(text).length,
      }),
    );
    return 0;
  },
};

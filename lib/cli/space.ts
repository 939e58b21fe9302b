/**
 * `deno task lts space`: list the search-space presets, sample architectures from one, count
 * its architectures exactly, or check which architectures lie inside it.
 *
 * @module
 */
import { compactArch } from "../arch/validate.ts";
import { getSpace, isPresetName, listPresets, type SpaceOptions } from "../space/presets.ts";
import { whyNotInSpace } from "../space/contains.ts";
import { sampleArch } from "../space/ops.ts";
import { spaceSize } from "../space/size.ts";
import { PRESET_NAMES, type SearchSpace } from "../space/types.ts";
import { InputError } from "../util/errors.ts";
import { createRng } from "../util/rng.ts";
import { numberFlag, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";
import { readArchs } from "./input.ts";

const HELP = `Usage: deno task lts space --list
       deno task lts space --preset NAME [SPACE OPTIONS] --sample N [--seed S]
       deno task lts space --preset NAME [SPACE OPTIONS] --size
       deno task lts space --preset NAME [SPACE OPTIONS] --contains FILE|-

Search spaces of decoder-only architectures (presets: ${PRESET_NAMES.join(", ")}).

Modes (exactly one):
  --list            one JSON line per preset: {"preset", "backbone", "description"}
  --sample N        N random architectures of the space, one compact ArchConfig JSON line each
                    (every gene drawn uniformly from its valid values; draws may repeat)
  --size            {"preset", "homogeneous", "count", "log10"}: the exact number of distinct
                    valid architectures (count as a decimal string)
  --contains FILE   for each architecture of FILE (JSON, JSON lines, model_config.yaml; - for
                    standard input): {"record", "inSpace", "reason"?}

Space options:
  --preset NAME              lts-gpt2, lts-transformer-xl (LiteTransformerSearch), opt-350m
                             (its OPT-350M comparison), text-predictor (GPT-2 case study)
  --homogeneous              one n_head/d_inner for every layer
  --d-inner-ratio R          d_inner >= R·d_model (default 2.0; 0 for opt-350m; 0 = no bound)
  --min-decoder-params N     inclusive bounds on decoder parameters (text-predictor: 120e6 and
  --max-decoder-params N     180e6 by default; others: none)
  --vocab-size N             vocabulary size (default per preset)
  --seed S                   seed of --sample (default 0); the same seed gives the same output
  -h, --help                 this text

Examples:
  deno task lts space --list
  deno task lts space --preset lts-gpt2 --sample 5 --seed 1
  deno task lts space --preset lts-gpt2 --d-inner-ratio 1.7 --size
  deno task lts space --preset text-predictor --homogeneous --size
  deno task lts space --preset opt-350m --contains archs.jsonl`;

const MAX_SAMPLES = 1_000_000;

const FLAG_OF_OPTION: Readonly<Record<string, string>> = {
  dInnerRatio: "--d-inner-ratio",
  minDecoderParams: "--min-decoder-params",
  maxDecoderParams: "--max-decoder-params",
  vocabSize: "--vocab-size",
};

/** {@linkcode getSpace}, with option names in its errors replaced by the flags that set them. */
function spaceWithFlagNames(preset: string, options: SpaceOptions): SearchSpace {
  try {
    return getSpace(preset, options);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const message = e.message.replace(
      /\b(dInnerRatio|minDecoderParams|maxDecoderParams|vocabSize)\b/g,
      (name) => FLAG_OF_OPTION[name],
    );
    throw new InputError(message);
  }
}

/** The `space` command. */
export const command: Command = {
  name: "space",
  summary: "search-space presets: list, sample architectures, exact size, membership",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      list: { type: "boolean" },
      preset: { type: "string" },
      homogeneous: { type: "boolean" },
      "d-inner-ratio": { type: "string" },
      "min-decoder-params": { type: "string" },
      "max-decoder-params": { type: "string" },
      "vocab-size": { type: "string" },
      sample: { type: "string" },
      seed: { type: "string" },
      size: { type: "boolean" },
      contains: { type: "string" },
    });
    if (positionals.length > 0) {
      throw new InputError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    }
    const modes = (["list", "sample", "size", "contains"] as const).filter((m) =>
      values[m] !== undefined
    );
    if (modes.length !== 1) {
      throw new InputError(
        modes.length === 0
          ? "expected one of --list, --sample N, --size, --contains FILE"
          : `--${modes[0]} and --${modes[1]} cannot be combined`,
      );
    }
    const mode = modes[0];
    if (values.seed !== undefined && mode !== "sample") {
      throw new InputError("--seed: only with --sample");
    }
    if (mode === "list") {
      const used = Object.keys(values).filter((k) => k !== "list" && values[k] !== undefined);
      if (used.length > 0) throw new InputError(`--${used[0]}: not with --list`);
      for (const p of listPresets()) {
        console.log(
          JSON.stringify({ preset: p.name, backbone: p.backbone, description: p.description }),
        );
      }
      return 0;
    }

    if (typeof values.preset !== "string") {
      throw new InputError(`--preset: missing (one of ${PRESET_NAMES.join(", ")})`);
    }
    if (!isPresetName(values.preset)) {
      throw new InputError(
        `--preset: unknown ${JSON.stringify(values.preset)} (known: ${PRESET_NAMES.join(", ")})`,
      );
    }
    const options: SpaceOptions = { homogeneous: values.homogeneous === true };
    const ratio = numberFlag(values, "d-inner-ratio", undefined, { min: 0 });
    if (ratio !== undefined) options.dInnerRatio = ratio;
    const minParams = numberFlag(values, "min-decoder-params", undefined, { min: 0 });
    const maxParams = numberFlag(values, "max-decoder-params", undefined, { min: 0 });
    if (minParams !== undefined && maxParams !== undefined && minParams > maxParams) {
      throw new InputError(
        `--min-decoder-params: ${minParams} is above --max-decoder-params ${maxParams}`,
      );
    }
    if (minParams !== undefined) options.minDecoderParams = minParams;
    if (maxParams !== undefined) options.maxDecoderParams = maxParams;
    const vocabSize = numberFlag(values, "vocab-size", undefined, { min: 1, integer: true });
    if (vocabSize !== undefined) options.vocabSize = vocabSize;
    const space = spaceWithFlagNames(values.preset, options);

    if (mode === "size") {
      const { count, log10 } = spaceSize(space);
      console.log(JSON.stringify({
        preset: values.preset,
        homogeneous: space.homogeneous,
        count: count.toString(),
        log10,
      }));
      return 0;
    }

    if (mode === "contains") {
      const path = values.contains as string;
      const archs = await readArchs(path, { backbone: space.backbone });
      const lines = archs.map((arch, i) => {
        const reason = whyNotInSpace(space, arch);
        return JSON.stringify(
          reason === undefined
            ? { record: i + 1, inSpace: true }
            : { record: i + 1, inSpace: false, reason },
        );
      });
      for (const line of lines) console.log(line);
      return 0;
    }

    const n = numberFlag(values, "sample", 0, { min: 1, max: MAX_SAMPLES, integer: true });
    const seed = numberFlag(values, "seed", 0, {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      integer: true,
    });
    if (spaceSize(space).count === 0n) {
      throw new InputError(`the constraints leave no architecture in ${space.name}`);
    }
    const rng = createRng(seed);
    // Draw everything first: an unsatisfiable space fails before anything is printed.
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(JSON.stringify(compactArch(sampleArch(space, rng))));
    for (const line of lines) console.log(line);
    return 0;
  },
};

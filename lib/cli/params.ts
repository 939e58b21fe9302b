/**
 * `deno task lts params`: parameter counts of architectures, one JSON line each.
 *
 * @module
 */
import { BACKBONES } from "../arch/types.ts";
import { countParams, type HeadKind } from "../params/count.ts";
import { InputError } from "../util/errors.ts";
import { choiceFlag, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";
import { readArchs } from "./input.ts";

const HEADS: readonly HeadKind[] = ["lm-head", "adaptive-softmax"];

const HELP = `Usage: deno task lts params [FILE|-] [--backbone gpt2|transformer-xl] [--head KIND]
                            [--tie-projs LIST]

Counts the parameters of each architecture in FILE (or standard input for - or no FILE) and
prints one JSON line per architecture:
  {"decoderParams", "totalParams", "embeddingParams", "softmaxParams", "components": {…}}

Input: ArchConfig JSON (one object, an array, or JSON lines), or an archai model_config.yaml.

  decoderParams    all decoder blocks + final LayerNorm: the search proxy (no embeddings, no head)
  embeddingParams  token embedding (tables + projections) + learned positions (gpt2)
  softmaxParams    output-layer parameters not shared with the embedding
  totalParams      decoderParams + embeddingParams + softmaxParams
  components       tokenEmbedding, positionEmbedding, layers[{attention, ffn, layerNorm, total}],
                   attention, ffn, layerNorm, finalLayerNorm, softmax, softmaxDetail

Options:
  --backbone B  backbone of a model_config.yaml (it does not say); guessed from the path
                (GPT2 / TransXL in a folder name) when absent
  --head KIND   lm-head (plain head, no bias; gpt2 default) or adaptive-softmax (archai's
                projected adaptive softmax with biases; transformer-xl default)
  --tie-projs L comma-separated true/false per vocabulary cluster, head first (archai
                tie_projs) for the adaptive softmax; default false,true,true,…
                (the published lm1b runs used false,false,false,false)
  -h, --help    this text

The published benchmark counted gpt2 with archai's adaptive softmax and tgt_len positions; use
--head adaptive-softmax (and nPositions) to follow it, or publishedParamCount in lib/params.

Examples:
  echo '{"backbone":"gpt2","nLayer":12,"dModel":768,"nHead":12,"dInner":3072}' | deno task lts params
  deno task lts params archs.jsonl
  printf 'n_layer: 2\\nd_model: 128\\nn_head: 2\\nd_inner: 512\\nn_token: 267736\\n' |
    deno task lts params --backbone transformer-xl
  deno task lts params path/to/saved_logs/random_TransXL_wt103/config_0/j0/model_config.yaml`;

function parseTieProjs(raw: unknown): boolean[] {
  const text = typeof raw === "string" ? raw : "";
  return text.split(",").map((word, i) => {
    const w = word.trim().toLowerCase();
    if (w === "true" || w === "1") return true;
    if (w === "false" || w === "0") return false;
    throw new InputError(
      `--tie-projs[${i}]: expected true or false, got ${JSON.stringify(word.trim())}`,
    );
  });
}

/**
 * The `params` command.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { command } from "./params.ts";
 * const path = await Deno.makeTempFile({ suffix: ".json" });
 * await Deno.writeTextFile(path, '{"backbone":"gpt2","nLayer":2,"dModel":128,"nHead":2,"dInner":512}');
 * assert.equal(await command.run([path]), 0); // prints one JSON line per architecture
 * await Deno.remove(path);
 * ```
 */
export const command: Command = {
  name: "params",
  summary: "parameter counts of architectures (JSON, JSON lines or model_config.yaml)",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args, {
      backbone: { type: "string" },
      head: { type: "string" },
      "tie-projs": { type: "string" },
    });
    if (positionals.length > 1) {
      throw new InputError(`expected at most one FILE, got ${positionals.length}`);
    }
    const head = values.head === undefined
      ? undefined
      : choiceFlag(values, "head", HEADS, "lm-head");
    const backbone = values.backbone === undefined
      ? undefined
      : choiceFlag(values, "backbone", BACKBONES, "gpt2");
    const tieProjs = values["tie-projs"] === undefined
      ? undefined
      : parseTieProjs(values["tie-projs"]);
    const archs = await readArchs(positionals[0], { backbone });
    const lines = archs.map((arch) => {
      const count = countParams(arch, { head, tieProjs });
      return JSON.stringify({
        decoderParams: count.decoderParams,
        totalParams: count.totalParams,
        embeddingParams: count.embeddingParams,
        softmaxParams: count.softmaxParams,
        components: count.components,
      });
    });
    for (const line of lines) console.log(line);
    return 0;
  },
};

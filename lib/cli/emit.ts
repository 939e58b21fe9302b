/**
 * `deno task lts emit`: writes a GPT-2 architecture as an ONNX model with seeded random weights.
 *
 * @module
 */
import {
  checkOnnxOutput,
  defaultGpt2Head,
  DIALECTS,
  emitGpt2,
  GPT2_HEADS,
  usesExternalData,
  writeOnnx,
} from "../onnx/mod.ts";
import { decoderParams } from "../params/mod.ts";
import { InputError } from "../util/errors.ts";
import { choiceFlag, numberFlag, parseFlags } from "./args.ts";
import type { Command } from "./command.ts";
import { readArchs } from "./input.ts";

const HELP = `Usage: deno task lts emit [ARCH|-] --out MODEL.onnx [--dialect portable|fast]
                          [--kv-cache] [--last-token-only] [--seed N]
                          [--head lm-head|adaptive-softmax]
                          [--external-data auto|yes|no] [--backbone gpt2] [--force]

Writes one gpt2 architecture (ArchConfig JSON or an archai model_config.yaml; standard input
for - or no ARCH) as an ONNX model with seeded random weights named as in Hugging Face's GPT-2
(transformer.h.{i}.attn.c_attn.weight, …), then prints one JSON line:
  {"onnxPath", "dataPath", "onnxBytes", "dataBytes", "decoderParams", "dialect", "head",
   "seconds"}

Graph: input_ids [batch, sequence] int64 -> logits [batch, sequence, vocab].
Every gpt2 embedding of the lts-gpt2 space is emitted:
  - plain (divVal 1, dEmbed = dModel): Hugging Face's transformer.wte.weight; the LM head is
    tied to it (no bias) and "logits" are logits.
  - projected (divVal 1, dEmbed != dModel) or adaptive (divVal k > 1, clusters split at the
    cutoffs, cluster i ⌊dEmbed/k^i⌋ wide): archai's AdaptiveEmbedding (tables projected to
    dModel, scaled by √dModel; transformer.wte.emb_layers.{i}.weight, .emb_projs.{i}) with its
    tied ProjectedAdaptiveLogSoftmax (crit.cluster_weight, crit.out_layers_biases.{i},
    crit.out_projs.0); "logits" then holds log-probabilities over the whole vocabulary.
Not emitted: transformer-xl (relative positions) and untied output layers (tieWeight false).

Options:
  --out PATH          the .onnx file; weights over 1 MiB go to PATH.data beside it. An existing
                      PATH (or PATH.data) is replaced only if lts wrote it (an ONNX model whose
                      metadata has lts.* keys, and the .data file it references)
  --force             replace PATH and PATH.data whatever they hold
  --dialect D         portable (default): ONNX opset 17, default domain only (checker-valid);
                      fast: opset 23 Attention + ONNX Runtime contrib ops (SkipLayerNormalization,
                      FastGelu), same logits, faster per token on ONNX Runtime
  --kv-cache          add position_ids and past_key_{i}/past_value_{i} inputs and
                      present_key_{i}/present_value_{i} outputs ([batch, heads, time, dHead]),
                      so one graph serves the prompt (past 0) and each further token
  --last-token-only   logits of the last position only ([batch, 1, vocab])
  --seed N            weight seed (default 0); the same seed gives the same bytes
  --head H            lm-head (plain embeddings only) or adaptive-softmax; default lm-head for
                      a plain embedding, adaptive-softmax otherwise
  --external-data M   auto (default), yes (always PATH.data) or no (embed every weight)
  --backbone B        backbone of a model_config.yaml (it does not say)
  -h, --help          this text

decoderParams is the number of weights outside the token and position embeddings (the search
proxy); seconds is the wall time of emission and writing. Before writing, the weights (4 bytes
each, plus a margin) are checked against the free disk space of PATH's folder and the available
memory; a model that does not fit exits 2 naming the architecture and the bytes.

Examples:
  echo '{"backbone":"gpt2","nLayer":12,"dModel":768,"nHead":12,"dInner":3072}' \\
    | deno task lts emit --out data/models/gpt2-small.onnx --dialect fast --kv-cache
  deno task lts emit my-arch.json --out data/models/a.onnx`;

const EXTERNAL = ["auto", "yes", "no"] as const;

/** The `emit` command. */
export const command: Command = {
  name: "emit",
  summary: "write a gpt2 architecture as an ONNX model with seeded random weights",
  help: HELP,
  async run(args: string[]): Promise<number> {
    const started = performance.now();
    const { values, positionals } = parseFlags(args, {
      out: { type: "string" },
      dialect: { type: "string" },
      "kv-cache": { type: "boolean" },
      "last-token-only": { type: "boolean" },
      seed: { type: "string" },
      head: { type: "string" },
      "external-data": { type: "string" },
      backbone: { type: "string" },
      force: { type: "boolean" },
    });
    if (positionals.length > 1) {
      throw new InputError(`expected at most one ARCH file, got ${positionals.length}`);
    }
    const out = values.out;
    if (typeof out !== "string" || out.trim() === "") {
      throw new InputError("--out: missing (the .onnx path to write)");
    }
    const dialect = choiceFlag(values, "dialect", DIALECTS, "portable");
    const seed = numberFlag(values, "seed", 0, { integer: true, min: 0, max: 2 ** 53 - 1 });
    const external = choiceFlag(values, "external-data", EXTERNAL, "auto");
    const backbone = typeof values.backbone === "string" ? values.backbone : undefined;
    const archs = await readArchs(positionals[0], { backbone });
    if (archs.length !== 1) {
      throw new InputError(`expected one architecture, got ${archs.length}`);
    }
    const arch = archs[0];
    const head = choiceFlag(values, "head", GPT2_HEADS, defaultGpt2Head(arch));
    const model = emitGpt2(arch, {
      dialect,
      head,
      seed,
      kvCache: values["kv-cache"] === true,
      lastTokenOnly: values["last-token-only"] === true,
    });
    const externalData = external === "auto" ? "auto" : external === "yes";
    await checkOnnxOutput(out, {
      force: values.force === true,
      writesData: usesExternalData(model.initializers, externalData),
    });
    const written = await writeOnnx(model, out, { externalData });
    console.log(JSON.stringify({
      onnxPath: written.onnxPath,
      dataPath: written.dataPath ?? null,
      onnxBytes: written.onnxBytes,
      dataBytes: written.dataBytes,
      decoderParams: decoderParams(arch),
      dialect,
      head,
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
    }));
    return 0;
  },
};

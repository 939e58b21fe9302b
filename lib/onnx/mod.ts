/**
 * ONNX emission: a small `ModelProto` writer (protobufjs reflection), a graph builder, seeded
 * weights with a 4 KiB-aligned external-data layout, and the GPT-2 decoder emitter in two
 * dialects (`portable`: opset 17, checker-valid; `fast`: opset 23 + ONNX Runtime contrib ops).
 *
 * Main entry points:
 * - `emitGpt2(arch: Arch, options?: { dialect?: "portable" | "fast"; kvCache?: boolean;
 *   seed?: number; lastTokenOnly?: boolean; head?: "lm-head" | "adaptive-softmax" }): OnnxModel`
 * - `writeOnnx(model: OnnxModel, path: string, options?: { externalData?: "auto" | boolean }):
 *   Promise<{ onnxPath: string; dataPath?: string; onnxBytes: number; dataBytes: number }>`
 * - `gpt2Initializers(arch: Arch, seed?: number, options?: { head? }): Initializer[]` (HF
 *   state-dict names for the decoder and a plain table; archai's for adaptive parts)
 * - `checkEmittable(arch: Arch, options?: { head? }): void` (throws `InputError`)
 * - `checkEmissionFits(arch: Arch, dir: string, options?): void`: throws `InputError` when the
 *   model's weights do not fit the free disk space of `dir` or the available memory (`writeOnnx`
 *   checks the same before writing).
 * - `isOurOnnx(path)`, `checkOnnxOutput(path, options)`: whether an existing file is a model
 *   this project wrote, and the refusal to replace any other file without `--force`.
 * - `embeddingLayout(arch, head?)`: which weight plays which part in the embedding and head.
 * - `referenceLogits(arch, weights, inputIds, options?)`: a plain TypeScript forward pass for
 *   tiny models.
 *
 * Embeddings: a plain table (`divVal` 1, dEmbed = dModel) with Hugging Face's tied LM head, or
 * archai's `AdaptiveEmbedding` (dEmbed ≠ dModel and/or `divVal` > 1, cutoffs) with its tied
 * `ProjectedAdaptiveLogSoftmax`; every gpt2 architecture of the `lts-gpt2` space is emitted.
 *
 * Graph I/O: `input_ids` `[batch, sequence]` int64 → `logits` `[batch, sequence|1, vocab]`
 * (log-probabilities under the adaptive softmax);
 * with `kvCache`, also `position_ids` `[batch, sequence]` int64 and per layer i
 * `past_key_i`/`past_value_i` → `present_key_i`/`present_value_i`, all
 * `[batch, nHead[i], time, dModel/nHead[i]]` float32 (past time may be 0).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { emitGpt2, writeOnnx } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256 });
 * const written = await writeOnnx(emitGpt2(arch, { dialect: "fast", kvCache: true }), join(dir, "m.onnx"));
 * assert.ok(written.onnxBytes > 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */
export * from "./graph.ts";
export * from "./proto.ts";
export * from "./weights.ts";
export * from "./write.ts";
export * from "./fits.ts";
export * from "./ours.ts";
export * from "./context.ts";
export * from "./adaptive.ts";
export * from "./gpt2.ts";
export * from "./reference.ts";

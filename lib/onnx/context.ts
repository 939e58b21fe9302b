/**
 * What the GPT-2 emitter's subgraph builders share: the context they build in, and the final
 * reshape of flat per-token scores to the graph's `logits` output.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import type { GraphBuilder } from "./graph.ts";

/** What the subgraph builders need: the graph, the architecture and a weight lookup. */
export interface EmitContext {
  /** The graph being built. */
  g: GraphBuilder;
  /** The architecture. */
  arch: Arch;
  /** Declares (once) and returns the initializer of that name. */
  w: (name: string) => string;
  /**
   * Whether the graph has per-layer `past_key_{i}`/`past_value_{i}` inputs and `present_*`
   * outputs (only the attention builders read it); default false.
   */
  kvCache?: boolean;
}

/**
 * Reshapes scores `[batch·sequence, vocab]` to the `logits` output `[batch, sequence, vocab]`, the
 * batch and sequence sizes read from `hidden` `[batch, sequence, dModel]`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reshapeToLogits } from "./context.ts";
 * import { GraphBuilder } from "./graph.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 8, nHead: 2, dInner: 16, vocabSize: 10 });
 * const g = new GraphBuilder("head");
 * const hidden = g.input("hidden", "float32", ["batch", "sequence", 8]);
 * const flat = g.input("scores", "float32", ["tokens", 10]);
 * const w = (name: string) => name;
 * assert.equal(reshapeToLogits({ g, arch, w }, flat, hidden), "logits");
 * ```
 */
export function reshapeToLogits(c: EmitContext, flatScores: string, hidden: string): string {
  const { g, arch } = c;
  const shape = g.op("Concat", [
    g.op("Shape", [hidden], { start: { int: 0 }, end: { int: 2 } }),
    g.int64s([arch.vocabSize]),
  ], { axis: { int: 0 } });
  const [logits] = g.node("Reshape", [flatScores, shape], {}, { outputs: ["logits"] });
  return logits;
}

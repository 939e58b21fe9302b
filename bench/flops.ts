/**
 * Analytic floating-point operation counts of a GPT-2 forward pass, for achieved-FLOP/s figures.
 *
 * Counted (one multiply-add = 2 FLOPs), for T new tokens, P cached (past) tokens, width d,
 * layer i's inner width f_i and vocabulary V:
 * - per layer, the linear layers: 2·T·(4·d² + 2·d·f_i) (Q, K, V and output projections, the
 *   two MLP matrices: 2 × the decoder weights of the layer's matrices × tokens);
 * - per layer, attention: 2·2·T·(P + T)·d (Q·Kᵀ and probabilities·V over every key; the causal
 *   mask is applied, not skipped, so a prompt pass costs the full 4·T²·d);
 * - the tied LM head: 2·T_out·d·V, with T_out = 1 when only the last position is computed.
 *
 * Not counted: embeddings (a gather), layer norms, softmax, GELU, biases and residual adds, all
 * O(T·d) per layer (below 1 % of the total for d ≥ 256).
 *
 * @module
 */
import type { Arch } from "../lib/arch/types.ts";

/** Options of {@linkcode forwardFlops}. */
export interface FlopOptions {
  /** Tokens already in the KV cache (default 0: a prompt pass). */
  pastLen?: number;
  /** Whether the LM head runs for the last position only (default true, as the profiler). */
  lastTokenOnly?: boolean;
}

/**
 * FLOPs of one forward pass of `seqLen` new tokens (batch 1), by the formula in the module doc.
 *
 * @example
 * ```ts
 * import { forwardFlops } from "./flops.ts";
 * import { validateArch } from "../lib/arch/validate.ts";
 * const gpt2 = validateArch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 });
 * forwardFlops(gpt2, 192) / 1e9; // ≈ 34.05 (GFLOP)
 * ```
 */
export function forwardFlops(arch: Arch, seqLen: number, options: FlopOptions = {}): number {
  const d = arch.dModel;
  const past = options.pastLen ?? 0;
  const headTokens = options.lastTokenOnly ?? true ? 1 : seqLen;
  let flops = 2 * headTokens * d * arch.vocabSize;
  for (let i = 0; i < arch.nLayer; i++) {
    flops += 2 * seqLen * (4 * d * d + 2 * d * arch.dInner[i]);
    flops += 4 * seqLen * (past + seqLen) * d;
  }
  return flops;
}

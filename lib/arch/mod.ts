/**
 * Architecture configs: types, validation at the edge, a stable hash, and archai's YAML form.
 *
 * @example
 * ```ts
 * import { archHash, validateArch } from "./mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 12, dModel: 768, nHead: 12, dInner: 3072 });
 * console.log(arch.nHead.length, archHash(arch));
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./validate.ts";
export * from "./hash.ts";
export * from "./archai.ts";

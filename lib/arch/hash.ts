/**
 * A stable content hash of an architecture, for caches and run records.
 *
 * @module
 */
import { contentHash } from "../util/hash.ts";
import type { Arch } from "./types.ts";

/**
 * 16 hex digits identifying an architecture: equal for equal normalised configs, whatever
 * their input form (one integer or a per-layer array, defaults given or not).
 *
 * @example
 * ```ts
 * import { archHash } from "./hash.ts";
 * import { validateArch } from "./validate.ts";
 * const a = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 512 });
 * archHash(a); // e.g. "3f2a…", the same on every machine
 * ```
 */
export function archHash(arch: Arch): string {
  return contentHash({ v: 1, arch });
}

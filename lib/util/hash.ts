/**
 * Stable JSON and content hashes.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * JSON with object keys sorted at every level, so equal data gives equal text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stableStringify } from "./hash.ts";
 * assert.equal(stableStringify({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
 * ```
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * Hex SHA-256 of the stable JSON of a value, cut to `length` hex digits (default 16).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentHash } from "./hash.ts";
 * assert.equal(contentHash({ a: 1 }), contentHash({ a: 1 }));
 * ```
 */
export function contentHash(value: unknown, length = 16): string {
  return createHash("sha256").update(stableStringify(value)).digest("hex").slice(0, length);
}

/**
 * The dotted paths at which two JSON values differ (`[]` when equal), e.g. `search.seed`.
 *
 * @example
 * ```ts
 * import { jsonDifferences } from "./hash.ts";
 * jsonDifferences({ search: { seed: 1, iterations: 3 } }, { search: { seed: 2, iterations: 3 } });
 * // ["search.seed"]
 * ```
 */
export function jsonDifferences(a: unknown, b: unknown, path = ""): string[] {
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const ra = a as Record<string, unknown>, rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
    return keys.flatMap((k) => jsonDifferences(ra[k], rb[k], path ? `${path}.${k}` : k));
  }
  return stableStringify(a) === stableStringify(b) ? [] : [path || "(root)"];
}

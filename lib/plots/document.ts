/**
 * The one DOM document the plot helpers render into (npm:linkedom; Deno has no `window`), created
 * lazily on first use, and HTML escaping.
 *
 * @module
 */
import { parseHTML } from "linkedom";
import type * as Plot from "@observablehq/plot";

/** The document type Observable Plot accepts (a linkedom document at run time). */
export type PlotDocument = NonNullable<Plot.PlotOptions["document"]>;

let cached: PlotDocument | undefined;

/**
 * The shared linkedom document, for `Plot.plot({ document })` and friends.
 *
 * @example
 * ```ts
 * import * as Plot from "@observablehq/plot";
 * import { plotDocument } from "./document.ts";
 * const svg = Plot.dot([[1, 2]]).plot({ document: plotDocument() });
 * ```
 */
export function plotDocument(): PlotDocument {
  if (cached) return cached;
  const page = parseHTML("<!DOCTYPE html><html><head></head><body></body></html>") as unknown as {
    document: PlotDocument;
  };
  cached = page.document;
  return cached;
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./document.ts";
 * assert.equal(escapeHtml('<script>alert("x")</script>'), "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * JSON that can sit inside an HTML `<script>` element (no `</script>`, `<!--` or U+2028/9 breaks).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptJson } from "./document.ts";
 * assert.equal(scriptJson({ tip: "</script>" }), '{"tip":"\\u003c/script>"}');
 * ```
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

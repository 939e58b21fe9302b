/**
 * Markdown built from computed values (conclusions that stay true when the numbers change), the
 * number formats it uses, and the escaping of data strings (model names, failure reasons, set
 * names) interpolated into it: {@linkcode escapeMarkdown}, {@linkcode codeSpan} and the tagged
 * template {@linkcode md}. An escaped value renders as its literal text, in the HTML report and in
 * JupyterLab (which renders raw HTML in trusted Markdown outputs), so a model named
 * `C1<img src=x onerror=alert(1)>` shows as that text and runs nothing.
 *
 * @module
 */
import { type Displayable, displayable } from "./display.ts";

/**
 * A value that displays as rendered Markdown (in JupyterLab and in the HTML report).
 *
 * @example
 * ```ts
 * import { markdown } from "./markdown.ts";
 * const rho = 0.97;
 * markdown(`Decoder parameters rank the models with Spearman ρ = **${rho}**.`);
 * ```
 */
export function markdown(text: string): Displayable {
  return displayable({ "text/markdown": text, "text/plain": text });
}

/** Characters with a meaning in Markdown or HTML wherever they stand in a line. */
const INLINE_SPECIAL = /[\\`*_[\]<>&~|$]/g;

/** Markdown's line endings and the blanks around them (a value must stay on one line). */
const BLANKS = /[\t\n\f\r ]+/g;

/**
 * Escapes a data string for interpolation into Markdown text, so that it renders as its literal
 * text: every character that is Markdown or HTML syntax anywhere in a line (`` \ ` * _ [ ] < > &
 * ~ | $ ``) gets a backslash, as do a `#` that could open or close a heading and a leading list
 * marker (`- `, `+ `, `1. `), and the `:` of `https://`, the `.` of `www.` and every `@`, which
 * GitHub-flavoured Markdown would turn into links; runs of blanks and line breaks become one
 * space (as they render), so a value can never start a new block. Not for code spans (see {@linkcode codeSpan}) or link
 * destinations.
 *
 * @example
 * ```ts
 * import { escapeMarkdown } from "./markdown.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeMarkdown("C1<img src=x onerror=alert(1)>"), "C1\\<img src=x onerror=alert(1)\\>");
 * assert.equal(escapeMarkdown("**bold** [x](javascript:a)"), "\\*\\*bold\\*\\* \\[x\\](javascript:a)");
 * assert.equal(escapeMarkdown("- item\n\n# heading"), "\\- item \\# heading");
 * assert.equal(escapeMarkdown("GPT-2 small × 2 (C#)"), "GPT-2 small × 2 (C#)");
 * assert.equal(escapeMarkdown("see https://x.org"), "see https\\://x.org");
 * ```
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(BLANKS, " ")
    .replace(INLINE_SPECIAL, "\\$&")
    .replace(/(^|\s)#/g, "$1\\#")
    .replace(
      /\b(https?|ftp):(?=\/\/)|\b(www)\.|@/gi,
      (_m, scheme, www) => scheme ? `${scheme}\\:` : www ? `${www}\\.` : "\\@",
    )
    .replace(/^( ?)([-+])(?= |$|-)/, "$1\\$2")
    .replace(/^( ?)(\d{1,9})([.)])(?= |$)/, "$1$2\\$3");
}

/**
 * A Markdown code span showing `text` literally (nothing inside a code span is Markdown or HTML):
 * the fence is one backtick longer than the longest run of backticks in `text`, padded with a
 * space where `text` starts or ends with a backtick (or with a space at both ends); line breaks
 * become spaces. Empty text gives an empty string. The surrounding Markdown must not leave a
 * backtick run of the same length open.
 *
 * @example
 * ```ts
 * import { codeSpan } from "./markdown.ts";
 * import assert from "node:assert/strict";
 * assert.equal(codeSpan("random_TransXL_wt103"), "`random_TransXL_wt103`");
 * assert.equal(codeSpan("a`b"), "``a`b``");
 * assert.equal(codeSpan("`x"), "`` `x ``");
 * assert.equal(codeSpan("</script>\n<b>"), "`</script> <b>`");
 * ```
 */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r\n|[\r\n]/g, " ");
  if (flat === "") return "";
  const longest = Math.max(0, ...Array.from(flat.matchAll(/`+/g), (m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = /^`|`$/.test(flat) || (/^ /.test(flat) && / $/.test(flat) && /[^ ]/.test(flat))
    ? " "
    : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * A tagged template for Markdown with data in it: every interpolated string is passed through
 * {@linkcode escapeMarkdown}, except a value standing alone between single backticks
 * (`` `${name}` ``), which becomes a {@linkcode codeSpan}. Numbers and bigints are inserted as
 * they are (their digits, signs and dots never start Markdown syntax). Nested `md` results are
 * strings and would be escaped again: build the whole text in one template, or join the parts.
 *
 * @example
 * ```ts
 * import { markdown, md } from "./markdown.ts";
 * import assert from "node:assert/strict";
 * const name = "C1<img src=x onerror=alert(1)>";
 * assert.equal(md`- **${name}**: ${-1.5} ms`, "- **C1\\<img src=x onerror=alert(1)\\>**: -1.5 ms");
 * assert.equal(md`set \`${"b`_x"}\` wins`, "set ``b`_x`` wins");
 * markdown(md`The fastest is ${name}.`); // shows the name as text
 * ```
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): string {
  const part = (i: number) => strings[i] ?? strings.raw[i];
  let out = part(0);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let next = part(i + 1);
    const text = String(value);
    if (/(^|[^`])`$/.test(out) && /^`(?!`)/.test(next)) {
      out = out.slice(0, -1) + codeSpan(text);
      next = next.slice(1);
    } else {
      out += typeof value === "number" || typeof value === "bigint" ? text : escapeMarkdown(text);
    }
    out += next;
  }
  return out;
}

/**
 * A parameter count in millions (`85.1 M`) or thousands.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCount } from "./markdown.ts";
 * assert.equal(formatCount(85_056_000), "85.1 M");
 * ```
 */
export function formatCount(n: number): string {
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/**
 * Bytes in MiB (2^20 bytes), the unit of the notebooks' memory columns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bytesToMiB } from "./markdown.ts";
 * assert.equal(bytesToMiB(3 * 2 ** 20), 3);
 * ```
 */
export function bytesToMiB(bytes: number): number {
  return bytes / 2 ** 20;
}

/**
 * Bytes in MiB with one decimal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMiB } from "./markdown.ts";
 * assert.equal(formatMiB(3 * 2 ** 20), "3.0 MiB");
 * ```
 */
export function formatMiB(bytes: number): string {
  return `${bytesToMiB(bytes).toFixed(1)} MiB`;
}

/**
 * A ratio as `1.35×`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRatio } from "./markdown.ts";
 * assert.equal(formatRatio(1.349), "1.35×");
 * ```
 */
export function formatRatio(x: number): string {
  return `${x.toFixed(2)}×`;
}

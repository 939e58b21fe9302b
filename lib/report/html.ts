/**
 * Static, self-contained HTML pages for executed notebooks: inline CSS, no network, no external
 * fonts. Code is highlighted (highlight.js, TypeScript), markdown rendered (marked) with raw HTML
 * shown as text, links kept only to http(s), relative and `#` targets, and images only from
 * `data:` URIs (see {@linkcode renderMarkdown}). Text outputs (streams, `text/plain`, tracebacks)
 * are escaped; `image/svg+xml` and `text/html` outputs (from our own plot helpers, which escape
 * every data string they render) are inlined as they are; PNG/JPEG/GIF become data URIs.
 *
 * @module
 */
import hljs from "highlight.js/lib/core";
import typescript from "highlight.js/lib/languages/typescript";
import { Marked, type Tokens } from "marked";
import { escapeHtml } from "../plots/document.ts";
import {
  joinSource,
  type Notebook,
  type NotebookCell,
  type NotebookOutput,
  type OutputData,
  stripAnsi,
} from "./execute.ts";

hljs.registerLanguage("typescript", typescript);

/** How a report was generated (shown on every page and in the index). */
export interface ReportSettings {
  /** `--quick`: expensive studies capped (LTS_QUICK=1). */
  quick: boolean;
  /** `--fresh`: measurements redone, caches bypassed (LTS_FRESH=1). */
  fresh: boolean;
  /** ISO date and time of generation. */
  generatedAt: string;
  denoVersion: string;
}

/** What a notebook page shows besides the notebook. */
export interface PageInfo {
  /** File name without `.ipynb`. */
  name: string;
  title: string;
  durationMs: number;
  settings: ReportSettings;
}

/** The page style (shared with the index page). */
export const PAGE_CSS = `
:root { color-scheme: light; --fg: #1d1f23; --muted: #6a7079; --line: #e3e5e8; --code-bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
header.page { border-bottom: 1px solid var(--line); margin-bottom: 1.5rem; padding-bottom: .75rem; }
header.page nav { font-size: .9em; margin-bottom: .5rem; }
.meta { color: var(--muted); font-size: .85em; }
.banner { border-left: 4px solid #d9822b; background: #fff6eb; padding: .5rem .75rem; margin: .75rem 0;
  font-size: .9em; }
a { color: #0b5cad; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 13px; }
.cell { margin: 1rem 0; }
.cell.code .source { position: relative; }
.prompt { color: var(--muted); font: 12px ui-monospace, monospace; margin-bottom: .2rem; }
.source pre { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px;
  padding: .6rem .8rem; margin: 0; overflow-x: auto; }
.output { margin: .4rem 0 0 0; overflow-x: auto; }
.output pre { margin: 0; padding: .25rem .8rem; white-space: pre-wrap; word-break: break-word; }
.output.stderr pre { background: #fff5f5; }
.output.error pre { background: #fff0f0; color: #8b1a1a; border-left: 3px solid #c62828; }
.output img, .output svg { max-width: 100%; height: auto; }
.output figure { margin: 0; }
.markdown h1, .markdown h2, .markdown h3 { line-height: 1.25; }
.markdown code { background: var(--code-bg); padding: .1em .3em; border-radius: 3px; }
.markdown pre code { background: none; padding: 0; }
.markdown pre { background: var(--code-bg); padding: .6rem .8rem; border-radius: 6px; overflow-x: auto; }
.markdown table, table.lts-table, table.index { border-collapse: collapse; margin: .5rem 0; font-size: 13px; }
.markdown th, .markdown td, table.lts-table th, table.lts-table td, table.index th, table.index td {
  border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; }
table.lts-table caption { caption-side: top; text-align: left; color: var(--muted); padding: .2rem 0; }
table.lts-table thead th, table.index thead th { border-bottom: 2px solid #c9ccd1; }
.status-ok { color: #1b7f3b; } .status-failed { color: #c62828; font-weight: 600; }
.status-not-run { color: var(--muted); }
.hljs-keyword, .hljs-built_in, .hljs-type { color: #cf222e; }
.hljs-string, .hljs-regexp { color: #0a3069; }
.hljs-number, .hljs-literal { color: #0550ae; }
.hljs-comment { color: #6e7781; font-style: italic; }
.hljs-title, .hljs-title.function_, .hljs-title.class_ { color: #8250df; }
.hljs-attr, .hljs-property, .hljs-variable, .hljs-params { color: #953800; }
.hljs-meta, .hljs-subst { color: #24292f; }
`;

/**
 * Syntax-highlighted HTML for TypeScript source (escaped).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { highlightTypeScript } from "./html.ts";
 * assert.ok(highlightTypeScript("const a = 1;").startsWith('<span class="hljs-keyword">const</span> a = '));
 * ```
 */
export function highlightTypeScript(code: string): string {
  return hljs.highlight(code, { language: "typescript", ignoreIllegals: true }).value;
}

const CHARACTER_REFERENCES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function decodeCharacterReferences(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g, (
    whole,
    dec: string | undefined,
    hex: string | undefined,
    name: string | undefined,
  ) => {
    if (name) return CHARACTER_REFERENCES[name];
    const code = dec ? Number(dec) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/**
 * The target of a Markdown link if it is safe to keep (an `http:`/`https:` URL, or one without a
 * scheme: relative paths and `#fragments`), else `undefined` (`javascript:`, `data:`, `mailto:`,
 * …). Character references are resolved first and blanks and control characters ignored, as a
 * browser would, so `&#106;avascript:` and `java\tscript:` are caught too.
 *
 * @example
 * ```ts
 * import { safeLinkTarget } from "./html.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeLinkTarget("https://arxiv.org/abs/2203.02094"), "https://arxiv.org/abs/2203.02094");
 * assert.equal(safeLinkTarget("03-hetero-vs-homo.html#results"), "03-hetero-vs-homo.html#results");
 * assert.equal(safeLinkTarget("javascript:alert(1)"), undefined);
 * assert.equal(safeLinkTarget(" &#106;avascript:alert(1)"), undefined);
 * ```
 */
export function safeLinkTarget(href: string, literal = false): string | undefined {
  const target = literal ? href : decodeCharacterReferences(href);
  // deno-lint-ignore no-control-regex
  const scheme = target.replace(/[\u0000-\u0020\u007f-\u009f]/g, "").match(
    /^([a-zA-Z][a-zA-Z0-9+.-]*):/,
  );
  return !scheme || /^https?$/i.test(scheme[1]) ? target : undefined;
}

/**
 * The source of a Markdown image if it loads nothing from outside the page (a base64 `data:` URI
 * of a PNG, JPEG, GIF or WebP image), else `undefined`.
 *
 * @example
 * ```ts
 * import { safeImageSource } from "./html.ts";
 * import assert from "node:assert/strict";
 * assert.equal(safeImageSource("data:image/png;base64,iVBORw0KGgo="), "data:image/png;base64,iVBORw0KGgo=");
 * assert.equal(safeImageSource("https://example.com/pixel.png"), undefined);
 * assert.equal(safeImageSource("x"), undefined);
 * ```
 */
export function safeImageSource(src: string): string | undefined {
  return /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]*$/i.test(src) ? src : undefined;
}

const safeMarked = new Marked({
  async: false,
  gfm: true,
  renderer: {
    html({ text, block }: Tokens.HTML | Tokens.Tag): string {
      return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
    },
    link({ href, title, tokens, text, autolink }: Tokens.Link): string {
      const inner = autolink ? escapeHtml(text) : this.parser.parseInline(tokens);
      const target = safeLinkTarget(href, autolink);
      if (target === undefined) return inner;
      const tip = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(target)}"${tip}>${inner}</a>`;
    },
    image({ href, title, text, tokens }: Tokens.Image): string {
      const alt = tokens ? this.parser.parseInline(tokens, this.parser.textRenderer) : text;
      const source = safeImageSource(href);
      if (source === undefined) return escapeHtml(alt);
      const tip = title ? ` title="${escapeHtml(title)}"` : "";
      return `<img src="${escapeHtml(source)}" alt="${escapeHtml(alt)}"${tip}>`;
    },
  },
});

/**
 * Markdown to HTML (GitHub-flavoured, via marked), for Markdown cells and `text/markdown`
 * outputs. Nothing in the Markdown can put markup on the page: raw HTML (blocks, inline tags,
 * comments) is escaped and shows as text, links whose target is not http(s), relative or `#`
 * keep only their text, and images not from a `data:` URI show their alt text (the page stays
 * offline).
 *
 * @example
 * ```ts
 * import { renderMarkdown } from "./html.ts";
 * import assert from "node:assert/strict";
 * assert.equal(renderMarkdown("# Title"), "<h1>Title</h1>\n");
 * assert.equal(renderMarkdown("C1<img src=x onerror=alert(1)>"), "<p>C1&lt;img src=x onerror=alert(1)&gt;</p>\n");
 * assert.equal(renderMarkdown("[x](javascript:alert(1))"), "<p>x</p>\n");
 * assert.equal(renderMarkdown("![pixel](https://example.com/p.png)"), "<p>pixel</p>\n");
 * ```
 */
export function renderMarkdown(markdown: string): string {
  return safeMarked.parse(markdown) as string;
}

function text(value: string | string[] | object | undefined): string {
  if (value === undefined) return "";
  if (typeof value === "string" || Array.isArray(value)) return joinSource(value as string[]);
  return JSON.stringify(value, null, 2);
}

function pre(content: string, cls: string): string {
  return `<div class="output ${cls}"><pre>${escapeHtml(stripAnsi(content))}</pre></div>`;
}

function inlineSvg(svg: string): string {
  return svg.replace(/^\s*<\?xml[^>]*\?>/, "").replace(/^\s*<!DOCTYPE[^>]*>/i, "");
}

/**
 * HTML of one rich output, choosing the richest MIME type present: HTML, SVG, PNG/JPEG/GIF,
 * markdown, JSON, then plain text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderMimeBundle } from "./html.ts";
 * assert.equal(renderMimeBundle({ "text/plain": "<b>" }), '<div class="output text"><pre>&lt;b&gt;</pre></div>');
 * ```
 */
export function renderMimeBundle(data: OutputData): string {
  if (data["text/html"] !== undefined) {
    return `<div class="output html">${text(data["text/html"])}</div>`;
  }
  if (data["image/svg+xml"] !== undefined) {
    return `<div class="output svg">${inlineSvg(text(data["image/svg+xml"]))}</div>`;
  }
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (data[mime] !== undefined) {
      const b64 = text(data[mime]).replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/=]*$/.test(b64)) return pre(`[${mime} that is not base64]`, "text");
      return `<div class="output image"><img alt="" src="data:${mime};base64,${b64}"></div>`;
    }
  }
  if (data["text/markdown"] !== undefined) {
    return `<div class="output markdown">${renderMarkdown(text(data["text/markdown"]))}</div>`;
  }
  if (data["application/json"] !== undefined) return pre(text(data["application/json"]), "json");
  if (data["text/plain"] !== undefined) return pre(text(data["text/plain"]), "text");
  const types = Object.keys(data);
  return pre(`[output of type ${types.join(", ") || "(none)"}]`, "text");
}

/**
 * HTML of one nbformat output; every text is escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderOutput } from "./html.ts";
 * assert.ok(renderOutput({ output_type: "stream", name: "stdout", text: "<script>" }).includes("&lt;script&gt;"));
 * ```
 */
export function renderOutput(output: NotebookOutput): string {
  switch (output.output_type) {
    case "stream":
      return pre(joinSource(output.text), output.name);
    case "display_data":
    case "execute_result":
      return renderMimeBundle(output.data);
    case "error": {
      const trace = output.traceback.length
        ? output.traceback.join("\n")
        : `${output.ename}: ${output.evalue}`;
      return pre(trace, "error");
    }
  }
}

function renderCell(cell: NotebookCell): string {
  const source = joinSource(cell.source);
  if (cell.cell_type === "markdown") {
    return `<section class="cell markdown">${renderMarkdown(source)}</section>`;
  }
  if (cell.cell_type === "raw") {
    return `<section class="cell raw"><pre>${escapeHtml(source)}</pre></section>`;
  }
  const count = cell.execution_count ?? " ";
  const durationMs = (cell.metadata?.lts as { durationMs?: number } | undefined)?.durationMs;
  const time = durationMs === undefined ? "" : ` · ${formatDuration(durationMs)}`;
  return [
    `<section class="cell code">`,
    `<div class="prompt">In [${escapeHtml(String(count))}]${time}</div>`,
    `<div class="source"><pre><code class="hljs language-typescript">${
      highlightTypeScript(source)
    }</code></pre></div>`,
    ...(cell.outputs ?? []).map(renderOutput),
    `</section>`,
  ].join("\n");
}

/**
 * A duration for people: "850 ms", "12.3 s", "4 min 05 s".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDuration } from "./html.ts";
 * assert.equal(formatDuration(245_000), "4 min 05 s");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/**
 * One line describing the generation settings.
 *
 * @example
 * ```ts
 * import { settingsLine } from "./html.ts";
 * settingsLine({ quick: true, fresh: false, generatedAt: "2026-01-01T00:00:00Z", denoVersion: "2.9.6" });
 * // "quick run · cached measurements · 2026-01-01T00:00:00Z · Deno 2.9.6"
 * ```
 */
export function settingsLine(settings: ReportSettings): string {
  return [
    settings.quick ? "quick run" : "full run",
    settings.fresh ? "fresh measurements" : "cached measurements",
    settings.generatedAt,
    `Deno ${settings.denoVersion}`,
  ].join(" · ");
}

/**
 * The banner for quick runs (empty otherwise).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quickBanner } from "./html.ts";
 * assert.equal(quickBanner({ quick: false, fresh: false, generatedAt: "", denoVersion: "" }), "");
 * ```
 */
export function quickBanner(settings: ReportSettings): string {
  return settings.quick
    ? `<div class="banner"><strong>Quick run</strong> (<code>--quick</code>, LTS_QUICK=1): ` +
      `expensive studies were capped, so numbers come from smaller samples than the full run.</div>`
    : "";
}

/**
 * The lines that open every report page, up to its `<header class="page">`: doctype, head with
 * the title (escaped here) and {@linkcode PAGE_CSS}, `<body><main>`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pageStart } from "./html.ts";
 * const lines = pageStart("A & B");
 * assert.equal(lines[0], "<!DOCTYPE html>");
 * assert.ok(lines.includes("<title>A &amp; B</title>"));
 * assert.equal(lines.at(-1), '<header class="page">');
 * ```
 */
export function pageStart(title: string): string[] {
  return [
    `<!DOCTYPE html>`,
    `<html lang="en">`,
    `<head>`,
    `<meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<meta name="generator" content="lts report">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_CSS}</style>`,
    `</head>`,
    `<body>`,
    `<main>`,
    `<header class="page">`,
  ];
}

/**
 * The complete page of an executed notebook.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderNotebookPage } from "./html.ts";
 * const html = renderNotebookPage({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] }, {
 *   name: "01-proxy", title: "The proxy", durationMs: 1200,
 *   settings: { quick: false, fresh: false, generatedAt: new Date().toISOString(), denoVersion: Deno.version.deno },
 * });
 * assert.ok(html.startsWith("<!DOCTYPE html>"));
 * ```
 */
export function renderNotebookPage(notebook: Notebook, info: PageInfo): string {
  return [
    ...pageStart(info.title),
    `<nav><a href="index.html">← all notebooks</a></nav>`,
    `<div class="meta">${escapeHtml(info.name)}.ipynb · ran in ${
      escapeHtml(formatDuration(info.durationMs))
    } · ${escapeHtml(settingsLine(info.settings))}</div>`,
    quickBanner(info.settings),
    `</header>`,
    ...notebook.cells.map(renderCell),
    `</main>`,
    `</body>`,
    `</html>`,
    ``,
  ].join("\n");
}

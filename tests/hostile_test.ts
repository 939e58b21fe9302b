/**
 * Hostile input: names, reasons, labels, titles and error texts carrying HTML, script and Markdown
 * payloads, pushed through the Markdown helpers, the conclusions, every plot helper and the real
 * page renderer, then checked as strings, as a parsed DOM and in headless Chromium (no dialog, no
 * page error, no request).
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as Plot from "@observablehq/plot";
import { marked } from "marked";
import { parseHTML } from "linkedom";
import {
  bundleOf,
  codeSpan,
  escapeMarkdown,
  markdown,
  md,
  plot,
  scatter3d,
  table,
} from "../lib/plots/mod.ts";
import {
  aspectRatioConclusions,
  optConclusions,
  pareto3dConclusions,
  proxyConclusions,
  textPredictionConclusions,
} from "../lib/studies/conclusions.ts";
import { describeCorrelation, describeNoise } from "../lib/studies/wording.ts";
import {
  renderMarkdown,
  renderMimeBundle,
  renderNotebookPage,
  type ReportSettings,
} from "../lib/report/html.ts";
import { renderIndexPage } from "../lib/report/index_page.ts";
import type { Notebook, NotebookOutput, OutputData } from "../lib/report/execute.ts";
import { browserTestMode, checkPage, launchChromium } from "./browser.ts";

/** The payloads: script through tags, attributes, breaking out of script/comment, links. */
const PAYLOADS = [
  "C1<img src=x onerror=alert(1)>",
  "<script>alert(1)</script>",
  "</script><script>alert(1)</script>",
  "[x](javascript:alert(1))",
  "<!--",
  '"><svg onload=alert(1)>',
  "**bold** _x_ `code`",
  "![p](https://example.com/p.png) <https://example.com> [r]: javascript:alert(1)",
  "- a\n\n<div>\n<iframe src=javascript:alert(1)></iframe>\n</div>\n# h",
  "1. x | y ~~z~~ $m$ &amp; \\<b> ``` ``",
];
const ALL = PAYLOADS.join(" ");

const SETTINGS: ReportSettings = {
  quick: false,
  fresh: false,
  generatedAt: "2026-01-01T00:00:00Z",
  denoVersion: "2.9.6",
};

const ENTITIES: Record<string, string> = {
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
  "&amp;": "&",
};

/** Text of rendered HTML whose only tags are in `allowed` (throws on any other tag). */
function textOf(html: string, allowed: readonly string[]): string {
  const tags = [...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)[^>]*>/g)].map((m) => m[1]);
  const foreign = tags.filter((t) => !allowed.includes(t.toLowerCase()));
  assert.deepEqual(foreign, [], `unexpected tags in ${JSON.stringify(html)}`);
  return html.replace(/<[^>]*>/g, "").replace(/&(lt|gt|quot|#39|amp);/g, (e) => ENTITIES[e])
    .trim();
}

const collapse = (s: string) => s.replace(/[\t\n\f\r ]+/g, " ").trim();

/** Both the page renderer and marked's defaults (raw HTML allowed, as in JupyterLab). */
const RENDERERS: [string, (markdown: string) => string][] = [
  ["report", renderMarkdown],
  ["marked defaults", (s) => marked.parse(s, { async: false, gfm: true }) as string],
];

Deno.test("escapeMarkdown, codeSpan and md: a payload renders as its literal text", () => {
  for (const [name, render] of RENDERERS) {
    for (const p of PAYLOADS) {
      const item = textOf(render(`- ${escapeMarkdown(p)}`), ["ul", "li"]);
      assert.equal(item, collapse(p), `${name}: escapeMarkdown(${JSON.stringify(p)})`);
      const code = textOf(render(`x ${codeSpan(p)} y`), ["p", "code"]);
      assert.equal(code, `x ${p.replace(/\n/g, " ")} y`, `${name}: codeSpan(${JSON.stringify(p)})`);
      const tagged = textOf(render(md`**${p}** in \`${p}\`: ${-2}`), ["p", "strong", "code"]);
      assert.equal(tagged, `${collapse(p)} in ${p.replace(/\n/g, " ")}: -2`, `${name}: md`);
    }
  }
});

Deno.test("conclusions and wording escape every data string they interpolate", () => {
  const [a, b, c] = PAYLOADS;
  const lines = [
    ...proxyConclusions({
      rows: [
        { set: a, spearmanDecoder: 0.9, spearmanTotal: 0.95 },
        { set: b, spearmanDecoder: 0.9, spearmanTotal: 0.9 },
        { set: c, spearmanDecoder: 0.97, spearmanTotal: 0.4 },
      ],
      models: 30,
      homogeneousSet: a,
      heterogeneousSet: c,
    }),
    ...aspectRatioConclusions({
      spreads: [{ budget: b, latencySpread: 1.5, memorySpread: 2 }],
      models: [
        { budget: b, nLayer: 8, dModel: 128, latencyP50Ms: 12, vocabSize: 50257 },
        { budget: b, nLayer: 2, dModel: 256, latencyP50Ms: 8, vocabSize: 50257 },
      ],
      noise: 0.05,
      failed: PAYLOADS.map((p) => ({ name: p, reason: p })),
    }),
    ...pareto3dConclusions({
      frontier: 2,
      models: 5,
      slices: PAYLOADS.map((p) => ({ label: p, lost: 1 })),
      pairs: [{ a, b, differsOn: c, ratio: 1.5 }],
      objectives: PAYLOADS,
      noise: 0.05,
      minRatio: 1.2,
    }),
    ...optConclusions({
      seqLen: 2048,
      baseline: { latencyP50Ms: 1000, runs: 3 },
      candidates: PAYLOADS.map((p, i) => ({
        name: p,
        latencyP50Ms: 700 + 10 * i,
        decoderParamsWithPositions: 3e8,
        moreParamsThanBaseline: true,
      })),
      noise: 0.03,
      failed: [{ name: a, reason: ALL }],
    }),
    ...textPredictionConclusions({
      baseline: textRow("baseline", 10),
      candidates: PAYLOADS.map((p, i) => textRow(p, 5 + i)),
      tokenNoise: 0.05,
      promptNoise: 0.05,
      promptLen: 64,
    }),
    `- ${describeCorrelation(a, b, 0.9, 10)}; ${
      describeNoise({ processes: 3, latencySpread: 0.1 }, c)
    }`,
  ];
  for (const [name, render] of RENDERERS) {
    const html = render(lines.join("\n"));
    textOf(html, ["ul", "li", "strong", "code", "p"]);
    for (const p of PAYLOADS) {
      assert.ok(html.includes(escapeHtmlText(collapse(p))), `${name}: ${JSON.stringify(p)} shown`);
    }
  }
});

function textRow(name: string, tokenLatencyP50Ms: number) {
  return {
    name,
    nLayer: 6,
    dModel: 512,
    decoderParams: 2e7,
    totalParams: 4e7,
    promptLatencyP50Ms: 40,
    tokenLatencyP50Ms,
    latencyPerTokenP95Ms: tokenLatencyP50Ms + 1,
    paperPromptLatencyMs: 47,
    paperTokenLatencyMs: 11,
  };
}

function escapeHtmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

// ---------------------------------------------------------------- the page

const display = (data: OutputData): NotebookOutput => ({
  output_type: "display_data",
  data,
  metadata: {},
});

/** An executed notebook with a payload in every place data reaches a page. */
function hostileNotebook(): Notebook {
  const rows = PAYLOADS.map((p, i) => ({ name: p, latencyMs: i + 0.5, [p]: p }));
  const points = PAYLOADS.map((p, i) => ({ name: p, x: i, y: (i * 7) % 5, z: i * i }));
  const outputs: NotebookOutput[] = [
    { output_type: "stream", name: "stdout", text: ALL },
    display(bundleOf(markdown(ALL))),
    display(bundleOf(markdown(md`The fastest is **${ALL}** on \`${ALL}\`.`))),
    display(bundleOf(markdown(
      optConclusions({
        seqLen: 512,
        baseline: { latencyP50Ms: 100, runs: 3 },
        candidates: PAYLOADS.map((p) => ({
          name: p,
          latencyP50Ms: 50,
          decoderParamsWithPositions: 1e8,
          moreParamsThanBaseline: true,
        })),
        noise: 0.03,
        failed: PAYLOADS.map((p) => ({ name: p, reason: p })),
      }).join("\n"),
    ))),
    display(bundleOf(table(rows, { caption: ALL }))),
    display(bundleOf(plot({
      title: ALL,
      subtitle: ALL,
      caption: ALL,
      color: { legend: true },
      x: { label: ALL },
      marks: [
        Plot.dot(points, { x: "x", y: "y", fill: "name", title: "name", tip: true }),
        Plot.text(points, { x: "x", y: "y", text: "name" }),
      ],
    }))),
    display(bundleOf(plot({ marks: [Plot.dot(points, { x: "x", y: "y", title: "name" })] }))),
    display(bundleOf(scatter3d(points, {
      x: "x",
      y: "y",
      z: "z",
      labels: { x: ALL, y: PAYLOADS[1], z: PAYLOADS[2] },
      tip: (d) => `${d.name}\n${ALL}`,
      highlight: (_, i) => i % 2 === 0,
      highlightLabel: ALL,
      title: ALL,
    }))),
    display({ "image/png": `"><img src=x onerror=alert(1)>`, "text/plain": "png" }),
    {
      output_type: "error",
      ename: PAYLOADS[0],
      evalue: ALL,
      traceback: [`\x1b[31m${PAYLOADS[0]}: ${ALL}\x1b[0m`, `    at <anonymous>:1:7`],
    },
  ];
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", source: `# ${PAYLOADS[0]}\n\n${ALL}`, metadata: {} },
      { cell_type: "raw", source: ALL, metadata: {} },
      { cell_type: "code", source: `const s = ${JSON.stringify(ALL)};`, metadata: {}, outputs },
    ],
  };
}

function hostilePage(): string {
  return renderNotebookPage(hostileNotebook(), {
    name: PAYLOADS[5],
    title: ALL,
    durationMs: 1200,
    settings: SETTINGS,
  });
}

function hostileIndex(): string {
  return renderIndexPage([
    { name: "01-ok", title: ALL, status: "ok", durationMs: 900, settings: SETTINGS },
    { name: PAYLOADS[0], title: ALL, status: "failed", failure: `cell 3: Error: ${ALL}` },
    { name: PAYLOADS[2], title: ALL, status: "not run" },
  ], SETTINGS);
}

/** What in a page could run script or load something: the strings that must never appear. */
const FORBIDDEN = [
  "<img src=x",
  "<script>alert",
  "<svg onload",
  "<iframe",
  "<!--",
  'href="javascript:',
  'src="https:',
  "<b>",
];

/** Scripts, event-handler attributes, script URLs and loading elements in a parsed page. */
function activeContent(html: string): string[] {
  const { document } = parseHTML(html) as unknown as { document: Document };
  const found: string[] = [];
  for (const el of Array.from(document.querySelectorAll("*"))) {
    const tag = el.tagName.toLowerCase();
    for (const attr of Array.from(el.attributes)) {
      if (/^on/i.test(attr.name)) found.push(`${tag}[${attr.name}]`);
      if (/^(href|src|xlink:href|action|formaction)$/i.test(attr.name)) {
        // deno-lint-ignore no-control-regex
        const value = attr.value.replace(/[\u0000-\u0020]/g, "");
        const dataImage = tag === "img" && /^data:image\//i.test(value);
        if (/^(javascript|vbscript|data):/i.test(value) && !dataImage) {
          found.push(`${tag}[${attr.name}=${attr.value}]`);
        }
        if (tag !== "a" && !dataImage) found.push(`${tag}[${attr.name}=${attr.value}]`);
      }
    }
    if (["iframe", "object", "embed", "img", "link", "base", "form"].includes(tag)) {
      if (!(tag === "img" && /^data:image\//.test(el.getAttribute("src") ?? ""))) found.push(tag);
    }
    if (tag === "script") {
      const ours = el.getAttribute("type") === "application/json"
        ? el.getAttribute("class") === "lts-scatter3d-data"
        : (el.textContent ?? "").includes("figure.lts-scatter3d:not([data-ready])");
      const text = el.textContent ?? "";
      const inert = el.getAttribute("type") === "application/json"
        ? !/<\/|<!--/.test(text)
        : !/alert/.test(text);
      if (!ours || !inert) found.push(`script: ${text}`);
    }
  }
  return found;
}

Deno.test("page and index: no payload reaches the page unescaped", () => {
  for (const [name, html] of [["page", hostilePage()], ["index", hostileIndex()]]) {
    for (const bad of FORBIDDEN) {
      assert.ok(!html.includes(bad), `${name} contains ${JSON.stringify(bad)}`);
    }
    assert.deepEqual(activeContent(html), [], `${name}: active content`);
  }
  const page = hostilePage();
  // Shown as text instead, and Markdown in data stays literal while authored Markdown renders.
  assert.ok(page.includes("C1&lt;img src=x onerror=alert(1)&gt;"));
  assert.ok(page.includes("**bold** _x_ `code`"), "Markdown in data stays literal");
  assert.ok(page.includes("<strong>bold</strong>"), "authored Markdown still renders");
  assert.equal((page.match(/<script/g) ?? []).length, 2, "only the 3-D scatter's two scripts");
  assert.ok(renderMimeBundle({ "image/png": 'x"y' }).includes("not base64"));
});

// ---------------------------------------------------------------- browser

const browserMode = browserTestMode();

Deno.test({
  name: "browser: the hostile page and index fire no dialog, no error and no request",
  ignore: browserMode === "skip",
  // playwright-core keeps its Chromium pipe and timers alive past browser.close()
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (browserMode === "fail") {
      throw new Error("chromium is missing (apt-get install -y chromium) and CI is set");
    }
    const dir = await Deno.makeTempDir({ prefix: "lts-hostile-" });
    const browser = await launchChromium();
    try {
      await Deno.writeTextFile(join(dir, "hostile.html"), hostilePage());
      await Deno.writeTextFile(join(dir, "index.html"), hostileIndex());
      for (const file of ["hostile.html", "index.html"]) {
        const seen = await checkPage(join(dir, file), {
          browser,
          inspect: async (page) => {
            await page.waitForTimeout(150);
            return await page.evaluate(() => {
              // deno-lint-ignore no-explicit-any
              const doc = (globalThis as any).document;
              const all = Array.from(doc.querySelectorAll("*")) as {
                attributes: ArrayLike<{ name: string }>;
              }[];
              return {
                handlers: all.filter((el) =>
                  Array.from(el.attributes).some((a) => /^on/i.test(a.name))
                ).length,
                scripts: doc.querySelectorAll("script").length,
                scatterReady: doc.querySelectorAll("figure.lts-scatter3d[data-ready]").length,
              };
            });
          },
        });
        assert.deepEqual(seen.dialogs, [], `${file}: dialogs`);
        assert.deepEqual(seen.pageErrors, [], `${file}: page errors`);
        assert.deepEqual(seen.consoleErrors, [], `${file}: console errors`);
        assert.deepEqual(seen.externalRequests, [], `${file}: external requests`);
        assert.deepEqual(seen.requests, [], `${file}: requests`);
        const dom = seen.inspected as { handlers: number; scripts: number; scatterReady: number };
        assert.equal(dom.handlers, 0, `${file}: event-handler attributes`);
        if (file === "hostile.html") {
          assert.equal(dom.scripts, 2);
          assert.equal(dom.scatterReady, 1, "the 3-D scatter's own script still runs");
        }
      }
    } finally {
      await browser.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import * as aq from "arquero";
import {
  bundleOf,
  createProgress,
  display,
  displayable,
  escapeHtml,
  formatCell,
  inKernel,
  isDisplayable,
  plot,
  progressBundle,
  project,
  scatter3d,
  scatter3dHtml,
  scriptJson,
  show,
  SVG_NS,
  table,
  tableHtml,
  tableText,
} from "../lib/plots/mod.ts";

const points = [
  { id: "a", latencyMs: 1, memoryMB: 10, proxy: 5 },
  { id: "b", latencyMs: 2, memoryMB: 30, proxy: 7 },
  { id: "c<script>", latencyMs: 3, memoryMB: 20, proxy: 9 },
];

Deno.test("plot: a plain Plot is an image/svg+xml bundle with xmlns", () => {
  const bundle = bundleOf(plot({ marks: [Plot.dot(points, { x: "latencyMs", y: "proxy" })] }));
  const svg = bundle["image/svg+xml"] as string;
  assert.equal(typeof svg, "string");
  assert.match(svg, /^<svg /);
  assert.ok(svg.includes(`xmlns="${SVG_NS}"`));
  assert.equal((svg.match(/<circle/g) ?? []).length, 3);
  assert.equal(bundle["text/html"], undefined);
  assert.equal(typeof bundle["text/plain"], "string");
});

Deno.test("plot: a titled Plot with a legend is text/html (figure) with svgs carrying xmlns", () => {
  const bundle = bundleOf(plot({
    title: "Memory <by> id",
    color: { legend: true },
    marks: [Plot.dot(points, { x: "latencyMs", y: "memoryMB", fill: "id" })],
  }));
  const html = bundle["text/html"] as string;
  assert.match(html, /^<figure/);
  assert.ok(html.includes("Memory &lt;by&gt; id"));
  const svgs = html.match(/<svg[^>]*>/g) ?? [];
  assert.ok(svgs.length >= 2, "legend swatches and the plot");
  for (const tag of svgs) assert.ok(tag.includes(`xmlns="${SVG_NS}"`), tag);
  assert.equal(bundle["image/svg+xml"], undefined);
});

Deno.test("display: bundle shape, Jupyter symbol, and a no-op outside the kernel", async () => {
  const value = displayable({ "text/plain": "hi", "text/html": "<b>hi</b>" });
  assert.ok(isDisplayable(value));
  assert.ok(!isDisplayable({ "text/plain": "x" }));
  const viaSymbol = (value as unknown as Record<symbol, () => unknown>)[
    Symbol.for("Jupyter.display")
  ]();
  assert.deepEqual(viaSymbol, { "text/plain": "hi", "text/html": "<b>hi</b>" });
  assert.equal(inKernel(), false);
  const printed: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    assert.equal(await display(value, { displayId: "x" }), false);
  } finally {
    console.error = original;
  }
  assert.deepEqual(printed, ["hi"]);
});

Deno.test("formatCell: integers grouped, reals rounded, arrays compact, nulls empty", () => {
  assert.equal(formatCell(124439808), "124,439,808");
  assert.equal(formatCell(3.14159), "3.142");
  assert.equal(formatCell(1234.5678), "1234.6");
  assert.equal(formatCell(0.012345), "0.0123");
  assert.equal(formatCell(1.5e-7), "1.50e-7");
  assert.equal(formatCell([8, 8, 4]), "[8, 8, 4]");
  assert.equal(formatCell(null), "");
  assert.equal(formatCell(undefined), "");
  assert.equal(formatCell(NaN), "NaN");
  assert.equal(formatCell(true), "true");
});

Deno.test("table: Arquero table to escaped HTML, numbers right-aligned, row limit", () => {
  const t = aq.table({
    name: ["<script>alert(1)</script>", "b & c", "d"],
    latencyMs: [1.23456, 22, 3],
  });
  const html = tableHtml(t, { limit: 2, caption: "x<y" });
  assert.ok(!html.includes("<script>"));
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  assert.ok(html.includes("b &amp; c"));
  assert.ok(html.includes("<caption>x&lt;y — 2 of 3 rows</caption>"));
  assert.equal((html.match(/<tr>/g) ?? []).length, 3, "header + 2 rows");
  assert.ok(html.includes('<td style="text-align:right">1.235</td>'));
  assert.ok(html.includes('<th style="text-align:right">latencyMs</th>'));
  assert.ok(html.includes("<th>name</th>"));
});

Deno.test("table: arrays of records, column choice, text rendering, displayable bundle", () => {
  const rows = [{ a: 1, b: "x" }, { a: 22, c: true }];
  assert.equal(tableText(rows), "a   b  c\n1   x\n22     true");
  const html = tableHtml(rows, { columns: ["c", "a"] });
  assert.match(html, /<th>c<\/th><th style="text-align:right">a<\/th>/);
  const bundle = bundleOf(table(rows));
  assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
});

Deno.test("project: identity at yaw 0 / pitch 0, top view at pitch π/2", () => {
  assert.deepEqual(project([0.5, 0.25, -1], 0, 0), { sx: 0.5, sy: -1, depth: 0.25 });
  const top = project([0.5, 0.25, -1], 0, Math.PI / 2);
  assert.ok(Math.abs(top.sx - 0.5) < 1e-12);
  assert.ok(Math.abs(top.sy - 0.25) < 1e-12);
  const quarter = project([1, 0, 0], Math.PI / 2, 0);
  assert.ok(Math.abs(quarter.sx) < 1e-12 && Math.abs(quarter.depth - 1) < 1e-12);
});

Deno.test("scatter3d: SVG with every point, escaped tooltips, embedded JSON data and a script", () => {
  const html = scatter3dHtml(points, {
    x: "latencyMs",
    y: "memoryMB",
    z: "proxy",
    labels: { z: "proxy <score>" },
    highlight: (d) => d.id !== "b",
    highlightLabel: "Pareto frontier",
    title: "Candidates",
  });
  assert.match(html, /^<figure class="lts-scatter3d"/);
  assert.ok(html.includes(`<svg xmlns="${SVG_NS}"`));
  assert.equal((html.match(/<circle /g) ?? []).length, 3);
  assert.equal((html.match(/<circle class="hi"/g) ?? []).length, 2);
  assert.ok(html.includes("Pareto frontier (2)"));
  assert.ok(html.includes("proxy &lt;score&gt;"));
  assert.ok(html.includes("<title>id: c&lt;script&gt;"), "tooltip escaped");
  assert.equal((html.match(/<script>/g) ?? []).length, 1, "one inline script, no injected one");
  const json = html.match(
    /<script type="application\/json" class="lts-scatter3d-data">(.*?)<\/script>/s,
  );
  assert.ok(json);
  const data = JSON.parse(json[1]);
  assert.deepEqual(data.raw, [[1, 10, 5], [2, 30, 7], [3, 20, 9]]);
  assert.deepEqual(data.ranges, [[1, 3], [10, 30], [5, 9]]);
  assert.deepEqual(data.points[0], [-1, -1, -1]);
  assert.deepEqual(data.highlighted, [true, false, true]);
  assert.ok(!/src=|href=|@import|url\(/.test(html), "no external resources");
  const bundle = bundleOf(scatter3d(points, { x: "latencyMs", y: "memoryMB", z: "proxy" }));
  assert.match(bundle["text/plain"] as string, /3 points/);
});

Deno.test("scatter3d: accessor channels, constant axis and default tooltips", () => {
  const html = scatter3dHtml([{ v: 2 }, { v: 4 }], { x: (d) => d.v, y: () => 7, z: "v" });
  const data = JSON.parse(html.match(/class="lts-scatter3d-data">(.*?)<\/script>/s)![1]);
  assert.deepEqual(data.points.map((p: number[]) => p[1]), [0, 0], "constant axis centred");
  assert.deepEqual(data.labels, ["x", "y", "v"]);
  assert.ok(html.includes("<title>v: 2</title>"));
});

Deno.test("escapeHtml and scriptJson", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  const json = scriptJson({ s: "</script><!--\u2028" });
  assert.ok(!json.includes("</script>") && !json.includes("<!--") && !json.includes("\u2028"));
  assert.deepEqual(JSON.parse(json), { s: "</script><!--\u2028" });
});

Deno.test("progress: bundle text and HTML, stderr lines outside the kernel", async () => {
  const bundle = progressBundle("study <1>", 3, 12, "arch 3");
  assert.equal(bundle["text/plain"], "study <1>: 3/12 (25%) arch 3");
  assert.match(bundle["text/html"] as string, /<progress value="3" max="12"><\/progress>/);
  assert.ok((bundle["text/html"] as string).includes("study &lt;1&gt;"));
  const printed: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => printed.push(args.join(" "));
  try {
    const progress = createProgress("p", 4, { minIntervalMs: 0 });
    for (let i = 1; i <= 4; i++) await progress.update(i);
    await progress.finish();
  } finally {
    console.error = original;
  }
  assert.equal(printed.length, 5);
  assert.match(printed[3], /^p: 4\/4 \(100%/);
  assert.match(printed[4], /done$/);
});

Deno.test("show: outside the kernel prints each value's text/plain to stdout", async () => {
  const printed: unknown[][] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => void printed.push(args);
  try {
    await show(displayable({ "text/plain": "first", "text/html": "<b>first</b>" }), {
      "text/plain": "second",
    }, { "text/html": "<i>no text</i>" });
  } finally {
    console.log = log;
  }
  assert.deepEqual(printed, [["first"], ["second"]]);
});

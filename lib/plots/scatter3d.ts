/**
 * A rotatable 3-D scatter plot as one self-contained HTML fragment: an inline SVG with the initial
 * projection rendered here (visible without JavaScript, with native tooltips), the data as embedded
 * JSON, and a small inline script that lets the reader drag to rotate (double-click resets). No
 * dependencies; works in JupyterLab (trusted output) and in the static report.
 *
 * @module
 */
import { escapeHtml, scriptJson } from "./document.ts";
import { type Displayable, displayable, SVG_NS } from "./display.ts";
import { formatCell } from "./table.ts";

/** A channel: a field name or an accessor. */
export type Channel3d<T> = keyof T & string | ((d: T) => number);

/** Options for {@linkcode scatter3d}. */
export interface Scatter3dOptions<T> {
  x: Channel3d<T>;
  y: Channel3d<T>;
  /** The vertical axis. */
  z: Channel3d<T>;
  /** Axis labels (default: the field names). */
  labels?: { x?: string; y?: string; z?: string };
  /** Tooltip text of a point (default: its fields, one per line). */
  tip?: (d: T) => string;
  /** Points to highlight (e.g. the Pareto frontier). */
  highlight?: (d: T, index: number) => boolean;
  /** Legend text for highlighted points (default "highlighted"). */
  highlightLabel?: string;
  title?: string;
  width?: number;
  height?: number;
  /** Initial rotation around the vertical axis, radians (default −0.6). */
  yaw?: number;
  /** Initial tilt, radians (default 0.45). */
  pitch?: number;
}

/** A point in the unit cube [−1, 1]³ projected to the screen. */
export interface Projected {
  /** Screen x, right. */
  sx: number;
  /** Screen y, up. */
  sy: number;
  /** Distance from the viewer (larger is farther). */
  depth: number;
}

/**
 * Orthographic projection after turning by `yaw` around the vertical (z) axis and tilting by
 * `pitch` (the same formula as the inline script).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { project } from "./scatter3d.ts";
 * assert.deepEqual(project([1, 0, 0], 0, 0), { sx: 1, sy: 0, depth: 0 });
 * ```
 */
export function project(p: readonly number[], yaw: number, pitch: number): Projected {
  const [x, y, z] = p;
  const x1 = x * Math.cos(yaw) - y * Math.sin(yaw);
  const y1 = x * Math.sin(yaw) + y * Math.cos(yaw);
  return {
    sx: x1,
    sy: z * Math.cos(pitch) + y1 * Math.sin(pitch),
    depth: y1 * Math.cos(pitch) - z * Math.sin(pitch),
  };
}

function accessor<T>(channel: Channel3d<T>): (d: T) => number {
  return typeof channel === "function" ? channel : (d: T) => Number(d[channel]);
}

function channelName<T>(channel: Channel3d<T>, fallback: string): string {
  return typeof channel === "string" ? channel : fallback;
}

function defaultTip<T>(d: T): string {
  if (d === null || typeof d !== "object") return formatCell(d);
  return Object.entries(d as Record<string, unknown>).map(([k, v]) => `${k}: ${formatCell(v)}`)
    .join("\n");
}

const BOX_EDGES: [number[], number[]][] = (() => {
  const corners = [-1, 1].flatMap((x) => [-1, 1].flatMap((y) => [-1, 1].map((z) => [x, y, z])));
  const edges: [number[], number[]][] = [];
  for (let i = 0; i < corners.length; i++) {
    for (let j = i + 1; j < corners.length; j++) {
      const diff = corners[i].filter((v, k) => v !== corners[j][k]).length;
      if (diff === 1) edges.push([corners[i], corners[j]]);
    }
  }
  return edges;
})();

const AXES = [
  { end: [1, -1, -1], label: [1.2, -1, -1] },
  { end: [-1, 1, -1], label: [-1, 1.2, -1] },
  { end: [-1, -1, 1], label: [-1, -1, 1.15] },
];
const ORIGIN = [-1, -1, -1];

const CLIENT_SCRIPT = `(function () {
  var figs = document.querySelectorAll("figure.lts-scatter3d:not([data-ready])");
  Array.prototype.forEach.call(figs, function (fig) {
    fig.setAttribute("data-ready", "1");
    var data = JSON.parse(fig.querySelector("script.lts-scatter3d-data").textContent);
    var svg = fig.querySelector("svg");
    var dots = svg.querySelector("g.dots");
    var circles = Array.prototype.slice.call(dots.querySelectorAll("circle"));
    var lines = svg.querySelectorAll("line[data-a]");
    var texts = svg.querySelectorAll("text[data-p]");
    var yaw = data.yaw, pitch = data.pitch;
    function proj(p) {
      var x1 = p[0] * Math.cos(yaw) - p[1] * Math.sin(yaw);
      var y1 = p[0] * Math.sin(yaw) + p[1] * Math.cos(yaw);
      return [data.cx + data.scale * x1,
        data.cy - data.scale * (p[2] * Math.cos(pitch) + y1 * Math.sin(pitch)),
        y1 * Math.cos(pitch) - p[2] * Math.sin(pitch)];
    }
    function render() {
      Array.prototype.forEach.call(lines, function (l) {
        var a = proj(JSON.parse(l.getAttribute("data-a"))), b = proj(JSON.parse(l.getAttribute("data-b")));
        l.setAttribute("x1", a[0].toFixed(1)); l.setAttribute("y1", a[1].toFixed(1));
        l.setAttribute("x2", b[0].toFixed(1)); l.setAttribute("y2", b[1].toFixed(1));
      });
      Array.prototype.forEach.call(texts, function (t) {
        var a = proj(JSON.parse(t.getAttribute("data-p")));
        t.setAttribute("x", a[0].toFixed(1)); t.setAttribute("y", a[1].toFixed(1));
      });
      var order = circles.map(function (c) {
        var a = proj(data.points[+c.getAttribute("data-i")]);
        c.setAttribute("cx", a[0].toFixed(1)); c.setAttribute("cy", a[1].toFixed(1));
        return [a[2], c];
      });
      order.sort(function (u, v) { return v[0] - u[0]; });
      order.forEach(function (o) { dots.appendChild(o[1]); });
    }
    var drag = null;
    svg.style.cursor = "grab";
    svg.addEventListener("pointerdown", function (e) {
      drag = [e.clientX, e.clientY, yaw, pitch];
      svg.setPointerCapture(e.pointerId);
      svg.style.cursor = "grabbing";
    });
    svg.addEventListener("pointermove", function (e) {
      if (!drag) return;
      yaw = drag[2] + (e.clientX - drag[0]) * 0.01;
      pitch = Math.max(-1.5, Math.min(1.5, drag[3] + (e.clientY - drag[1]) * 0.01));
      render();
    });
    function end() { drag = null; svg.style.cursor = "grab"; }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    svg.addEventListener("dblclick", function () { yaw = data.yaw; pitch = data.pitch; render(); });
  });
})();`;

const r1 = (v: number) => v.toFixed(1);

/**
 * The HTML fragment of a rotatable 3-D scatter (`<figure class="lts-scatter3d">`).
 *
 * @example
 * ```ts
 * import { scatter3dHtml } from "./scatter3d.ts";
 * const html = scatter3dHtml([{ latencyMs: 10, memoryMB: 80, proxy: 3e6 }], {
 *   x: "latencyMs", y: "memoryMB", z: "proxy",
 * });
 * ```
 */
export function scatter3dHtml<T>(data: readonly T[], options: Scatter3dOptions<T>): string {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const yaw = options.yaw ?? -0.6;
  const pitch = options.pitch ?? 0.45;
  const fx = accessor(options.x), fy = accessor(options.y), fz = accessor(options.z);
  const labels = [
    options.labels?.x ?? channelName(options.x, "x"),
    options.labels?.y ?? channelName(options.y, "y"),
    options.labels?.z ?? channelName(options.z, "z"),
  ];
  const raw = data.map((d) => [fx(d), fy(d), fz(d)]);
  const ranges = [0, 1, 2].map((k) => {
    const values = raw.map((p) => p[k]).filter(Number.isFinite);
    return values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
  });
  const unit = (v: number, k: number) => {
    const [lo, hi] = ranges[k];
    return hi > lo && Number.isFinite(v) ? ((v - lo) / (hi - lo)) * 2 - 1 : 0;
  };
  const points = raw.map((p) => p.map((v, k) => Number(unit(v, k).toFixed(4))));
  const highlighted = data.map((d, i) => options.highlight?.(d, i) ?? false);
  const tip = options.tip ?? defaultTip;
  // Every rotation stays inside the frame: labels reach at most ~1.9 from the centre.
  const top = 30;
  const scale = Math.min(width, height - top) / 2 / 1.95;
  const cx = width / 2, cy = top + (height - top) / 2;
  const screen = (p: readonly number[]) => {
    const q = project(p, yaw, pitch);
    return { x: cx + scale * q.sx, y: cy - scale * q.sy, depth: q.depth };
  };

  const line = (a: number[], b: number[], cls: string) => {
    const pa = screen(a), pb = screen(b);
    return `<line class="${cls}" data-a="${JSON.stringify(a)}" data-b="${JSON.stringify(b)}" ` +
      `x1="${r1(pa.x)}" y1="${r1(pa.y)}" x2="${r1(pb.x)}" y2="${r1(pb.y)}"/>`;
  };
  const text = (p: number[], content: string, cls: string, dy = "0") => {
    const s = screen(p);
    return `<text class="${cls}" data-p="${JSON.stringify(p)}" x="${r1(s.x)}" y="${r1(s.y)}" ` +
      `dy="${dy}">${escapeHtml(content)}</text>`;
  };
  const box = BOX_EDGES.map(([a, b]) => line(a, b, "box")).join("");
  // Each axis runs from the corner (−1, −1, −1); its label and value range sit past its end.
  const axes = AXES.map((axis, k) => {
    const range = `${formatCell(ranges[k][0])} – ${formatCell(ranges[k][1])}`;
    return line(ORIGIN, axis.end, "axis") + text(axis.label, labels[k], "label") +
      text(axis.label, range, "tick", "1.3em");
  }).join("");
  const order = points.map((p, i) => ({ i, depth: screen(p).depth }))
    .sort((a, b) => b.depth - a.depth);
  const dots = order.map(({ i }) => {
    const s = screen(points[i]);
    const cls = highlighted[i] ? "hi" : "lo";
    return `<circle class="${cls}" data-i="${i}" cx="${r1(s.x)}" cy="${r1(s.y)}" ` +
      `r="${highlighted[i] ? 4.5 : 3}"><title>${escapeHtml(tip(data[i]))}</title></circle>`;
  }).join("\n");
  const nHigh = highlighted.filter((h) => h).length;
  const legend =
    `<text x="10" y="18" class="legend"><tspan class="lo-key">●</tspan> all (${data.length})` +
    (nHigh
      ? ` <tspan class="hi-key">●</tspan> ${
        escapeHtml(options.highlightLabel ?? "highlighted")
      } (${nHigh})`
      : "") +
    `</text><text x="${
      width - 10
    }" y="18" class="hint">drag to rotate · double-click to reset</text>`;
  const style = `<style>
.lts-scatter3d svg { font: 11px system-ui, sans-serif; touch-action: none; user-select: none; }
.lts-scatter3d .box { stroke: #ddd; }
.lts-scatter3d .axis { stroke: #555; stroke-width: 1.2; }
.lts-scatter3d .label { font-weight: 600; text-anchor: middle; fill: #222; }
.lts-scatter3d .tick { fill: #777; text-anchor: middle; font-size: 9px; }
.lts-scatter3d .lo { fill: steelblue; fill-opacity: 0.55; stroke: white; stroke-width: 0.5; }
.lts-scatter3d .hi { fill: orangered; stroke: #400; stroke-width: 0.8; }
.lts-scatter3d .lo-key { fill: steelblue; } .lts-scatter3d .hi-key { fill: orangered; }
.lts-scatter3d .hint { fill: #999; text-anchor: end; }
</style>`;
  const payload = { yaw, pitch, cx, cy, scale, labels, ranges, points, highlighted, raw };
  return [
    `<figure class="lts-scatter3d" style="margin:0">`,
    options.title ? `<figcaption><strong>${escapeHtml(options.title)}</strong></figcaption>` : "",
    style,
    `<svg xmlns="${SVG_NS}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="${escapeHtml(`3-D scatter: ${labels.join(", ")}`)}">`,
    `<g class="frame">${box}${axes}</g>`,
    `<g class="dots">\n${dots}\n</g>`,
    legend,
    `</svg>`,
    `<script type="application/json" class="lts-scatter3d-data">${scriptJson(payload)}</script>`,
    `<script>${CLIENT_SCRIPT}</script>`,
    `</figure>`,
  ].filter((s) => s).join("\n");
}

/**
 * A displayable rotatable 3-D scatter (`text/html` plus a `text/plain` summary).
 *
 * @example
 * ```ts
 * import { scatter3d } from "./scatter3d.ts";
 * const archs = [{ id: "a", latencyMs: 10, memoryMB: 80, proxy: 3e6, pareto: true }];
 * scatter3d(archs, {
 *   x: "latencyMs", y: "memoryMB", z: "proxy",
 *   highlight: (d) => d.pareto, highlightLabel: "Pareto frontier",
 * });
 * ```
 */
export function scatter3d<T>(data: readonly T[], options: Scatter3dOptions<T>): Displayable {
  return displayable({
    "text/html": scatter3dHtml(data, options),
    "text/plain": `[3-D scatter of ${data.length} points${
      options.title ? `: ${options.title}` : ""
    }]`,
  });
}

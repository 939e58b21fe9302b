/**
 * The report's index page: every notebook with its title, status, execution time and the settings
 * it was generated with.
 *
 * @module
 */
import { escapeHtml } from "../plots/document.ts";
import {
  formatDuration,
  pageStart,
  quickBanner,
  type ReportSettings,
  settingsLine,
} from "./html.ts";

/** One row of the index. */
export interface IndexEntry {
  /** File name without `.ipynb`. */
  name: string;
  title: string;
  /** `ok` (page written), `failed` (no page), `not run` (not selected and no earlier page). */
  status: "ok" | "failed" | "not run";
  durationMs?: number;
  /** Settings of the run that produced this entry's page. */
  settings?: ReportSettings;
  /** Failure summary, e.g. "cell 4: TypeError: x is undefined". */
  failure?: string;
}

/**
 * The index page HTML. Links only to pages that exist (status `ok`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderIndexPage } from "./index_page.ts";
 * const settings = { quick: true, fresh: false, generatedAt: "2026-01-01T00:00:00Z", denoVersion: "2.9.6" };
 * const html = renderIndexPage([{ name: "01-proxy", title: "The proxy", status: "ok", durationMs: 900, settings }], settings);
 * assert.ok(html.includes('href="01-proxy.html"'));
 * ```
 */
export function renderIndexPage(entries: readonly IndexEntry[], settings: ReportSettings): string {
  const rows = entries.map((e) => {
    const title = e.status === "ok"
      ? `<a href="${encodeURIComponent(e.name)}.html">${escapeHtml(e.title)}</a>`
      : escapeHtml(e.title);
    const statusClass = `status-${e.status.replace(" ", "-")}`;
    const status = e.failure
      ? `${escapeHtml(e.status)}<br><small>${escapeHtml(e.failure)}</small>`
      : escapeHtml(e.status);
    return [
      `<tr>`,
      `<td>${title}<br><small class="meta">${escapeHtml(e.name)}.ipynb</small></td>`,
      `<td class="${statusClass}">${status}</td>`,
      `<td style="text-align:right">${
        e.durationMs === undefined ? "" : escapeHtml(formatDuration(e.durationMs))
      }</td>`,
      `<td class="meta">${e.settings ? escapeHtml(settingsLine(e.settings)) : ""}</td>`,
      `</tr>`,
    ].join("");
  });
  return [
    ...pageStart("LTS notebooks"),
    `<h1>LTS notebooks</h1>`,
    `<div class="meta">Last generated: ${escapeHtml(settingsLine(settings))}</div>`,
    quickBanner(settings),
    `</header>`,
    `<table class="index">`,
    `<thead><tr><th>Notebook</th><th>Status</th><th style="text-align:right">Time</th>` +
    `<th>Generated</th></tr></thead>`,
    `<tbody>`,
    ...rows,
    `</tbody>`,
    `</table>`,
    `</main>`,
    `</body>`,
    `</html>`,
    ``,
  ].join("\n");
}

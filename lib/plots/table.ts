/**
 * Tables (Arquero tables or arrays of records) as escaped HTML, with sensible number formatting.
 *
 * @module
 */
import { escapeHtml } from "./document.ts";
import { type Displayable, displayable } from "./display.ts";

/** What {@linkcode tableHtml} accepts: an Arquero table (duck-typed) or an array of records. */
export type TableInput =
  | { columnNames(): string[]; numRows(): number; objects(options?: { limit?: number }): object[] }
  | readonly Record<string, unknown>[];

/** Options for {@linkcode tableHtml}. */
export interface TableOptions {
  /** Show at most this many rows (default 100); the caption says how many were left out. */
  limit?: number;
  /** Columns to show, in order (default: all). */
  columns?: string[];
  /** A caption above the table. */
  caption?: string;
}

const INTEGER = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/**
 * Formats one cell: integers with thousands separators, other numbers with 3–4 significant digits
 * (exponent for tiny/huge), arrays compactly, `null`/`undefined` as empty.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCell } from "./table.ts";
 * assert.equal(formatCell(124439808), "124,439,808");
 * assert.equal(formatCell(3.14159), "3.142");
 * assert.equal(formatCell([8, 8, 4]), "[8, 8, 4]");
 * ```
 */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "bigint") return INTEGER.format(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(formatCell).join(", ")}]`;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return INTEGER.format(x);
  const abs = Math.abs(x);
  if (abs >= 1e15 || abs < 1e-4) return x.toExponential(2);
  if (abs >= 100) return x.toFixed(1);
  if (abs >= 1) return String(Number(x.toFixed(3)));
  return String(Number(x.toPrecision(3)));
}

/**
 * Rows and column names of a {@linkcode TableInput}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableRows } from "./table.ts";
 * assert.deepEqual(tableRows([{ a: 1 }, { b: 2 }]).columns, ["a", "b"]);
 * ```
 */
export function tableRows(
  input: TableInput,
  limit = Infinity,
): { columns: string[]; rows: Record<string, unknown>[]; totalRows: number } {
  if (Array.isArray(input)) {
    const records = input as readonly Record<string, unknown>[];
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    return { columns, rows: records.slice(0, limit), totalRows: records.length };
  }
  const table = input as Exclude<TableInput, readonly Record<string, unknown>[]>;
  const totalRows = table.numRows();
  const rows = table.objects(Number.isFinite(limit) ? { limit } : undefined) as Record<
    string,
    unknown
  >[];
  return { columns: table.columnNames(), rows, totalRows };
}

/**
 * An HTML `<table>`; every header and cell is escaped, numeric columns are right-aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as aq from "arquero";
 * import { tableHtml } from "./table.ts";
 * const html = tableHtml(aq.table({ name: ["<a>"], latencyMs: [12.345] }));
 * assert.ok(html.startsWith('<table class="lts-table">') && html.includes("&lt;a&gt;") && html.includes(">12.345<"));
 * ```
 */
export function tableHtml(input: TableInput, options: TableOptions = {}): string {
  const limit = options.limit ?? 100;
  const { columns: all, rows, totalRows } = tableRows(input, limit);
  const columns = options.columns ?? all;
  const numeric = columns.map((c) =>
    rows.length > 0 &&
    rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === "number")
  );
  const align = (i: number) => numeric[i] ? ' style="text-align:right"' : "";
  const caption = [
    options.caption ?? "",
    totalRows > rows.length ? `${rows.length} of ${INTEGER.format(totalRows)} rows` : "",
  ].filter((s) => s).join(" — ");
  const head = columns.map((c, i) => `<th${align(i)}>${escapeHtml(c)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr>${
      columns.map((c, i) => `<td${align(i)}>${escapeHtml(formatCell(r[c]))}</td>`).join("")
    }</tr>`
  ).join("\n");
  return [
    `<table class="lts-table">`,
    caption ? `<caption>${escapeHtml(caption)}</caption>` : "",
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>\n${body}\n</tbody>`,
    `</table>`,
  ].filter((s) => s).join("\n");
}

/**
 * Plain-text rendering (aligned columns), the `text/plain` part of {@linkcode table}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableText } from "./table.ts";
 * assert.equal(tableText([{ a: 1, b: "x" }]), "a  b\n1  x");
 * ```
 */
export function tableText(input: TableInput, options: TableOptions = {}): string {
  const { columns: all, rows, totalRows } = tableRows(input, options.limit ?? 100);
  const columns = options.columns ?? all;
  const cells = [columns, ...rows.map((r) => columns.map((c) => formatCell(r[c])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const lines = cells.map((row) => row.map((s, i) => s.padEnd(widths[i])).join("  ").trimEnd());
  if (totalRows > rows.length) lines.push(`… ${totalRows - rows.length} more rows`);
  return lines.join("\n");
}

/**
 * A displayable table (`text/html` and `text/plain`).
 *
 * @example
 * ```ts
 * import * as aq from "arquero";
 * import { table } from "./table.ts";
 * table(aq.table({ arch: ["a", "b"], decoderParams: [1e6, 2e6] }), { caption: "candidates" });
 * ```
 */
export function table(input: TableInput, options: TableOptions = {}): Displayable {
  return displayable({
    "text/html": tableHtml(input, options),
    "text/plain": tableText(input, options),
  });
}

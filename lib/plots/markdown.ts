/**
 * Markdown built from computed values (conclusions that stay true when the numbers change), and
 * the number formats it uses.
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

/**
 * A parameter count in millions (`85.1 M`) or thousands.
 *
 * @example
 * ```ts
 * import { formatCount } from "./markdown.ts";
 * formatCount(85_056_000); // "85.1 M"
 * ```
 */
export function formatCount(n: number): string {
  if (Math.abs(n) >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

/**
 * Bytes in MiB with one decimal.
 *
 * @example
 * ```ts
 * import { formatMiB } from "./markdown.ts";
 * formatMiB(3 * 2 ** 20); // "3.0 MiB"
 * ```
 */
export function formatMiB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * A ratio as `1.35×`.
 *
 * @example
 * ```ts
 * import { formatRatio } from "./markdown.ts";
 * formatRatio(1.349); // "1.35×"
 * ```
 */
export function formatRatio(x: number): string {
  return `${x.toFixed(2)}×`;
}

/**
 * Test helper: opens a static HTML file in headless Chromium (Debian package `chromium`, driven by
 * npm:playwright-core) and reports console errors, uncaught page errors, dialogs (`alert`,
 * `confirm`, `prompt`), requests that leave the page (anything but file:, data:, about:), every
 * request besides the page itself, and how many SVG figures the page shows.
 * Reusable for the end-to-end check of a whole `deno task report` run.
 *
 * @example
 * ```ts
 * import { browserTestMode, checkPage } from "./browser.ts";
 * if (browserTestMode() !== "skip") {
 *   const check = await checkPage("reports/index.html");
 *   check.consoleErrors; // []
 * }
 * ```
 *
 * @module
 */
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a quiet, offline headless Chromium in a container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** What {@linkcode checkPage} saw. */
export interface PageCheck {
  /** `console.error` messages. */
  consoleErrors: string[];
  /** Uncaught exceptions in page scripts. */
  pageErrors: string[];
  /** URLs requested that are not file:, data: or about: (a self-contained page has none). */
  externalRequests: string[];
  /** Every URL requested besides the page itself, `file:` ones included (`<img src=x>`). */
  requests: string[];
  /** Dialogs the page opened (`alert(1)` → "alert: 1"); each is dismissed. */
  dialogs: string[];
  /** `<svg>` elements that are not nested in another `<svg>` (figures, legends). */
  svgCount: number;
  /** What `inspect` returned (undefined without it). */
  inspected?: unknown;
}

/**
 * Whether the browser test can run: `run` when Chromium is installed; otherwise `fail` when the
 * env var CI is set (a missing browser must fail CI) and `skip` locally.
 *
 * @example
 * ```ts
 * import { browserTestMode } from "./browser.ts";
 * browserTestMode(); // "run" on a machine with /usr/bin/chromium
 * ```
 */
export function browserTestMode(path = CHROMIUM_PATH): "run" | "fail" | "skip" {
  try {
    if (Deno.statSync(path).isFile) return "run";
  } catch {
    // not installed
  }
  return Deno.env.get("CI") ? "fail" : "skip";
}

/**
 * Launches headless Chromium (throws a clear error when it is missing).
 *
 * @example
 * ```ts
 * import { launchChromium } from "./browser.ts";
 * const browser = await launchChromium();
 * await browser.close();
 * ```
 */
export async function launchChromium(path = CHROMIUM_PATH): Promise<Browser> {
  if (browserTestMode(path) !== "run") {
    throw new Error(`chromium not found at ${path} (apt-get install -y chromium)`);
  }
  return await chromium.launch({ executablePath: path, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Loads `htmlPath` (a file) in a fresh page, waits for load, optionally runs `inspect` on the page,
 * and returns what was seen. Pass `browser` to reuse one for many pages.
 *
 * @example
 * ```ts
 * import { checkPage } from "./browser.ts";
 * const { svgCount, consoleErrors } = await checkPage("reports/smoke.html");
 * ```
 */
export async function checkPage(
  htmlPath: string,
  options: { browser?: Browser; inspect?: (page: Page) => Promise<unknown> } = {},
): Promise<PageCheck> {
  const browser = options.browser ?? await launchChromium();
  try {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const externalRequests: string[] = [];
    const requests: string[] = [];
    const dialogs: string[] = [];
    const pageUrl = pathToFileURL(resolve(htmlPath)).href;
    page.on("console", (msg) => {
      if (msg.type() === "error") consoleErrors.push(msg.text());
    });
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("request", (request) => {
      const url = request.url();
      if (!/^(file|data|about):/.test(url)) externalRequests.push(url);
      if (url !== pageUrl) requests.push(url);
    });
    page.on("dialog", (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      dialog.dismiss().catch(() => {});
    });
    await page.goto(pageUrl, { waitUntil: "load" });
    const svgCount = await page.evaluate(() =>
      // deno-lint-ignore no-explicit-any
      (globalThis as any).document.querySelectorAll("svg:not(svg svg)").length as number
    );
    const inspected = options.inspect ? await options.inspect(page) : undefined;
    await page.close();
    return { consoleErrors, pageErrors, externalRequests, requests, dialogs, svgCount, inspected };
  } finally {
    if (!options.browser) await browser.close();
  }
}

/**
 * File helpers: atomic writes (never a half-written file) and existence checks.
 *
 * @module
 */
import { dirname, join } from "node:path";

/**
 * Writes a file atomically: to a temporary file in the same folder, then renamed over the target.
 * Creates the parent folder if needed.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./fs.ts";
 * await writeFileAtomic("data/tmp/example.json", JSON.stringify({ ok: true }));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${crypto.randomUUID()}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Whether a path exists (file or folder).
 *
 * @example
 * ```ts
 * import { pathExists } from "./fs.ts";
 * await pathExists("deno.json"); // true in the project root
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * The profile result cache: an append-only JSON-lines file of successful results, keyed by
 * (architecture hash, settings hash, fingerprint hash). A hit costs a map lookup.
 *
 * Safety: every line is appended with one `write` on a file opened with `O_APPEND`, under an
 * exclusive `flock`, so concurrent writers (async tasks or processes) never interleave a line.
 * A line that does not parse (a crash mid-write, a hand edit) is skipped, with one warning per
 * read of the file; if the file does not end with a newline, the next append starts a new line
 * first. Lines appended by other processes are picked up on the next lookup.
 *
 * A cache that cannot be written (read-only file or folder, full disk) never costs a finished
 * measurement: the first failed append is one warning, the result is still returned (and kept
 * in memory for this process), and later appends are not tried again.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { errorLine } from "../util/errors.ts";
import { contentHash } from "../util/hash.ts";
import { GPT2_GRAPH_VERSION } from "../onnx/gpt2.ts";
import type { ProfileSuccess, RecordedSettings } from "./result.ts";

/**
 * The cache key of one measurement. Its version `v` changes whenever the stored result's shape
 * does (v2: generation results name `latencyPerTokenMs`), so old lines are never misread.
 *
 * @example
 * ```ts
 * import { profileCacheKey } from "./cache.ts";
 * import { measurementSettings, validateProfileSettings } from "./settings.ts";
 * import assert from "node:assert/strict";
 * const key = profileCacheKey(
 *   "0123456789abcdef",
 *   measurementSettings(validateProfileSettings({})),
 *   "fedcba9876543210",
 * );
 * assert.match(key, /^0123456789abcdef-[0-9a-f]{16}-fedcba9876543210$/);
 * ```
 */
export function profileCacheKey(
  archHash: string,
  settings: RecordedSettings,
  fingerprintHash: string,
): string {
  return `${archHash}-${
    contentHash({ v: 2, graph: GPT2_GRAPH_VERSION, settings })
  }-${fingerprintHash}`;
}

/**
 * The default cache file: `data/cache/profile.jsonl` under the project root (found from this
 * module's location, not the working folder), or `$LTS_PROFILE_CACHE` when set.
 *
 * @example
 * ```ts
 * import { defaultProfileCachePath } from "./cache.ts";
 * import assert from "node:assert/strict";
 * assert.ok(defaultProfileCachePath().endsWith(".jsonl"));
 * ```
 */
export function defaultProfileCachePath(): string {
  const env = Deno.env.get("LTS_PROFILE_CACHE");
  if (env) return env;
  return fileURLToPath(new URL("../../data/cache/profile.jsonl", import.meta.url));
}

/** Options of {@linkcode ProfileCache}. */
export interface ProfileCacheOptions {
  /** Where warnings go (default: one line on stderr). */
  onWarning?: (message: string) => void;
}

/**
 * An append-only JSON-lines cache of successful profile results.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProfileCache } from "./cache.ts";
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * const cache = new ProfileCache(path);
 * assert.equal(await cache.get("some-key"), undefined); // a miss
 * await Deno.remove(path);
 * ```
 */
export class ProfileCache {
  /** The file. */
  readonly path: string;
  #entries = new Map<string, ProfileSuccess>();
  #offset = 0;
  #lineNo = 0;
  #onWarning: (message: string) => void;
  #unwritable = false;

  constructor(path: string = defaultProfileCachePath(), options: ProfileCacheOptions = {}) {
    this.path = path;
    this.#onWarning = options.onWarning ?? ((m) => console.error(m));
  }

  /** Reads lines appended since the last read (by anyone). */
  async #refresh(): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(this.path, { read: true });
    } catch (e) {
      // No file yet, or a path under a file (then put() warns): an empty cache.
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return;
      throw e;
    }
    let bytes: Uint8Array;
    try {
      const size = (await file.stat()).size;
      if (size < this.#offset) {
        // The file was replaced or truncated: read it again from the start.
        this.#offset = 0;
        this.#lineNo = 0;
        this.#entries.clear();
      }
      if (size === this.#offset) return;
      await file.seek(this.#offset, Deno.SeekMode.Start);
      bytes = new Uint8Array(size - this.#offset);
      let read = 0;
      while (read < bytes.length) {
        const n = await file.read(bytes.subarray(read));
        if (n === null) break;
        read += n;
      }
      bytes = bytes.subarray(0, read);
    } finally {
      file.close();
    }
    // Only complete lines; a last line without its newline may still be being written.
    const end = bytes.lastIndexOf(10);
    if (end < 0) return;
    const text = new TextDecoder().decode(bytes.subarray(0, end));
    this.#offset += end + 1;
    const bad: number[] = [];
    for (const line of text.split("\n")) {
      this.#lineNo++;
      if (line.trim() === "") continue;
      const entry = parseEntry(line);
      if (entry) this.#entries.set(entry.cacheKey, entry);
      else bad.push(this.#lineNo);
    }
    if (bad.length > 0) {
      this.#onWarning(
        `profile cache ${this.path}: skipped ${bad.length} corrupt line${
          bad.length > 1 ? "s" : ""
        } (line ${bad.slice(0, 5).join(", ")}${bad.length > 5 ? ", …" : ""})`,
      );
    }
  }

  /**
   * The cached result for a key, marked `cached: true`, or undefined.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ProfileCache } from "./cache.ts";
   * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
   * assert.equal(await new ProfileCache(path).get("key"), undefined);
   * await Deno.remove(path);
   * ```
   */
  async get(key: string): Promise<ProfileSuccess | undefined> {
    if (!this.#entries.has(key)) await this.#refresh();
    const entry = this.#entries.get(key);
    return entry ? { ...entry, cached: true } : undefined;
  }

  /**
   * Appends a successful result (stored with `cached: false`) as one line. Never throws for a
   * cache that cannot be written: the first failure is one warning (see the module doc).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ProfileCache } from "./cache.ts";
   * import { profileArch } from "./profile.ts";
   * import { validateArch } from "../arch/mod.ts";
   * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 32, nHead: 2, dInner: 64 });
   * const result = await profileArch(arch, { seqLen: 8 }, { cache: false });
   * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
   * const cache = new ProfileCache(path);
   * if (result.ok) await cache.put(result);
   * assert.equal(result.ok && (await cache.get(result.cacheKey))?.cached, true);
   * await Deno.remove(path);
   * ```
   */
  async put(result: ProfileSuccess): Promise<void> {
    const stored: ProfileSuccess = { ...result, cached: false };
    if (!this.#unwritable) {
      try {
        await this.#append(stored);
      } catch (e) {
        this.#unwritable = true;
        const why = errorLine(e);
        this.#onWarning(
          `warning: profile cache ${this.path}: cannot record results (${why}); ` +
            "measurements are reported but not cached",
        );
      }
    }
    this.#entries.set(stored.cacheKey, stored);
  }

  async #append(stored: ProfileSuccess): Promise<void> {
    const line = new TextEncoder().encode(JSON.stringify(stored) + "\n");
    await Deno.mkdir(dirname(this.path), { recursive: true });
    const file = await Deno.open(this.path, { append: true, create: true, read: true });
    try {
      await file.lock(true);
      const size = (await file.stat()).size;
      let bytes = line;
      if (size > 0) {
        const last = new Uint8Array(1);
        await file.seek(size - 1, Deno.SeekMode.Start);
        await file.read(last);
        if (last[0] !== 10) {
          bytes = new Uint8Array(line.length + 1);
          bytes[0] = 10;
          bytes.set(line, 1);
        }
      }
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } finally {
      file.close(); // also releases the lock
    }
  }
}

function parseEntry(line: string): ProfileSuccess | undefined {
  try {
    const value = JSON.parse(line);
    if (
      value !== null && typeof value === "object" && value.ok === true &&
      typeof value.cacheKey === "string" && typeof value.latencyMs?.p50 === "number"
    ) {
      return value as ProfileSuccess;
    }
  } catch {
    // Fall through: corrupt.
  }
  return undefined;
}

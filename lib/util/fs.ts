/**
 * File helpers: atomic writes (never a half-written file), existence checks, up-front checks of
 * output paths (file-system problems become {@linkcode InputError}s naming the flag), and temp
 * files and folders that carry their owner's process id, so that those of killed processes are
 * recognised and removed.
 *
 * Temp names: files `.lts-tmp-<pid>-<random><suffix>` (beside their target), folders
 * `<prefix><pid>-<random>` (e.g. `lts-profile-<pid>-…` in the system's temp folder).
 *
 * @module
 */
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { errorLine, InputError } from "./errors.ts";
import { processAlive } from "./process.ts";

/**
 * Writes a file atomically: to a temporary file in the same folder, then renamed over the target.
 * Creates the parent folder if needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { writeFileAtomic } from "./fs.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(join(dir, "sub", "example.json"), JSON.stringify({ ok: true }));
 * assert.equal(await Deno.readTextFile(join(dir, "sub", "example.json")), '{"ok":true}');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = await ownedTempPath(dir);
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
 * import assert from "node:assert/strict";
 * import { pathExists } from "./fs.ts";
 * assert.equal(await pathExists("deno.json"), true); // run in the project root
 * assert.equal(await pathExists("no/such/file"), false);
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return false;
    throw e;
  }
}

/**
 * Reads a text file the user named, or throws {@linkcode InputError} `PATH: missing`,
 * `PATH: is a folder` or `PATH: cannot read (why)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readTextInput } from "./fs.ts";
 * assert.match(await readTextInput("deno.json"), /"tasks"/);
 * await assert.rejects(readTextInput("no-such-file.json"), /^InputError: no-such-file\.json: missing$/);
 * await assert.rejects(readTextInput("lib"), /^InputError: lib: is a folder$/);
 * ```
 */
export async function readTextInput(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new InputError(`${path}: missing`);
    if (e instanceof Deno.errors.IsADirectory) throw new InputError(`${path}: is a folder`);
    throw new InputError(`${path}: cannot read (${errorLine(e)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// File-system errors as input errors.

const ERROR_WORDS: [new (...args: never[]) => Error, string][] = [
  [Deno.errors.PermissionDenied, "not writable (permission denied)"],
  [Deno.errors.NotADirectory, "a part of the path is a file, not a folder"],
  [Deno.errors.IsADirectory, "is a folder, not a file"],
];

const CODE_WORDS: Record<string, string> = {
  EACCES: "not writable (permission denied)",
  EPERM: "not writable (operation not permitted)",
  EROFS: "not writable (read-only file system)",
  ENOTDIR: "a part of the path is a file, not a folder",
  EISDIR: "is a folder, not a file",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
};

/**
 * The words for a file-system error (`permission denied`, `a part of the path is a file`, …), or
 * `undefined` when it is not one a user can fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fsProblem } from "./fs.ts";
 * assert.equal(fsProblem(new Deno.errors.PermissionDenied("x")), "not writable (permission denied)");
 * ```
 */
export function fsProblem(e: unknown): string | undefined {
  for (const [type, words] of ERROR_WORDS) if (e instanceof type) return words;
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? CODE_WORDS[code] : undefined;
}

/** Runs `f`, turning a file-system error a user can fix into an InputError naming flag and path. */
async function asInputError<T>(flag: string, path: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const words = fsProblem(e);
    if (words === undefined) throw e;
    throw new InputError(`${flag}: ${path}: ${words}`);
  }
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Options of {@linkcode checkWritableDir}. */
export interface CheckDirOptions {
  /** Create the folder when it is missing (default true); false: a missing folder passes. */
  create?: boolean;
}

/**
 * Checks, before any work, that `path` is (or can be made) a folder this process can write in:
 * creates it when missing and writes and removes a probe file. Throws {@linkcode InputError}
 * naming `flag` and the path for a file where the folder should be, a path under a file, no
 * permission or a read-only file system.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { checkWritableDir } from "./fs.ts";
 * const dir = await Deno.makeTempDir();
 * await checkWritableDir(join(dir, "out"), "--out"); // created, writable
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkWritableDir(
  path: string,
  flag: string,
  options: CheckDirOptions = {},
): Promise<void> {
  await asInputError(flag, path, async () => {
    const info = await statOrUndefined(path);
    if (info && !info.isDirectory) {
      throw new InputError(`${flag}: ${path}: is a file, not a folder`);
    }
    if (!info) {
      if (options.create === false) return;
      await Deno.mkdir(path, { recursive: true });
    }
    const probe = await ownedTempPath(path, ".probe.tmp");
    await Deno.writeFile(probe, new Uint8Array(0), { createNew: true });
    await Deno.remove(probe);
  });
}

/**
 * Checks, before any work, that `path` can be a file this process writes: its folder is
 * checked (and created) as {@linkcode checkWritableDir} does, and an existing `path` must be a
 * regular file opened for appending. Returns false (instead of throwing) when `readOnlyOk` and
 * only the existing file itself refuses writes (a read-only cache can still be read).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { checkWritableFile } from "./fs.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await checkWritableFile(join(dir, "cache.jsonl"), "--cache"), true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkWritableFile(
  path: string,
  flag: string,
  options: { readOnlyOk?: boolean } = {},
): Promise<boolean> {
  const info = await asInputError(flag, path, () => statOrUndefined(path));
  if (info && !info.isFile) throw new InputError(`${flag}: ${path}: is not a regular file`);
  if (!info) {
    await checkWritableDir(dirname(path), flag);
    return true;
  }
  try {
    (await Deno.open(path, { append: true })).close();
    return true;
  } catch (e) {
    const words = fsProblem(e);
    if (words === undefined) throw e;
    if (options.readOnlyOk) return false;
    throw new InputError(`${flag}: ${path}: ${words}`);
  }
}

/**
 * Checks, before any work, that `path` is an existing folder to read from (not a file).
 *
 * @example
 * ```ts
 * import { checkReadableDir } from "./fs.ts";
 * await checkReadableDir("lib", "--notebooks");
 * ```
 */
export async function checkReadableDir(path: string, flag: string): Promise<void> {
  const info = await asInputError(flag, path, () => statOrUndefined(path));
  if (!info) throw new InputError(`${flag}: ${path}: no such folder`);
  if (!info.isDirectory) throw new InputError(`${flag}: ${path}: is a file, not a folder`);
  await asInputError(flag, path, async () => {
    for await (const _ of Deno.readDir(path)) break;
  });
}

// ---------------------------------------------------------------------------------------------
// Temp files and folders that name their owner.

const TEMP_FILE = /^\.lts-tmp-(\d+)-[0-9a-f]+/;
const cleanedDirs = new Set<string>();

/**
 * A temp file path in `dir` that names this process (`.lts-tmp-<pid>-<random><suffix>`). The
 * first call for a folder also removes the temp files there whose process is gone (a writer
 * killed mid-write). Use it for every temp file written beside its target.
 *
 * @example
 * ```ts
 * import { ownedTempPath } from "./fs.ts";
 * const tmp = await ownedTempPath("data/tmp", ".data.tmp"); // data/tmp/.lts-tmp-1234-…data.tmp
 * ```
 */
export async function ownedTempPath(dir: string, suffix = ".tmp"): Promise<string> {
  if (!cleanedDirs.has(dir)) {
    cleanedDirs.add(dir);
    await removeStaleTempFiles(dir).catch(() => {});
  }
  const random = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  return join(dir, `.lts-tmp-${Deno.pid}-${random}${suffix}`);
}

/**
 * Removes the temp files of {@linkcode ownedTempPath} in `dir` whose process no longer runs;
 * returns their names. Files of running processes (this one included) are kept.
 *
 * @example
 * ```ts
 * import { removeStaleTempFiles } from "./fs.ts";
 * await removeStaleTempFiles("data/tmp"); // e.g. [".lts-tmp-99999-0123abcd.data.tmp"]
 * ```
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  return await removeStale(dir, (name) => Number(TEMP_FILE.exec(name)?.[1]), false);
}

/**
 * Makes a temp folder `<prefix><pid>-<tag><random>` in `parent` (default: the system's temp
 * folder), after removing (once per process) the folders of that prefix whose process no longer
 * runs.
 *
 * @example
 * ```ts
 * import { makeOwnedTempDir } from "./fs.ts";
 * const dir = await makeOwnedTempDir("lts-example-"); // /tmp/lts-example-1234-…
 * await Deno.remove(dir);
 * ```
 */
export async function makeOwnedTempDir(
  prefix: string,
  parent?: string,
  tag = "",
): Promise<string> {
  const root = parent ?? tmpdir();
  const key = `${root}\0${prefix}`;
  if (!cleanedDirs.has(key)) {
    cleanedDirs.add(key);
    await removeStaleTempDirs(prefix, root).catch(() => {});
  }
  if (parent) await Deno.mkdir(parent, { recursive: true });
  return await Deno.makeTempDir({ dir: root, prefix: `${prefix}${Deno.pid}-${tag}` });
}

/**
 * Removes the folders `<prefix><pid>-…` in `parent` (default: the system's temp folder) whose
 * process no longer runs; returns their names.
 *
 * @example
 * ```ts
 * import { removeStaleTempDirs } from "./fs.ts";
 * await removeStaleTempDirs("lts-profile-"); // e.g. ["lts-profile-99999-a1b2c3"]
 * ```
 */
export async function removeStaleTempDirs(prefix: string, parent?: string): Promise<string[]> {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^${escaped}(\\d+)-`);
  return await removeStale(parent ?? tmpdir(), (name) => Number(pattern.exec(name)?.[1]), true);
}

async function removeStale(
  dir: string,
  ownerOf: (name: string) => number,
  folders: boolean,
): Promise<string[]> {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return removed; // no folder, or not readable: nothing to clean
  }
  for (const entry of entries) {
    if (folders ? !entry.isDirectory : !entry.isFile) continue;
    const pid = ownerOf(entry.name);
    // Process ids are below 2^22 on Linux; a longer number is not one of our names.
    if (!Number.isInteger(pid) || pid <= 0 || pid >= 2 ** 22 || processAlive(pid)) continue;
    try {
      await Deno.remove(join(dir, entry.name), { recursive: folders });
      removed.push(entry.name);
    } catch { /* removed by someone else, or not ours to remove */ }
  }
  return removed;
}

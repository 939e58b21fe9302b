/**
 * Calibration files: written atomically under `data/cache/costmodel/<key>.json` (or wherever
 * `--out` says), read back with every field checked, and checked against what a caller is about
 * to predict for. A calibration whose settings, genes or graph version differ is stale and is
 * refused (an {@linkcode InputError} naming the first difference); one measured on another
 * device is foreign: it is used only when the caller passes the file explicitly, and the caller
 * is told (`foreign: true`), never silently.
 *
 * @module
 */
import { join } from "node:path";
import { InputError } from "../util/errors.ts";
import { readTextInput, writeFileAtomic } from "../util/fs.ts";
import { jsonDifferences } from "../util/hash.ts";
import { parseJson } from "../util/lines.ts";
import { PROJECT_ROOT } from "../util/paths.ts";
import { describeValue, isPlainObject } from "../util/validate.ts";
import { type Calibration, CALIBRATION_VERSION } from "./types.ts";

/** Environment variable naming the folder of stored calibrations (default `data/cache/costmodel`). */
export const CALIBRATION_DIR_ENV = "LTS_COSTMODEL_DIR";

/**
 * The folder of stored calibrations: `$LTS_COSTMODEL_DIR`, or `data/cache/costmodel` in the
 * project.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultCalibrationDir } from "./store.ts";
 * assert.ok(defaultCalibrationDir().length > 0);
 * ```
 */
export function defaultCalibrationDir(): string {
  return Deno.env.get(CALIBRATION_DIR_ENV) || join(PROJECT_ROOT, "data", "cache", "costmodel");
}

/**
 * The stored path of a calibration with `key` in `dir`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calibrationPath } from "./store.ts";
 * assert.equal(calibrationPath("0123456789abcdef", "/tmp/c"), "/tmp/c/0123456789abcdef.json");
 * ```
 */
export function calibrationPath(key: string, dir = defaultCalibrationDir()): string {
  return join(dir, `${key}.json`);
}

/**
 * Writes a calibration atomically (temp file and rename) to `path` (default its stored path).
 * Returns the path.
 *
 * @example
 * ```ts
 * import { saveCalibration } from "./store.ts";
 * // const path = await saveCalibration(calibration);
 * ```
 */
export async function saveCalibration(
  calibration: Calibration,
  path = calibrationPath(calibration.key),
): Promise<string> {
  await writeFileAtomic(path, JSON.stringify(calibration, null, 1) + "\n");
  return path;
}

function field(raw: Record<string, unknown>, key: string, kind: string, where: string): unknown {
  const value = raw[key];
  const ok = kind === "array"
    ? Array.isArray(value)
    : kind === "object"
    ? isPlainObject(value)
    : typeof value === kind && (kind !== "number" || Number.isFinite(value));
  if (!ok) {
    throw new InputError(
      `${where}: ${key}: expected ${
        kind === "array" || kind === "object" ? `an ${kind}` : `a ${kind}`
      }, got ${describeValue(value)}`,
    );
  }
  return value;
}

function coefficients(raw: Record<string, unknown>, key: string, where: string): void {
  const value = field(raw, key, "object", where) as Record<string, unknown>;
  for (const [name, c] of Object.entries(value)) {
    if (typeof c !== "number" || !Number.isFinite(c)) {
      throw new InputError(
        `${where}: ${key}.${name}: expected a finite number, got ${describeValue(c)}`,
      );
    }
  }
}

/**
 * Checks parsed JSON as a calibration, naming the first bad field. Throws {@linkcode InputError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { validateCalibration } from "./store.ts";
 * assert.throws(() => validateCalibration({ version: 1 }, "cal.json"), /cal.json: version: 1 is an older cost model/);
 * ```
 */
export function validateCalibration(value: unknown, where: string): Calibration {
  if (!isPlainObject(value)) {
    throw new InputError(`${where}: expected a calibration object, got ${describeValue(value)}`);
  }
  if (
    typeof value.version === "number" && Number.isInteger(value.version) && value.version >= 1 &&
    value.version < CALIBRATION_VERSION
  ) {
    throw new InputError(
      `${where}: version: ${value.version} is an older cost model (this one is version ${CALIBRATION_VERSION}, with other terms); run lts costmodel calibrate again`,
    );
  }
  if (
    typeof value.version === "number" && Number.isInteger(value.version) &&
    value.version > CALIBRATION_VERSION
  ) {
    throw new InputError(
      `${where}: version: ${value.version} is a newer cost model than this lts reads (version ${CALIBRATION_VERSION}); update lts or run lts costmodel calibrate again`,
    );
  }
  if (value.version !== CALIBRATION_VERSION) {
    throw new InputError(
      `${where}: version: expected ${CALIBRATION_VERSION}, got ${describeValue(value.version)}`,
    );
  }
  for (const key of ["key", "preset", "fingerprintHash", "measuredAt", "runtimeVersion"]) {
    field(value, key, "string", where);
  }
  for (const key of ["space", "settings", "fingerprint", "basis", "fit"]) {
    field(value, key, "object", where);
  }
  field(value, "graphVersion", "number", where);
  field(value, "calibrationMs", "number", where);
  field(value, "models", "array", where);
  coefficients(value, "latency", where);
  coefficients(value, "memory", where);
  const basis = value.basis as Record<string, unknown>;
  for (const key of ["knots", "heads"]) {
    const list = field(basis, key, "array", `${where}: basis`) as unknown[];
    if (list.length === 0 || !list.every((v) => Number.isInteger(v) && (v as number) > 0)) {
      throw new InputError(`${where}: basis.${key}: expected positive integers`);
    }
  }
  const settings = value.settings as Record<string, unknown>;
  for (const key of ["seqLen", "batch"]) field(settings, key, "number", `${where}: settings`);
  return value as unknown as Calibration;
}

/**
 * Reads and checks a calibration file. Throws {@linkcode InputError} naming the file (missing,
 * unreadable, not JSON, a bad field).
 *
 * @example
 * ```ts
 * import { loadCalibration } from "./store.ts";
 * // const calibration = await loadCalibration("my-device.json");
 * ```
 */
export async function loadCalibration(path: string): Promise<Calibration> {
  const text = await readTextInput(path);
  return validateCalibration(parseJson(text, path), path);
}

/**
 * The stored calibration with `key` in `dir`, or `undefined` when there is none. A broken file
 * is an {@linkcode InputError} naming it (never silently ignored).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findCalibration } from "./store.ts";
 * assert.equal(await findCalibration("0000000000000000", await Deno.makeTempDir()), undefined);
 * ```
 */
export async function findCalibration(
  key: string,
  dir = defaultCalibrationDir(),
): Promise<Calibration | undefined> {
  const path = calibrationPath(key, dir);
  try {
    await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return await loadCalibration(path);
}

/** What a calibration is checked against: the settings, genes and graphs about to be used. */
export interface CalibrationUse {
  /** Recorded settings (`measurementSettings`) without `processRepeats`. */
  settings: Record<string, unknown>;
  /** `costSpace` of the space. */
  space: Record<string, unknown>;
  graphVersion: number;
  /** This device's fingerprint hash. */
  fingerprintHash: string;
}

/**
 * Checks that a calibration applies: same settings, same genes, same graph version, else an
 * {@linkcode InputError} naming the first difference and how to fix it. Returns whether it was
 * measured on another device (`foreign`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkCalibration } from "./store.ts";
 * const cal = { settings: { seqLen: 192 }, space: { dModel: [128] }, graphVersion: 2, fingerprintHash: "a" } as never;
 * assert.deepEqual(checkCalibration(cal, { settings: { seqLen: 192 }, space: { dModel: [128] }, graphVersion: 2, fingerprintHash: "b" }, "c.json"), { foreign: true });
 * assert.throws(
 *   () => checkCalibration(cal, { settings: { seqLen: 128 }, space: { dModel: [128] }, graphVersion: 2, fingerprintHash: "a" }, "c.json"),
 *   /c.json: stale calibration: settings.seqLen differs \(192 there, 128 now\)/,
 * );
 * ```
 */
export function checkCalibration(
  calibration: Pick<Calibration, "settings" | "space" | "graphVersion" | "fingerprintHash">,
  use: CalibrationUse,
  where: string,
): { foreign: boolean } {
  const stale = (what: string) => {
    throw new InputError(`${where}: stale calibration: ${what}; run lts costmodel calibrate again`);
  };
  if (calibration.graphVersion !== use.graphVersion) {
    stale(
      `measured with graph version ${calibration.graphVersion}, the emitter writes ${use.graphVersion}`,
    );
  }
  const show = (v: unknown) => v === undefined ? "nothing" : JSON.stringify(v);
  const at = (root: unknown, path: string) =>
    path.split(".").reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), root);
  for (const part of ["settings", "space"] as const) {
    const diff = jsonDifferences(calibration[part], use[part]);
    if (diff.length > 0) {
      const path = diff[0];
      stale(
        `${part}.${path} differs (${show(at(calibration[part], path))} there, ${
          show(at(use[part], path))
        } now)`,
      );
    }
  }
  return { foreign: calibration.fingerprintHash !== use.fingerprintHash };
}

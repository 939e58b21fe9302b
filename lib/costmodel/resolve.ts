/**
 * Finding the calibration a prediction uses: the file the caller names (checked: a stale one is
 * refused, a foreign one is flagged), else the stored calibration of this device, settings and
 * genes, else — when the caller allows it — a new calibration, measured now and stored.
 *
 * @module
 */
import { GPT2_GRAPH_VERSION } from "../onnx/gpt2.ts";
import type { ProfileCache } from "../profile/cache.ts";
import { detectDevice, deviceFingerprint, fingerprintHash } from "../profile/fingerprint.ts";
import type { ProfileResult } from "../profile/result.ts";
import { measurementSettings, type ProfileSettings } from "../profile/settings.ts";
import { getSpace, type SpaceOptions } from "../space/presets.ts";
import { InputError } from "../util/errors.ts";
import { calibrateCostModel, calibrationKey, calibrationSettings, costSpace } from "./calibrate.ts";
import {
  calibrationPath,
  checkCalibration,
  defaultCalibrationDir,
  findCalibration,
  loadCalibration,
  saveCalibration,
} from "./store.ts";
import type { Calibration } from "./types.ts";

/** A calibration in use, and where it came from. */
export interface CalibrationSource {
  calibration: Calibration;
  /** The file it was read from or stored in. */
  path: string;
  /** Measured on another device (only ever from an explicit file). */
  foreign: boolean;
  /** Measured just now (no stored calibration matched). */
  calibratedNow: boolean;
}

/** What {@linkcode useCalibration} takes. */
export interface UseCalibrationInput {
  preset: string;
  space?: SpaceOptions;
  /** The settings predictions are for (`processRepeats` and timeouts do not matter). */
  settings?: Partial<ProfileSettings>;
  /** An explicit calibration file (`--calibration FILE`). */
  file?: string;
  /** Folder of stored calibrations (default `data/cache/costmodel`). */
  dir?: string;
  /** Calibrate now when nothing stored matches (default false: an `InputError` instead). */
  calibrate?: boolean;
  /** Profiler cache for a calibration measured now (default none: a fresh measurement). */
  cache?: ProfileCache | false;
  onCalibrationProgress?: (done: number, total: number, result: ProfileResult) => void;
  signal?: AbortSignal;
}

/**
 * The calibration for predictions under `settings` on this device (see the module doc). Throws
 * {@linkcode InputError} for a stale file or when nothing matches and `calibrate` is false.
 *
 * @example
 * ```ts ignore
 * import { useCalibration } from "./resolve.ts";
 * const { calibration, foreign } = await useCalibration({ preset: "lts-gpt2", calibrate: true });
 * ```
 */
export async function useCalibration(input: UseCalibrationInput): Promise<CalibrationSource> {
  const space = getSpace(input.preset, input.space ?? {});
  const settings = calibrationSettings(input.settings);
  const recorded = measurementSettings(settings);
  const device = await detectDevice();
  const fpHash = fingerprintHash(deviceFingerprint(device, settings));
  const use = {
    settings: recorded as unknown as Record<string, unknown>,
    space: costSpace(space),
    graphVersion: GPT2_GRAPH_VERSION,
    fingerprintHash: fpHash,
  };
  if (input.file !== undefined) {
    const calibration = await loadCalibration(input.file);
    const { foreign } = checkCalibration(calibration, use, input.file);
    return { calibration, path: input.file, foreign, calibratedNow: false };
  }
  const dir = input.dir ?? defaultCalibrationDir();
  const key = calibrationKey(fpHash, recorded, use.space, GPT2_GRAPH_VERSION);
  const stored = await findCalibration(key, dir);
  const path = calibrationPath(key, dir);
  if (stored) {
    checkCalibration(stored, use, path);
    return { calibration: stored, path, foreign: false, calibratedNow: false };
  }
  if (!input.calibrate) {
    throw new InputError(
      `costmodel: no calibration of ${input.preset} for this device and settings in ${dir}; ` +
        `run deno task lts costmodel calibrate --preset ${input.preset} (same settings), or pass --calibration FILE`,
    );
  }
  const calibration = await calibrateCostModel({
    preset: input.preset,
    ...(input.space ? { space: input.space } : {}),
    settings,
    cache: input.cache ?? false,
    ...(input.onCalibrationProgress ? { onProgress: input.onCalibrationProgress } : {}),
    ...(input.signal ? { signal: input.signal } : {}),
  });
  await saveCalibration(calibration, path);
  return { calibration, path, foreign: false, calibratedNow: true };
}

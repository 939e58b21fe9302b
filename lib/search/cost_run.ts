/**
 * A search run in a directory under any cost mode (`./cost.ts`): `measured` is
 * `runSearchInDir` itself; `predicted` runs it on the calibration's predictions; `verified` then
 * measures the candidates near the predicted frontier (`./verify.ts`) and returns the frontier
 * of those measurements. Resuming a killed run of any mode replays what was recorded and
 * measures only what is missing.
 *
 * @module
 */
import type { Calibration } from "../costmodel/types.ts";
import { calibrationId } from "../costmodel/predict.ts";
import { InputError } from "../util/errors.ts";
import type { SearchResult } from "./algorithm.ts";
import { predictedMeasure } from "./cost.ts";
import { lockRunDir, type RunInDirInput, runSearchInDir } from "./run_dir.ts";
import { type VerificationProgress, type VerificationResult, verifyInDir } from "./verify.ts";

/** What {@linkcode runCostSearchInDir} takes. */
export interface CostRunInput extends RunInDirInput {
  /** The calibration of `config.cost` (required when it is set; its id must match). */
  calibration?: Pick<
    Calibration,
    "key" | "basis" | "latency" | "memory" | "settings" | "fit" | "validation"
  >;
  onVerifyProgress?: (progress: VerificationProgress) => void;
}

/**
 * What {@linkcode runCostSearchInDir} returns: the search (its records and per-iteration
 * frontiers on the costs it ran on) and, for `verified`, the verification, whose measured
 * frontier is then `frontier`.
 */
export interface CostRunResult extends SearchResult {
  verification?: VerificationResult;
}

/**
 * Runs (or resumes) a search under the cost mode of `input.config.cost`: `input.measure` is the
 * device's measurement, used for every candidate (`measured`) or only for the verification
 * (`verified`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runCostSearchInDir } from "./cost_run.ts";
 * import { validateSearchOptions } from "./options.ts";
 * import { spaceOperators } from "./operators.ts";
 * import { getSpace } from "../space/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const result = await runCostSearchInDir({
 *   dir, config: { version: 1, space: {}, search: validateSearchOptions({ iterations: 2, population: 4 }), profile: {} },
 *   device: { cpu: "fake" }, operators: spaceOperators(getSpace("lts-gpt2")),
 *   measure: (arch) => Promise.resolve({ ok: true, latencyMs: { p50: arch.nLayer }, peakMemoryBytes: 1e6 }),
 * });
 * assert.equal(result.verification, undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function runCostSearchInDir(input: CostRunInput): Promise<CostRunResult> {
  const cost = input.config.cost;
  if (!cost) return await runSearchInDir(input);
  const calibration = input.calibration;
  if (!calibration) throw new InputError(`cost: a ${cost.mode} search needs its calibration`);
  const id = calibrationId(calibration);
  if (id !== cost.calibrationId) {
    throw new InputError(
      `calibration: ${id} is not the calibration ${cost.calibrationId} of this run's configuration`,
    );
  }
  const { measureMany: _device, ...rest } = input;
  const search = await runSearchInDir({ ...rest, measure: predictedMeasure(calibration) });
  if (cost.mode === "predicted") return search;
  const release = await lockRunDir(input.dir);
  try {
    const verification = await verifyInDir({
      dir: input.dir,
      records: search.records,
      options: input.config.search,
      margin: cost.margin!,
      max: cost.verifyMax!,
      measure: input.measure,
      ...(input.measureMany ? { measureMany: input.measureMany } : {}),
      ...(input.onVerifyProgress ? { onProgress: input.onVerifyProgress } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
    return { ...search, frontier: verification.frontier, verification };
  } finally {
    await release();
  }
}

/**
 * Measuring a list of architectures for a study, with live progress in the notebook.
 *
 * @module
 */
import { archHash } from "../arch/hash.ts";
import type { Arch } from "../arch/types.ts";
import { createProgress } from "../plots/progress.ts";
import { profileMany } from "../profile/profile.ts";
import type { ProfileFailure, ProfileResult, ProfileSuccess } from "../profile/result.ts";
import type { ProfileSettings } from "../profile/settings.ts";
import type { StudyContext } from "./context.ts";
import { InterruptedError, interruptSignal, isInterrupt } from "./interrupt.ts";

/**
 * Profiles every architecture (in order, each in a fresh child process, through the cache of the
 * context) and shows progress under the cell. Failures come back as `ok: false` results. An
 * interrupt of the kernel (see `interrupt.ts`) stops it with an {@linkcode InterruptedError};
 * what was measured before is in the cache.
 *
 * @example
 * ```ts ignore
 * import { measureArchs } from "./measure.ts";
 * import { studyContext } from "./context.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const ctx = await studyContext();
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 256 });
 * const [result] = await measureArchs(ctx, [arch], { seqLen: 64 }, "tiny");
 * ```
 */
export async function measureArchs(
  ctx: StudyContext,
  archs: readonly Arch[],
  settings: Partial<ProfileSettings>,
  label = "measuring",
): Promise<ProfileResult[]> {
  const progress = createProgress(label, archs.length);
  await progress.update(0);
  const results: ProfileResult[] = [];
  const signal = interruptSignal();
  try {
    for await (const result of profileMany(archs, settings, { cache: ctx.cache, signal })) {
      results.push(result);
      await progress.update(
        results.length,
        result.ok ? `${result.cached ? "cached" : "measured"} ${result.archHash}` : result.reason,
      );
    }
  } catch (e) {
    if (!isInterrupt(e, signal)) throw e;
    await progress.finish("interrupted");
    throw new InterruptedError(
      `${label}: interrupted after ${results.length} of ${archs.length}; the kernel keeps its ` +
        "state, and running the cell again takes the finished measurements from the cache",
    );
  }
  await progress.finish(`${results.filter((r) => r.ok).length} of ${archs.length} measured`);
  return results;
}

/** An item of a study with the measurement of its architecture. */
export interface Measured<T> {
  item: T;
  result: ProfileResult;
}

/**
 * Pairs each item with the result whose `archHash` is its architecture's (never by position):
 * items that share an architecture share its result. Throws when an item has no result.
 *
 * @example
 * ```ts
 * import { pairResults } from "./measure.ts";
 * import { archHash, validateArch } from "../arch/mod.ts";
 * import assert from "node:assert/strict";
 * const a = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 });
 * const b = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
 * const fail = (arch: typeof a, reason: string) => ({
 *   ok: false as const, archHash: archHash(arch), reason, settings: {} as never, cached: false as const,
 *   measuredAt: "",
 * });
 * const pairs = pairResults([{ name: "A", arch: a }, { name: "B", arch: b }], (m) => m.arch, [
 *   fail(b, "too big"), fail(a, "bad"),
 * ]);
 * assert.deepEqual(pairs.map((p) => [p.item.name, !p.result.ok && p.result.reason]), [["A", "bad"], ["B", "too big"]]);
 * ```
 */
export function pairResults<T>(
  items: readonly T[],
  archOf: (item: T) => Arch,
  results: readonly ProfileResult[],
): Measured<T>[] {
  const byHash = new Map(results.map((r) => [r.archHash, r]));
  return items.map((item) => {
    const hash = archHash(archOf(item));
    const result = byHash.get(hash);
    if (!result) throw new Error(`no measurement for architecture ${hash}`);
    return { item, result };
  });
}

/**
 * Measures the architectures of `items` (see {@linkcode measureArchs}) and pairs each item with
 * its result by architecture hash.
 *
 * @example
 * ```ts ignore
 * import { measureItems, succeeded } from "./measure.ts";
 * import { studyContext } from "./context.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 128, nHead: 2, dInner: 256 });
 * const measured = await measureItems(await studyContext(), [{ name: "tiny", arch }], (m) => m.arch, { seqLen: 64 });
 * succeeded(measured)[0].result.latencyMs.p50;
 * ```
 */
export async function measureItems<T>(
  ctx: StudyContext,
  items: readonly T[],
  archOf: (item: T) => Arch,
  settings: Partial<ProfileSettings>,
  label = "measuring",
): Promise<Measured<T>[]> {
  const results = await measureArchs(ctx, items.map(archOf), settings, label);
  return pairResults(items, archOf, results);
}

/**
 * The pairs whose measurement succeeded, typed as such.
 *
 * @example
 * ```ts
 * import { failed, succeeded } from "./measure.ts";
 * succeeded([]).length + failed([]).length; // 0
 * ```
 */
export function succeeded<T>(pairs: readonly Measured<T>[]): { item: T; result: ProfileSuccess }[] {
  return pairs.filter((p): p is { item: T; result: ProfileSuccess } => p.result.ok);
}

/**
 * The pairs whose measurement failed, typed as such.
 *
 * @example
 * ```ts
 * import { failed } from "./measure.ts";
 * import assert from "node:assert/strict";
 * const no = { ok: false as const, reason: "too big" } as never;
 * assert.equal(failed([{ item: "a", result: no }]).length, 1);
 * ```
 */
export function failed<T>(pairs: readonly Measured<T>[]): { item: T; result: ProfileFailure }[] {
  return pairs.filter((p): p is { item: T; result: ProfileFailure } => !p.result.ok);
}

/**
 * The failed measurements as `{ name, reason }` rows (for a table and the conclusions), named
 * by `nameOf`.
 *
 * @example
 * ```ts
 * import { failureRows } from "./measure.ts";
 * import assert from "node:assert/strict";
 * const fail = { ok: false as const, archHash: "h", reason: "out of memory", settings: {} as never,
 *   cached: false as const, measuredAt: "" };
 * assert.deepEqual(failureRows([{ item: { name: "M3" }, result: fail }], (m) => m.name), [
 *   { name: "M3", reason: "out of memory" },
 * ]);
 * ```
 */
export function failureRows<T>(
  pairs: readonly Measured<T>[],
  nameOf: (item: T) => string,
): { name: string; reason: string }[] {
  return failed(pairs).map(({ item, result }) => ({ name: nameOf(item), reason: result.reason }));
}

/**
 * The successful measurements of one architecture, found by its key (`archHash`): e.g. a
 * reference model's main measurement, to include in the noise probes.
 *
 * @example
 * ```ts
 * import { successesOf } from "./measure.ts";
 * import { archHash, validateArch } from "../arch/mod.ts";
 * import assert from "node:assert/strict";
 * const a = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 64, nHead: 2, dInner: 128 });
 * const b = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 2, dInner: 128 });
 * const ok = (arch: typeof a) => ({ ok: true, archHash: archHash(arch), cacheKey: archHash(arch) }) as never;
 * const failed = { ok: false, archHash: archHash(b), reason: "oom" } as never;
 * assert.equal(successesOf([{ item: "a", result: ok(a) }, { item: "b", result: ok(b) }], b).length, 1);
 * assert.equal(successesOf([{ item: "a", result: ok(a) }, { item: "b", result: failed }], b).length, 0);
 * // Listed twice, measured once:
 * assert.equal(successesOf([{ item: "b", result: ok(b) }, { item: "b2", result: ok(b) }], b).length, 1);
 * ```
 */
export function successesOf<T>(pairs: readonly Measured<T>[], arch: Arch): ProfileSuccess[] {
  const key = archHash(arch);
  // The same architecture listed twice is one measurement (the second is its cached copy).
  const byCacheKey = new Map<string, ProfileSuccess>();
  for (const { result } of succeeded(pairs)) {
    if (result.archHash === key && !byCacheKey.has(result.cacheKey)) {
      byCacheKey.set(result.cacheKey, result);
    }
  }
  return [...byCacheKey.values()];
}

/**
 * Measuring a list of architectures for a study, with live progress in the notebook.
 *
 * @module
 */
import type { Arch } from "../arch/types.ts";
import { createProgress } from "../plots/progress.ts";
import { profileMany } from "../profile/profile.ts";
import type { ProfileResult } from "../profile/result.ts";
import type { ProfileSettings } from "../profile/settings.ts";
import type { StudyContext } from "./context.ts";

/**
 * Profiles every architecture (in order, each in a fresh child process, through the cache of the
 * context) and shows progress under the cell. Failures come back as `ok: false` results.
 *
 * @example
 * ```ts
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
  for await (const result of profileMany(archs, settings, { cache: ctx.cache })) {
    results.push(result);
    await progress.update(
      results.length,
      result.ok ? `${result.cached ? "cached" : "measured"} ${result.archHash}` : result.reason,
    );
  }
  await progress.finish(`${results.filter((r) => r.ok).length} of ${archs.length} measured`);
  return results;
}

/**
 * The children of one `profileMany` run (profile.ts): {@linkcode ChildPool} hands out a child for
 * each job (a child that was given this job ahead of its turn, else the spare spawned ahead,
 * else a new one), keeps at most one spare and one child given its job early, and tracks the
 * work that runs in the background (children exiting, model files being removed, jobs sent
 * ahead), so that the next timed runs can wait until it is done.
 *
 * @module
 */
import type { ChildJob } from "./child.ts";
import { ChildHandle, type Spawner } from "./child_handle.ts";

/** Whether two jobs are the same step of the same candidate. */
function sameJob(a: ChildJob, b: ChildJob): boolean {
  return a.modelPath === b.modelPath && a.kind === b.kind && (a.repeat ?? 0) === (b.repeat ?? 0);
}

/**
 * Hands out children: at most one spare spawned ahead (runtime imported, no job yet) and at most
 * one preloaded child (job sent early). Keeps track of children that are still exiting and of
 * other background work (file removal), so that the next timed runs can wait for them.
 *
 * @example
 * ```ts
 * import { ChildPool } from "./child_pool.ts";
 * import { defaultSpawner } from "./profile.ts";
 * const pool = new ChildPool(defaultSpawner, true);
 * pool.prepareNext(); // spawns a spare now
 * await pool.spareReady(); // its runtime is imported
 * pool.track(new Promise((resolve) => setTimeout(resolve, 10))); // e.g. removing model files
 * await pool.settled(); // every tracked job has finished
 * await pool.close(); // the unused spare exits
 * ```
 */
export class ChildPool {
  #spawner: Spawner;
  #prespawn: boolean;
  #spare: ChildHandle | undefined;
  #loaded: ChildHandle | undefined;
  #background = new Set<Promise<unknown>>();
  #sendingAhead: Promise<void> = Promise.resolve();

  /** `prespawn`: whether {@linkcode prepareNext} spawns a spare (false: children start on demand). */
  constructor(spawner: Spawner, prespawn: boolean) {
    this.#spawner = spawner;
    this.#prespawn = prespawn;
  }

  #spawn(): ChildHandle {
    const child = this.#spare ?? new ChildHandle(this.#spawner());
    this.#spare = undefined;
    return child;
  }

  /** The child for `job`: the preloaded one if it holds this job, else the spare or a new one. */
  take(job: ChildJob): ChildHandle {
    const loaded = this.#loaded;
    this.#loaded = undefined;
    if (loaded?.job && sameJob(loaded.job, job)) return loaded;
    if (loaded) this.#discard(loaded);
    return this.#spawn();
  }

  /** Sends `job` to the spare (spawning one if needed) ahead of its turn. */
  preload(job: ChildJob): void {
    if (this.#loaded) this.#discard(this.#loaded);
    const child = this.#spawn();
    this.#loaded = child;
    this.track(child.start(job));
  }

  /** Spawns a spare now (call once the current child got its job). */
  prepareNext(): void {
    if (this.#prespawn && !this.#spare) this.#spare = new ChildHandle(this.#spawner());
  }

  /** Resolves once the spare (if any) has imported the runtime. */
  spareReady(): Promise<void> {
    return this.#spare?.ready ?? Promise.resolve();
  }

  /** Hands back a child whose result arrived; it exits in the background. */
  retire(child: ChildHandle): void {
    this.track(child.exited);
  }

  /** Background work that the next timed runs wait for. */
  track(work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => this.#background.delete(p));
    this.#background.add(p);
  }

  /**
   * Tracks `work` that sends a job to a child ahead of its turn (it calls {@linkcode preload});
   * {@linkcode sentAhead} resolves once the latest such work is done.
   */
  trackSendAhead(work: Promise<void>): void {
    this.#sendingAhead = work.catch(() => {});
    this.track(this.#sendingAhead);
  }

  /** Resolves once the latest work given to {@linkcode trackSendAhead} is done. */
  sentAhead(): Promise<void> {
    return this.#sendingAhead;
  }

  /** Resolves once every tracked background job has finished. */
  async settled(): Promise<void> {
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }

  #discard(child: ChildHandle): void {
    child.kill();
    this.retire(child);
  }

  /** Kills a preloaded child, dismisses the spare and waits for all background work. */
  async close(): Promise<void> {
    const spare = this.#spare;
    this.#spare = undefined;
    if (this.#loaded) this.#discard(this.#loaded);
    this.#loaded = undefined;
    await spare?.dismiss();
    await this.settled();
  }
}

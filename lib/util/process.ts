/**
 * Process helpers for clean-up after faults: whether a process id still runs, and two ways of
 * making a child process end when its parent dies (a SIGKILLed parent runs no clean-up code).
 *
 * - {@linkcode exitWhenOrphaned}: for children we write ourselves (the profiler's measuring
 *   child): polls its own parent process id and exits once it changed (the parent died and the
 *   child was handed to init or a subreaper).
 * - {@linkcode stopWithDenoTask}: for our own entry points run through `deno task`: SIGKILL of
 *   the `deno task` wrapper does not reach the `deno run` it started, so that process watches
 *   the wrapper and stops itself (through its own SIGTERM handler) once the wrapper is gone.
 * - {@linkcode killWhenParentDies}: for children we cannot change (`deno jupyter --kernel`, which
 *   ignores SIGTERM): a tiny `sh` watchdog that SIGKILLs the child once this process is gone, and
 *   ends by itself once the child is gone.
 *
 * @module
 */

/**
 * Whether a process with this id exists (a zombie counts). Linux: `/proc/<pid>`; elsewhere
 * `kill -0`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processAlive } from "./process.ts";
 * assert.equal(processAlive(Deno.pid), true);
 * ```
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === Deno.pid) return true;
  if (Deno.build.os === "linux") {
    try {
      Deno.statSync(`/proc/${pid}`);
      return true;
    } catch {
      return false;
    }
  }
  try {
    const out = new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" })
      .outputSync();
    return out.success;
  } catch {
    return true; // cannot tell: assume it runs (never delete what may be in use)
  }
}

/**
 * The start time of a process in clock ticks since boot (`/proc/<pid>/stat`, field 22), or
 * `undefined` where it cannot be read (not Linux, no such process). With the pid it names one
 * process for good: a reused pid has another start time.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processStartTime } from "./process.ts";
 * if (Deno.build.os === "linux") assert.equal(typeof processStartTime(Deno.pid), "number");
 * ```
 */
export function processStartTime(pid: number): number | undefined {
  if (Deno.build.os !== "linux" || !Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote `pid` (and, when known, `startTime`) still runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ownerAlive, processStartTime } from "./process.ts";
 * assert.equal(ownerAlive(Deno.pid, processStartTime(Deno.pid)), true);
 * assert.equal(ownerAlive(Deno.pid, -1), false); // same pid, another process
 * ```
 */
export function ownerAlive(pid: number, startTime?: number): boolean {
  if (!processAlive(pid)) return false;
  if (startTime === undefined) return true;
  const now = processStartTime(pid);
  return now === undefined || now === startTime;
}

/**
 * Exits this process (code 1, one line on stderr) once its parent has died: polls the parent
 * process id every `intervalMs` (it changes when the parent dies). The timer does not keep the
 * process alive. Returns the function that stops watching.
 *
 * @example
 * ```ts
 * import { exitWhenOrphaned } from "./process.ts";
 * const stop = exitWhenOrphaned(500);
 * stop();
 * ```
 */
export function exitWhenOrphaned(intervalMs = 500, name = "lts child"): () => void {
  const parent = Deno.ppid;
  const timer = setInterval(() => {
    if (Deno.ppid === parent && (parent <= 1 || processAlive(parent))) return;
    try {
      Deno.stderr.writeSync(new TextEncoder().encode(`${name}: parent ${parent} died; exiting\n`));
    } catch { /* stderr gone with the parent */ }
    Deno.exit(1);
  }, intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/**
 * Whether `cmdline` (NUL-separated, as in `/proc/<pid>/cmdline`) is a `deno task …` command.
 *
 * @example
 * ```ts
 * import { isDenoTaskCommand } from "./process.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isDenoTaskCommand("/usr/bin/deno\0task\0report\0--quick\0"), true);
 * assert.equal(isDenoTaskCommand("bash\0-c\0deno task report\0"), false);
 * assert.equal(isDenoTaskCommand("/usr/bin/deno\0run\0-A\0main.ts\0"), false);
 * ```
 */
export function isDenoTaskCommand(cmdline: string): boolean {
  const args = cmdline.split("\0").filter((a) => a !== "");
  if (args.length < 2) return false;
  const exe = args[0].split("/").at(-1) ?? "";
  return /^deno(\.exe)?$/.test(exe) && args.slice(1).find((a) => !a.startsWith("-")) === "task";
}

/**
 * When this process was started by `deno task` (its parent's command line says so), stops it
 * once that parent is gone: a SIGTERM to itself, so that its own signal handler cleans up (kills
 * kernels and measuring children, releases locks), then an exit after `graceMs` if it still
 * runs. Returns a function that stops watching; does nothing when the parent is not `deno task`
 * (a process run directly keeps running when its shell goes, as usual).
 *
 * @example
 * ```ts
 * import { stopWithDenoTask } from "./process.ts";
 * const stop = stopWithDenoTask("lts report");
 * stop();
 * ```
 */
export function stopWithDenoTask(name: string, intervalMs = 500, graceMs = 10_000): () => void {
  const parent = Deno.ppid;
  let cmdline = "";
  try {
    cmdline = Deno.readTextFileSync(`/proc/${parent}/cmdline`);
  } catch {
    return () => {};
  }
  if (!isDenoTaskCommand(cmdline)) return () => {};
  const timer = setInterval(() => {
    if (Deno.ppid === parent && processAlive(parent)) return;
    clearInterval(timer);
    try {
      Deno.stderr.writeSync(
        new TextEncoder().encode(`${name}: its deno task ${parent} is gone; stopping\n`),
      );
    } catch { /* stderr gone with the parent */ }
    const exit = setTimeout(() => Deno.exit(143), graceMs);
    Deno.unrefTimer(exit);
    try {
      Deno.kill(Deno.pid, "SIGTERM");
    } catch {
      Deno.exit(143);
    }
  }, intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}

/** What {@linkcode killWhenParentDies} returns. */
export interface Watchdog {
  /** Ends the watchdog (call once the child has exited; a later pid reuse is then harmless). */
  stop(): void;
}

/**
 * Starts a watchdog that SIGKILLs process `childPid` once this process has died (checked every
 * `intervalMs`), and ends by itself once the child is gone. It is a `sh` loop, so it survives a
 * SIGKILL of this process. Does not keep this process alive.
 *
 * @example
 * ```ts
 * import { killWhenParentDies } from "./process.ts";
 * const child = new Deno.Command("sleep", { args: ["60"] }).spawn();
 * const watchdog = killWhenParentDies(child.pid);
 * child.kill("SIGKILL");
 * await child.status;
 * watchdog.stop();
 * ```
 */
export function killWhenParentDies(childPid: number, intervalMs = 500): Watchdog {
  const seconds = (intervalMs / 1000).toFixed(3);
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep "$3"; done; ' +
    'kill -0 "$1" 2>/dev/null || kill -9 "$2" 2>/dev/null; exit 0';
  let process: Deno.ChildProcess | undefined;
  try {
    process = new Deno.Command("sh", {
      args: ["-c", script, "lts-watchdog", String(Deno.pid), String(childPid), seconds],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    process.unref();
    process.status.catch(() => {});
  } catch {
    // No sh (not POSIX): the child is not watched.
  }
  return {
    stop() {
      try {
        process?.kill("SIGKILL");
      } catch { /* already gone */ }
    },
  };
}

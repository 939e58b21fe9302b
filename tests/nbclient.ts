/**
 * Helpers for tests that drive the Deno kernel with a real Jupyter client: Debian's nbclient,
 * through `tests/nbclient_run.py`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../lib/util/paths.ts";

/** Debian's python3, where python3-nbclient installs (not a pyenv or venv one on PATH). */
export const PYTHON = "/usr/bin/python3";

/** Whether the real-client tests run: nbclient present; else fail under `CI`, skip locally. */
export function nbclientMode(): "run" | "fail" | "skip" {
  try {
    const probe = new Deno.Command(PYTHON, { args: ["-c", "import nbclient, nbformat"] });
    if (probe.outputSync().code === 0) return "run";
  } catch {
    // no python3
  }
  return Deno.env.get("CI") ? "fail" : "skip";
}

/** Writes a kernel spec named "deno" (this Deno) under `jupyterPath`, for `JUPYTER_PATH`. */
export async function writeDenoKernelSpec(jupyterPath: string): Promise<void> {
  const dir = join(jupyterPath, "kernels", "deno");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "kernel.json"),
    JSON.stringify({
      argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
      display_name: "Deno",
      language: "typescript",
    }),
  );
}

/** What `nbclient_run.py` prints. */
export interface NbclientReport {
  nbclient?: string;
  notebooks: Record<
    string,
    { error?: string | null; trusted?: boolean; warnings?: string[]; seconds?: number }
  >;
}

/** Runs `tests/nbclient_run.py ARGS` (in `cwd`, with exactly `env`) and parses its JSON. */
export async function nbclientRun(
  args: string[],
  options: { cwd?: string; env: Record<string, string> },
): Promise<NbclientReport> {
  const script = join(PROJECT_ROOT, "tests", "nbclient_run.py");
  const { code, stdout, stderr } = await new Deno.Command(PYTHON, {
    args: [script, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, `nbclient_run.py ${args[0]} failed:\n${err.slice(-4000)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

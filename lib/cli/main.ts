/**
 * `deno task lts <command>`: the command-line face of the library.
 * Exit codes: 0 ok, 1 internal error, 2 bad input (one line on stderr, no stack trace).
 *
 * @module
 */
import { isInputError } from "../util/errors.ts";
import { stopWithDenoTask } from "../util/process.ts";
import type { Command } from "./command.ts";

/** Every command, loaded on demand so that `lts params` does not load ONNX Runtime. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  emit: {
    summary: "write a gpt2 architecture as an ONNX model with seeded random weights",
    load: async () => (await import("./emit.ts")).command,
  },
  params: {
    summary: "parameter counts of architectures (JSON, JSON lines or model_config.yaml)",
    load: async () => (await import("./params.ts")).command,
  },
  space: {
    summary: "search-space presets: list, sample architectures, exact size, membership",
    load: async () => (await import("./space.ts")).command,
  },
  profile: {
    summary: "latency and peak memory of architectures on this device (ONNX Runtime)",
    load: async () => (await import("./profile.ts")).command,
  },
  "proxy-check": {
    summary: "rank correlation of parameter counts with published perplexity (random sets)",
    load: async () => (await import("./proxy_check.ts")).command,
  },
  "benchmark-pack": {
    summary: "write archai's saved_logs folder as the compact benchmark pack (JSON lines)",
    load: async () => (await import("./benchmark_pack.ts")).command,
  },
  costmodel: {
    summary: "calibrated cost model of this device: calibrate, predict, validate",
    load: async () => (await import("./costmodel.ts")).command,
  },
  search: {
    summary: "evolutionary (or random) hardware-aware architecture search into a run directory",
    load: async () => (await import("./search.ts")).command,
  },
  export: {
    summary: "write a model picked from a search run as JSON, model_config.yaml or ONNX",
    load: async () => (await import("./export.ts")).command,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) =>
    `  ${name.padEnd(width)}  ${c.summary}`
  );
  return [
    "Usage: deno task lts <command> [options]   (each command takes --help)",
    "",
    "Commands:",
    ...lines,
  ].join("\n");
}

/**
 * Runs the CLI on `args` and returns the exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * const code = await main(["--help"]); // prints the command list
 * assert.equal(code, 0);
 * ```
 */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`lts: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (isInputError(e)) {
      console.error(`lts ${name}: ${(e as Error).message}`);
      return 2;
    }
    if (Deno.env.get("LTS_DEBUG")) console.error(e);
    else console.error(`lts ${name}: internal error: ${(e as Error)?.message ?? e}`);
    return 1;
  }
}

if (import.meta.main) {
  // SIGKILL of the `deno task` wrapper must not leave this process running on its own.
  stopWithDenoTask("lts");
  Deno.exit(await main(Deno.args));
}

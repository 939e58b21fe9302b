/**
 * The command line, `deno task lts <command>`, as functions: {@linkcode main} runs one command
 * line and returns its exit code (0 ok, 1 internal error, 2 bad input, printed as one line on
 * stderr); {@linkcode readArchs} reads architectures the way every command does (ArchConfig
 * JSON, a JSON array, JSON lines or an archai `model_config.yaml`). Each command's own module
 * (`params.ts`, `space.ts`, `search.ts`, …) exports its {@linkcode Command}; `main` loads them on
 * demand, so counting parameters does not load ONNX Runtime. The commands and their options
 * are described in `docs/cli.md` and by `--help`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main, readArchs } from "./mod.ts";
 * // The same as `deno task lts space --preset lts-gpt2 --homogeneous --size`:
 * const code = await main(["space", "--preset", "lts-gpt2", "--homogeneous", "--size"]);
 * // prints {"preset":"lts-gpt2","homogeneous":true,"count":"285525","log10":5.455…}
 * assert.equal(code, 0);
 * const path = await Deno.makeTempFile({ suffix: ".jsonl" });
 * await Deno.writeTextFile(path, '{"backbone":"gpt2","nLayer":2,"dModel":128,"nHead":2,"dInner":512}\n');
 * const archs = await readArchs(path); // validated Arch objects
 * assert.deepEqual(archs[0].dInner, [512, 512]);
 * await Deno.remove(path);
 * ```
 *
 * @module
 */
export { main } from "./main.ts";
export type { Command } from "./command.ts";
export { readArchs } from "./input.ts";

/**
 * The shape of one CLI command.
 *
 * @module
 */

/**
 * One `deno task lts <name>` command. `run` throws {@linkcode InputError} for bad input
 * (exit 2); it returns the exit code otherwise.
 *
 * @example
 * ```ts
 * import type { Command } from "./command.ts";
 * export const hello: Command = {
 *   name: "hello",
 *   summary: "print hello",
 *   help: "Usage: deno task lts hello",
 *   run: () => { console.log("hello"); return Promise.resolve(0); },
 * };
 * ```
 */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text. */
  help: string;
  run(args: string[]): Promise<number>;
}

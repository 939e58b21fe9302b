/**
 * A minimal Jupyter client for the Deno kernel (`deno jupyter --kernel --conn <file>`), spoken over
 * ZeroMQ: DEALER sockets for shell, control and stdin, SUB for iopub (see `zmtp.ts` for why this
 * is our own ZMTP client rather than npm:zeromq).
 *
 * The Deno 2.9 kernel may publish `status: idle` (and send `execute_reply`) before the last
 * outputs of a cell reach iopub: captured stdout/stderr and `Deno.jupyter` broadcasts pass through
 * queues that are flushed later and tagged with whichever request is current at flush time. So
 * after the reply and the idle, {@linkcode Kernel.execute} sends a marker request (a silent
 * `execute_request` that prints one token through each queue), collects until both tokens and
 * the marker's idle have arrived, then waits for a short quiet period. Outputs tagged with the
 * marker's id belong to the cell; the tokens themselves are removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startKernel } from "./kernel.ts";
 * await using kernel = await startKernel({ cwd: "notebooks" });
 * const result = await kernel.execute("console.log(1 + 1)");
 * assert.equal(result.outputs[0].header.msg_type, "stream");
 * ```
 *
 * @module
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import {
  type ConnectionInfo,
  createConnectionInfo,
  createMessage,
  decodeMessage,
  encodeMessage,
  type JupyterMessage,
} from "./connection.ts";
import { makeOwnedTempDir } from "../util/fs.ts";
import { killWhenParentDies, type Watchdog } from "../util/process.ts";
import { ZmtpSocket, type ZmtpSocketType } from "./zmtp.ts";

/** Options for {@linkcode startKernel}. */
export interface KernelOptions {
  /** Working folder of the kernel process (the notebook's folder). */
  cwd: string;
  /** Environment variables for the kernel, added to this process's environment. */
  env?: Record<string, string>;
  /** Start from an empty environment (then `env` is all the kernel gets). */
  clearEnv?: boolean;
  /** The `deno` executable; default: the one running this code. */
  denoPath?: string;
  /** Give up when the kernel has not answered `kernel_info_request` by then (default 60 s). */
  startTimeoutMs?: number;
  /** After the end markers, keep collecting until iopub has been quiet this long (default 20 ms). */
  quietMs?: number;
  /** Stop waiting for the end markers this long after the marker's idle (default 5 s). */
  markerTimeoutMs?: number;
  /** Called with each line the kernel process writes to its stderr (default: dropped). */
  onStderr?: (line: string) => void;
}

/** Options for one {@linkcode Kernel.execute} call. */
export interface ExecuteOptions {
  /** Called for every output message as it arrives (stream, display_data, …). */
  onOutput?: (msg: JupyterMessage) => void;
  /** Fail when the cell has not finished by then (default: no limit). */
  timeoutMs?: number;
}

/** What one cell execution produced. */
export interface ExecuteResult {
  /** `ok`, `error` (the cell threw) or `aborted`. */
  status: "ok" | "error" | "aborted";
  executionCount: number | null;
  /** Output messages on iopub, in arrival order (stream, display_data, update_display_data,
   * execute_result, error, clear_output). */
  outputs: JupyterMessage[];
  /** Whether both end markers arrived (false: collection stopped on the fallback timeout). */
  complete: boolean;
  /** Set when `status` is `error`. */
  error?: { ename: string; evalue: string; traceback: string[] };
}

/** iopub message types that are outputs of a cell. */
export const OUTPUT_TYPES: ReadonlySet<string> = new Set([
  "stream",
  "display_data",
  "update_display_data",
  "execute_result",
  "error",
  "clear_output",
]);

/** Kernels started by this process and not yet shut down (for {@linkcode killRunningKernels}). */
const running = new Set<Kernel>();

type Channel = "shell" | "iopub" | "stdin" | "control";
type Listener = (channel: Channel, msg: JupyterMessage) => void;

/**
 * A running Deno kernel with connected sockets. Always {@linkcode Kernel.shutdown} it (or use
 * `await using`).
 *
 * @example
 * ```ts
 * import { startKernel } from "./kernel.ts";
 * const kernel = await startKernel({ cwd: "." });
 * try {
 *   const { outputs } = await kernel.execute('console.log("hi")');
 * } finally {
 *   await kernel.shutdown();
 * }
 * ```
 */
export class Kernel {
  readonly info: ConnectionInfo;
  readonly session: string = randomUUID();
  #child: Deno.ChildProcess;
  #sockets: Record<Channel, ZmtpSocket>;
  #listeners = new Set<Listener>();
  #exited: Promise<Deno.CommandStatus>;
  #exitStatus: Deno.CommandStatus | undefined;
  #exitWatch: Promise<unknown>;
  #quietMs: number;
  #markerTimeoutMs: number;
  #connDir: string;
  #watchdog: Watchdog;
  #closed = false;
  #readers: Promise<void>[] = [];

  private constructor(
    info: ConnectionInfo,
    child: Deno.ChildProcess,
    exited: Promise<Deno.CommandStatus>,
    stderrDone: Promise<void>,
    sockets: Record<Channel, ZmtpSocket>,
    connDir: string,
    watchdog: Watchdog,
    quietMs: number,
    markerTimeoutMs: number,
  ) {
    this.info = info;
    this.#child = child;
    this.#connDir = connDir;
    this.#watchdog = watchdog;
    this.#quietMs = quietMs;
    this.#markerTimeoutMs = markerTimeoutMs;
    this.#exited = exited;
    this.#exitWatch = exited.then((status) => (this.#exitStatus = status));
    this.#sockets = sockets;
    this.#readers.push(stderrDone);
    for (const channel of Object.keys(this.#sockets) as Channel[]) {
      this.#readers.push(this.#read(channel));
    }
    this.#listeners.add((channel, msg) => {
      // This client never asks for input (allow_stdin is false); answer defensively so that a
      // notebook calling prompt() gets "" instead of hanging the run.
      if (channel === "stdin" && msg.header.msg_type === "input_request") {
        this.#send("stdin", createMessage("input_reply", { value: "" }, this.session, msg.header));
      }
    });
  }

  /** @internal Starts the process and connects; use {@linkcode startKernel}. */
  static async start(options: KernelOptions): Promise<Kernel> {
    const info = createConnectionInfo();
    // `lts-kernel-<pid>-…`: the folders of killed processes are removed by the next start.
    const connDir = await makeOwnedTempDir("lts-kernel-");
    const connFile = join(connDir, "connection.json");
    await Deno.writeTextFile(connFile, JSON.stringify(info));
    const child = new Deno.Command(options.denoPath ?? Deno.execPath(), {
      args: ["jupyter", "--kernel", "--conn", connFile],
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      clearEnv: options.clearEnv ?? false,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // The kernel ignores SIGTERM and outlives a SIGKILLed parent: a watchdog kills it then.
    const watchdog = killWhenParentDies(child.pid);
    const stderrDone = pipeLines(child.stderr, options.onStderr ?? (() => {}));
    const exit: { status?: Deno.CommandStatus } = {};
    const exited = child.status.then((status) => (exit.status = status));
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const sockets: Partial<Record<Channel, ZmtpSocket>> = {};
    let kernel: Kernel | undefined;
    try {
      const types: [Channel, ZmtpSocketType][] = [
        ["shell", "DEALER"],
        ["control", "DEALER"],
        ["stdin", "DEALER"],
        ["iopub", "SUB"],
      ];
      for (const [channel, type] of types) {
        sockets[channel] = await connectWithRetry(info, channel, type, deadline, exit);
      }
      kernel = new Kernel(
        info,
        child,
        exited,
        stderrDone,
        sockets as Record<Channel, ZmtpSocket>,
        connDir,
        watchdog,
        options.quietMs ?? 20,
        options.markerTimeoutMs ?? 5000,
      );
      running.add(kernel);
      await kernel.#handshake(deadline, timeoutMs);
    } catch (e) {
      if (kernel) {
        await kernel.shutdown();
      } else {
        for (const socket of Object.values(sockets)) socket.close();
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
        await exited;
        watchdog.stop();
        await stderrDone;
        await Deno.remove(connDir, { recursive: true }).catch(() => {});
      }
      throw e;
    }
    return kernel;
  }

  /** The kernel process id. */
  get pid(): number {
    return this.#child.pid;
  }

  async #read(channel: Channel): Promise<void> {
    const socket = this.#sockets[channel];
    while (true) {
      let frames: Uint8Array[] | null;
      try {
        frames = await socket.receive();
      } catch {
        return; // connection reset: the kernel is gone
      }
      if (frames === null) return;
      let msg: JupyterMessage;
      try {
        msg = decodeMessage(frames, this.info.key);
      } catch {
        continue; // not ours or malformed: ignore
      }
      for (const listener of [...this.#listeners]) listener(channel, msg);
    }
  }

  #send(channel: Exclude<Channel, "iopub">, msg: JupyterMessage): void {
    if (this.#closed) throw new Error("kernel: already shut down");
    this.#sockets[channel].send(encodeMessage(msg, this.info.key)).catch(() => {});
  }

  #request(channel: "shell" | "control", msgType: string, content: Record<string, unknown>) {
    const msg = createMessage(msgType, content, this.session);
    this.#send(channel, msg);
    return msg.header.msg_id;
  }

  /** Sends kernel_info_request until the kernel answers on shell and iopub has seen its status. */
  async #handshake(deadline: number, timeoutMs: number): Promise<void> {
    const ids = new Set<string>();
    let replied = false;
    let subscribed = false;
    let resolveReady!: () => void;
    const ready = new Promise<void>((r) => (resolveReady = r));
    const listener: Listener = (channel, msg) => {
      if (!ids.has(msg.parent_header.msg_id ?? "")) return;
      if (channel === "shell" && msg.header.msg_type === "kernel_info_reply") replied = true;
      if (channel === "iopub") subscribed = true;
      if (replied && subscribed) resolveReady();
    };
    this.#listeners.add(listener);
    try {
      let done = false;
      ready.then(() => (done = true));
      while (!done) {
        if (this.#exitStatus) {
          throw new Error(`kernel: process exited with code ${this.#exitStatus.code} on start`);
        }
        if (Date.now() > deadline) {
          throw new Error(`kernel: no answer to kernel_info_request within ${timeoutMs} ms`);
        }
        ids.add(this.#request("shell", "kernel_info_request", {}));
        const wait = delay(250);
        await Promise.race([ready, this.#exited, wait.promise]);
        wait.cancel();
      }
    } finally {
      this.#listeners.delete(listener);
    }
  }

  /**
   * Runs `code` and resolves once every output has been collected (see the module doc).
   * Rejects when the kernel process dies or the timeout passes.
   *
   * @example
   * ```ts
   * import { startKernel } from "./kernel.ts";
   * await using kernel = await startKernel({ cwd: "." });
   * const { status, outputs } = await kernel.execute("1 + 1");
   * status; // "ok"; outputs[0].content.data → { "text/plain": "2" }
   * ```
   */
  execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.#exitStatus) {
      return Promise.reject(new Error(`kernel: process exited (code ${this.#exitStatus.code})`));
    }
    const outputs: JupyterMessage[] = [];
    const token = `lts-marker-${randomUUID()}`;
    const markerPattern = new RegExp(`${token}-(stdio|iopub)\\n?`, "g");
    const seen = new Set<string>();
    let reply: JupyterMessage | undefined;
    let idle = false;
    let markerId: string | undefined;
    let markerIdle = false;
    let quietTimer: ReturnType<typeof setTimeout> | undefined;
    let fallbackTimer: ReturnType<typeof setTimeout> | undefined;
    let timeoutTimer: ReturnType<typeof setTimeout> | undefined;
    let listener: Listener | undefined;
    let onExit: (() => void) | undefined;

    return new Promise<ExecuteResult>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(quietTimer);
        clearTimeout(fallbackTimer);
        clearTimeout(timeoutTimer);
        if (listener) this.#listeners.delete(listener);
        onExit = undefined;
      };
      const finish = () => {
        cleanup();
        const content = reply!.content;
        const status = (content.status as ExecuteResult["status"]) ?? "ok";
        const result: ExecuteResult = {
          status,
          executionCount: (content.execution_count as number | undefined) ?? null,
          outputs,
          complete: seen.size === 2,
        };
        if (status === "error") {
          const errorOutput = outputs.find((m) => m.header.msg_type === "error")?.content;
          const source = errorOutput ?? content;
          result.error = {
            ename: String(source.ename ?? "Error"),
            evalue: String(source.evalue ?? ""),
            traceback: (source.traceback as string[] | undefined) ?? [],
          };
        }
        resolve(result);
      };
      const check = () => {
        clearTimeout(quietTimer);
        if (!reply || !markerIdle) return;
        if (seen.size === 2) quietTimer = setTimeout(finish, this.#quietMs);
        else fallbackTimer ??= setTimeout(finish, this.#markerTimeoutMs);
      };
      const requestId = createMessage("execute_request", {}, this.session).header.msg_id;
      listener = (channel, msg) => {
        const parent = msg.parent_header.msg_id;
        if (parent !== requestId && (markerId === undefined || parent !== markerId)) return;
        const type = msg.header.msg_type;
        if (channel === "shell" && parent === requestId && type === "execute_reply") reply = msg;
        if (channel === "iopub") {
          if (type === "stream" && typeof msg.content.text === "string") {
            const text = msg.content.text.replace(markerPattern, (_, kind: string) => {
              seen.add(kind);
              return "";
            });
            if (text !== msg.content.text) {
              if (text === "") {
                check();
                return;
              }
              msg = { ...msg, content: { ...msg.content, text } };
            }
          }
          if (OUTPUT_TYPES.has(type)) {
            outputs.push(msg);
            options.onOutput?.(msg);
          } else if (type === "status" && msg.content.execution_state === "idle") {
            if (parent === requestId) idle = true;
            else markerIdle = true;
          }
        }
        if ((idle || reply) && markerId === undefined) {
          // Outputs pass through two queues in the kernel (captured stdio, and broadcasts) that
          // are flushed after `idle` and tagged with the request current at flush time. The
          // marker puts one line through each queue; once both arrive, everything before them
          // has arrived too, and all of it is tagged with this request or the marker.
          markerId = this.#request("shell", "execute_request", {
            code: `console.log(${JSON.stringify(`${token}-stdio`)});\n` +
              `await Deno.jupyter.broadcast("stream", ` +
              `{ name: "stdout", text: ${JSON.stringify(`${token}-iopub\n`)} });`,
            silent: true,
            store_history: false,
            user_expressions: {},
            allow_stdin: false,
            stop_on_error: false,
          });
        }
        check();
      };
      this.#listeners.add(listener);
      onExit = () => {
        cleanup();
        reject(new Error(`kernel: process exited (code ${this.#exitStatus?.code}) during a cell`));
      };
      this.#exited.then(() => onExit?.());
      if (options.timeoutMs) {
        timeoutTimer = setTimeout(() => {
          cleanup();
          reject(new Error(`kernel: cell did not finish within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      const msg = createMessage("execute_request", {
        code,
        silent: false,
        store_history: true,
        user_expressions: {},
        allow_stdin: false,
        stop_on_error: true,
      }, this.session);
      msg.header.msg_id = requestId;
      this.#send("shell", msg);
    });
  }

  /**
   * Asks the kernel to shut down, kills it if it has not exited within a second, and closes the
   * sockets. Safe to call more than once.
   *
   * @example
   * ```ts
   * import { startKernel } from "./kernel.ts";
   * const kernel = await startKernel({ cwd: "." });
   * await kernel.shutdown();
   * ```
   */
  async shutdown(): Promise<void> {
    if (this.#closed) return;
    running.delete(this);
    if (!this.#exitStatus) {
      try {
        this.#request("control", "shutdown_request", { restart: false });
      } catch { /* sockets may be gone */ }
      const wait = delay(1000);
      await Promise.race([this.#exited, wait.promise]);
      wait.cancel();
      if (!this.#exitStatus) {
        try {
          this.#child.kill("SIGKILL");
        } catch { /* already gone */ }
      }
      await this.#exited;
    }
    this.#watchdog.stop();
    this.#closed = true;
    for (const socket of Object.values(this.#sockets)) socket.close();
    await Promise.all([...this.#readers, this.#exitWatch]);
    await Deno.remove(this.#connDir, { recursive: true }).catch(() => {});
  }

  /** Kills the process at once (for signal handlers; prefer {@linkcode Kernel.shutdown}). */
  kill(): void {
    running.delete(this);
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    this.#watchdog.stop();
    try {
      Deno.removeSync(this.#connDir, { recursive: true });
    } catch { /* already removed */ }
  }

  /** Same as {@linkcode Kernel.shutdown}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

/**
 * Starts `deno jupyter --kernel` in `options.cwd` and waits until it answers. The process is
 * killed if the start fails or times out.
 *
 * @example
 * ```ts
 * import { startKernel } from "./kernel.ts";
 * await using kernel = await startKernel({ cwd: "notebooks", env: { LTS_QUICK: "1" } });
 * await kernel.execute('Deno.env.get("LTS_QUICK")');
 * ```
 */
export function startKernel(options: KernelOptions): Promise<Kernel> {
  return Kernel.start(options);
}

async function connectWithRetry(
  info: ConnectionInfo,
  channel: Channel,
  type: ZmtpSocketType,
  deadline: number,
  exit: { status?: Deno.CommandStatus },
): Promise<ZmtpSocket> {
  while (true) {
    try {
      return await ZmtpSocket.connect(info.ip, info[`${channel}_port`], type);
    } catch (e) {
      if (exit.status) {
        throw new Error(`kernel: process exited with code ${exit.status.code} on start`);
      }
      if (Date.now() > deadline) {
        throw new Error(`kernel: could not connect to ${channel} (${(e as Error).message})`);
      }
      const wait = delay(50);
      await wait.promise;
    }
  }
}

/**
 * Kills every kernel this process started and has not shut down; returns how many. For SIGINT /
 * SIGTERM handlers, so that an interrupted run leaves no orphan kernels.
 *
 * @example
 * ```ts
 * import { killRunningKernels } from "./kernel.ts";
 * Deno.addSignalListener("SIGINT", () => {
 *   killRunningKernels();
 *   Deno.exit(130);
 * });
 * ```
 */
export function killRunningKernels(): number {
  const kernels = [...running];
  for (const kernel of kernels) kernel.kill();
  return kernels.length;
}

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}

async function pipeLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let rest = "";
  const decoder = new TextDecoder();
  try {
    for await (const bytes of stream) {
      const lines = (rest + decoder.decode(bytes, { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    }
    if (rest) onLine(rest);
  } catch {
    // process killed
  }
}

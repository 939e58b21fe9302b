/**
 * Jupyter connection files and the wire format of the Jupyter messaging protocol (version 5.3):
 * free ports on 127.0.0.1, HMAC-SHA256 signatures, and encoding/decoding of multipart messages.
 * Pure functions except {@linkcode freePort}.
 *
 * @module
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";

/** Protocol version this client speaks. */
export const PROTOCOL_VERSION = "5.3";

/** The delimiter frame between routing identities and the signed message parts. */
export const DELIMITER = "<IDS|MSG>";

/** A Jupyter connection file (what `deno jupyter --kernel --conn <file>` reads). */
export interface ConnectionInfo {
  ip: string;
  transport: "tcp";
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

/** A message header. */
export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** One Jupyter message (buffers are not used by this client and are dropped). */
export interface JupyterMessage {
  header: MessageHeader;
  /** The request's header for replies and side effects; `{}` when there is none. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it; we close it again).
 *
 * @example
 * ```ts
 * import { freePort } from "./connection.ts";
 * const port = freePort(); // e.g. 41873
 * ```
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * A connection description with five distinct free ports and a fresh random key.
 *
 * @example
 * ```ts
 * import { createConnectionInfo } from "./connection.ts";
 * const info = createConnectionInfo();
 * await Deno.writeTextFile("/tmp/conn.json", JSON.stringify(info));
 * ```
 */
export function createConnectionInfo(kernelName = "deno"): ConnectionInfo {
  const ports = new Set<number>();
  while (ports.size < 5) ports.add(freePort());
  const [shell, iopub, stdin, control, hb] = [...ports];
  return {
    ip: "127.0.0.1",
    transport: "tcp",
    shell_port: shell,
    iopub_port: iopub,
    stdin_port: stdin,
    control_port: control,
    hb_port: hb,
    key: randomUUID(),
    signature_scheme: "hmac-sha256",
    kernel_name: kernelName,
  };
}

/**
 * The `tcp://ip:port` address of one channel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { channelAddress, createConnectionInfo } from "./connection.ts";
 * assert.match(channelAddress(createConnectionInfo(), "shell"), /^tcp:\/\/127\.0\.0\.1:\d+$/);
 * ```
 */
export function channelAddress(
  info: ConnectionInfo,
  channel: "shell" | "iopub" | "stdin" | "control" | "hb",
): string {
  return `${info.transport}://${info.ip}:${info[`${channel}_port`]}`;
}

/**
 * Hex HMAC-SHA256 of the four JSON parts (header, parent header, metadata, content).
 * An empty key means "no signing" (the signature is the empty string).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { signParts } from "./connection.ts";
 * assert.equal(signParts("secret", ["{}", "{}", "{}", "{}"]).length, 64);
 * ```
 */
export function signParts(key: string, parts: readonly (string | Uint8Array)[]): string {
  if (key === "") return "";
  const hmac = createHmac("sha256", key);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/**
 * A new message with a fresh id, for `session`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMessage } from "./connection.ts";
 * const msg = createMessage("kernel_info_request", {}, "session-1");
 * assert.equal(msg.header.msg_type, "kernel_info_request");
 * ```
 */
export function createMessage(
  msgType: string,
  content: Record<string, unknown>,
  session: string,
  parent: Partial<MessageHeader> = {},
): JupyterMessage {
  return {
    header: {
      msg_id: randomUUID(),
      session,
      username: "lts-report",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: parent,
    metadata: {},
    content,
  };
}

/**
 * The frames to send on a DEALER socket: delimiter, signature, then the four JSON parts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMessage, encodeMessage } from "./connection.ts";
 * const frames = encodeMessage(createMessage("kernel_info_request", {}, "s"), "key");
 * assert.equal(frames[0], "<IDS|MSG>");
 * ```
 */
export function encodeMessage(msg: JupyterMessage, key: string): string[] {
  const parts = [
    JSON.stringify(msg.header),
    JSON.stringify(msg.parent_header),
    JSON.stringify(msg.metadata),
    JSON.stringify(msg.content),
  ];
  return [DELIMITER, signParts(key, parts), ...parts];
}

/**
 * Parses received frames (routing prefix or iopub topic allowed before the delimiter) and checks
 * the signature. Throws an `Error` on a malformed or wrongly signed message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createMessage, decodeMessage, encodeMessage } from "./connection.ts";
 * const frames = encodeMessage(createMessage("status", { execution_state: "idle" }, "s"), "k");
 * assert.deepEqual(decodeMessage(frames.map((f) => new TextEncoder().encode(f)), "k").content, { execution_state: "idle" });
 * ```
 */
export function decodeMessage(frames: readonly Uint8Array[], key: string): JupyterMessage {
  const decoder = new TextDecoder();
  const delimiter = new TextEncoder().encode(DELIMITER);
  const at = frames.findIndex((f) =>
    f.length === delimiter.length && f.every((b, i) => b === delimiter[i])
  );
  if (at < 0 || frames.length < at + 6) {
    throw new Error("jupyter message: no delimiter or too short");
  }
  const signature = decoder.decode(frames[at + 1]);
  const parts = frames.slice(at + 2, at + 6);
  const expected = signParts(key, parts);
  const a = new TextEncoder().encode(signature);
  const b = new TextEncoder().encode(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new Error("jupyter message: bad signature");
  }
  const [header, parent, metadata, content] = parts.map((p) => JSON.parse(decoder.decode(p)));
  return { header, parent_header: parent, metadata, content };
}

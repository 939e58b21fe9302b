/**
 * A small ZeroMQ transport (ZMTP 3.0, NULL security, TCP) in TypeScript, client side only:
 * DEALER and SUB sockets, enough to talk to a Jupyter kernel.
 *
 * Why not npm:zeromq: its native addon loads under Deno 2.9 but crashed the process
 * (segfault in addon.node on a tokio thread) after a few kernel sessions in one process, and its
 * receive timeout crashed at once. This module uses only `Deno.connect`.
 *
 * Wire format (RFC 23/ZMTP): a 64-byte greeting each way, a READY command with the socket type,
 * then frames: one flags byte (bit 0 MORE, bit 1 LONG, bit 2 COMMAND), a size (1 byte, or 8 bytes
 * big-endian when LONG) and the body. A SUB socket subscribes by sending a message whose body is
 * 0x01 followed by the topic prefix.
 *
 * @module
 */

/** Socket types this module speaks. */
export type ZmtpSocketType = "DEALER" | "SUB";

const FLAG_MORE = 0x01;
const FLAG_LONG = 0x02;
const FLAG_COMMAND = 0x04;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The 64-byte ZMTP 3.0 greeting for the NULL mechanism, client side.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { greeting } from "./zmtp.ts";
 * assert.equal(greeting().length, 64);
 * ```
 */
export function greeting(): Uint8Array {
  const bytes = new Uint8Array(64);
  bytes[0] = 0xff;
  bytes[9] = 0x7f;
  bytes[10] = 3; // major version
  bytes[11] = 0; // minor version
  bytes.set(encoder.encode("NULL"), 12); // mechanism, zero-padded to 20 bytes
  bytes[32] = 0; // as-server: no
  return bytes;
}

/**
 * Encodes one frame (MORE set when more frames of the same message follow).
 *
 * @example
 * ```ts
 * import { encodeFrame } from "./zmtp.ts";
 * encodeFrame(new TextEncoder().encode("hi"), { more: true }); // Uint8Array [1, 2, 104, 105]
 * ```
 */
export function encodeFrame(
  body: Uint8Array,
  options: { more?: boolean; command?: boolean } = {},
): Uint8Array {
  const long = body.length > 255;
  const flags = (options.more ? FLAG_MORE : 0) | (long ? FLAG_LONG : 0) |
    (options.command ? FLAG_COMMAND : 0);
  const head = long ? 9 : 2;
  const out = new Uint8Array(head + body.length);
  out[0] = flags;
  if (long) new DataView(out.buffer).setBigUint64(1, BigInt(body.length));
  else out[1] = body.length;
  out.set(body, head);
  return out;
}

/**
 * Encodes a multipart message (strings as UTF-8).
 *
 * @example
 * ```ts
 * import { encodeMessageFrames } from "./zmtp.ts";
 * encodeMessageFrames(["a", "b"]); // Uint8Array [1, 1, 97, 0, 1, 98]
 * ```
 */
export function encodeMessageFrames(parts: readonly (string | Uint8Array)[]): Uint8Array {
  const frames = parts.map((p, i) =>
    encodeFrame(typeof p === "string" ? encoder.encode(p) : p, { more: i < parts.length - 1 })
  );
  const out = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/**
 * The READY command (NULL mechanism) announcing `socketType`.
 *
 * @example
 * ```ts
 * import { readyCommand } from "./zmtp.ts";
 * readyCommand("DEALER")[0]; // 4 (COMMAND flag)
 * ```
 */
export function readyCommand(socketType: ZmtpSocketType): Uint8Array {
  const properties: [string, string][] = [["Socket-Type", socketType]];
  if (socketType === "DEALER") properties.push(["Identity", ""]);
  const chunks: Uint8Array[] = [Uint8Array.of(5), encoder.encode("READY")];
  for (const [name, value] of properties) {
    const v = encoder.encode(value);
    const size = new Uint8Array(4);
    new DataView(size.buffer).setUint32(0, v.length);
    chunks.push(Uint8Array.of(name.length), encoder.encode(name), size, v);
  }
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return encodeFrame(body, { command: true });
}

/** Reads exact byte counts from a connection (buffered for small reads, direct for large). */
class ByteReader {
  static readonly CHUNK = 65536;
  #conn: Deno.Conn;
  #buffer = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** `n` bytes, or null when the stream ended first. */
  async read(n: number): Promise<Uint8Array | null> {
    if (n > ByteReader.CHUNK) {
      const out = new Uint8Array(n);
      out.set(this.#buffer);
      let filled = this.#buffer.length;
      this.#buffer = new Uint8Array(0);
      while (filled < n) {
        const got = await this.#conn.read(out.subarray(filled));
        if (got === null) return null;
        filled += got;
      }
      return out;
    }
    while (this.#buffer.length < n) {
      const chunk = new Uint8Array(ByteReader.CHUNK);
      const got = await this.#conn.read(chunk);
      if (got === null) return null;
      const merged = new Uint8Array(this.#buffer.length + got);
      merged.set(this.#buffer);
      merged.set(chunk.subarray(0, got), this.#buffer.length);
      this.#buffer = merged;
    }
    const out = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return out;
  }
}

/**
 * A connected DEALER or SUB socket (one peer, no reconnection).
 *
 * @example
 * ```ts
 * import { ZmtpSocket } from "./zmtp.ts";
 * const iopub = await ZmtpSocket.connect("127.0.0.1", 5556, "SUB");
 * const frames = await iopub.receive();
 * iopub.close();
 * ```
 */
export class ZmtpSocket {
  readonly type: ZmtpSocketType;
  #conn: Deno.Conn;
  #reader: ByteReader;
  #closed = false;
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(type: ZmtpSocketType, conn: Deno.Conn) {
    this.type = type;
    this.#conn = conn;
    this.#reader = new ByteReader(conn);
  }

  /**
   * Connects to `hostname:port`, exchanges greetings and READY commands; a SUB socket then
   * subscribes to `subscribe` (default: everything). Rejects if the peer is not listening.
   *
   * @example
   * ```ts
   * import { ZmtpSocket } from "./zmtp.ts";
   * const shell = await ZmtpSocket.connect("127.0.0.1", 5555, "DEALER");
   * ```
   */
  static async connect(
    hostname: string,
    port: number,
    type: ZmtpSocketType,
    subscribe = "",
  ): Promise<ZmtpSocket> {
    const conn = await Deno.connect({ hostname, port });
    const socket = new ZmtpSocket(type, conn);
    try {
      await socket.#handshake();
      if (type === "SUB") {
        const topic = encoder.encode(subscribe);
        const body = new Uint8Array(1 + topic.length);
        body[0] = 1;
        body.set(topic, 1);
        await socket.#write(encodeFrame(body));
      }
    } catch (e) {
      socket.close();
      throw e;
    }
    return socket;
  }

  async #handshake(): Promise<void> {
    await this.#write(greeting());
    const theirs = await this.#reader.read(64);
    if (!theirs || theirs[0] !== 0xff || theirs[9] !== 0x7f) {
      throw new Error("zmtp: bad greeting from peer");
    }
    if (theirs[10] < 3) throw new Error(`zmtp: peer speaks ZMTP ${theirs[10]}, need 3`);
    const mechanism = decoder.decode(theirs.subarray(12, 32)).replace(/\0+$/, "");
    if (mechanism !== "NULL") throw new Error(`zmtp: peer wants ${mechanism} security`);
    await this.#write(readyCommand(this.type));
    const ready = await this.#readFrame();
    if (!ready || !ready.command) throw new Error("zmtp: no READY from peer");
    const name = decoder.decode(ready.body.subarray(1, 1 + ready.body[0]));
    if (name === "ERROR") throw new Error("zmtp: peer refused the connection");
  }

  #write(bytes: Uint8Array): Promise<void> {
    // Serialise writes so frames of different messages never interleave.
    const next = this.#writing.then(async () => {
      let at = 0;
      while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
    });
    this.#writing = next.catch(() => {});
    return next;
  }

  async #readFrame(): Promise<{ more: boolean; command: boolean; body: Uint8Array } | null> {
    const head = await this.#reader.read(1);
    if (!head) return null;
    const flags = head[0];
    let size: number;
    if (flags & FLAG_LONG) {
      const bytes = await this.#reader.read(8);
      if (!bytes) return null;
      size = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0));
    } else {
      const bytes = await this.#reader.read(1);
      if (!bytes) return null;
      size = bytes[0];
    }
    const body = size === 0 ? new Uint8Array(0) : await this.#reader.read(size);
    if (!body) return null;
    return { more: (flags & FLAG_MORE) !== 0, command: (flags & FLAG_COMMAND) !== 0, body };
  }

  /**
   * Sends one multipart message.
   *
   * @example
   * ```ts
   * import { ZmtpSocket } from "./zmtp.ts";
   * const shell = await ZmtpSocket.connect("127.0.0.1", 5555, "DEALER");
   * await shell.send(["<IDS|MSG>", "", "{}", "{}", "{}", "{}"]);
   * ```
   */
  send(parts: readonly (string | Uint8Array)[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("zmtp: socket closed"));
    return this.#write(encodeMessageFrames(parts));
  }

  /**
   * The next multipart message, or null once the connection is closed (commands such as PING are
   * skipped).
   *
   * @example
   * ```ts
   * import { ZmtpSocket } from "./zmtp.ts";
   * const iopub = await ZmtpSocket.connect("127.0.0.1", 5556, "SUB");
   * const frames = await iopub.receive(); // [topic, "<IDS|MSG>", …] as bytes
   * ```
   */
  async receive(): Promise<Uint8Array[] | null> {
    const parts: Uint8Array[] = [];
    try {
      while (true) {
        const frame = await this.#readFrame();
        if (!frame) return null;
        if (frame.command) continue;
        parts.push(frame.body);
        if (!frame.more) return parts;
      }
    } catch (e) {
      if (this.#closed) return null;
      throw e;
    }
  }

  /**
   * Closes the connection (a pending {@linkcode ZmtpSocket.receive} resolves to null).
   *
   * @example
   * ```ts
   * import { ZmtpSocket } from "./zmtp.ts";
   * const s = await ZmtpSocket.connect("127.0.0.1", 5555, "DEALER");
   * s.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

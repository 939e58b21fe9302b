/**
 * Writing a model to disk: the `.onnx` file and, for large models, one external-data file
 * beside it (`<model>.onnx.data`) with every weight at a 4 KiB-aligned offset. Both are written
 * to temporary files and renamed into place, so a failure never leaves a half-written model.
 * Before anything is written, the model's weight bytes are checked against the free disk space
 * of the folder and the available memory (`checkNeeds` of `./fits.ts`).
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { InputError } from "../util/errors.ts";
import { ownedTempPath } from "../util/fs.ts";
import {
  checkNeeds,
  emissionNeeds,
  modelLabel,
  type ResourceProbe,
  usesExternalData,
} from "./fits.ts";
import { elementCount, type OnnxModel } from "./graph.ts";
import { encodeModel } from "./proto.ts";
import { externalLayout, initializerBytes } from "./weights.ts";

/** Options of {@linkcode writeOnnx}. */
export interface WriteOnnxOptions {
  /**
   * `true`: weights in `<path>.data`; `false`: embedded in the `.onnx` file (fails above
   * 2 GiB, protobuf's limit); `"auto"` (default): external from
   * `AUTO_EXTERNAL_MIN_BYTES` (1 MiB, in `./fits.ts`) of weights.
   */
  externalData?: "auto" | boolean;
  /**
   * Free disk space and memory to check the model against before writing (default: the running
   * system); too little is an `InputError` naming the architecture and the bytes.
   */
  probe?: ResourceProbe;
}

/** What {@linkcode writeOnnx} wrote. */
export interface WrittenModel {
  /** The `.onnx` file. */
  onnxPath: string;
  /** The external-data file, when there is one. */
  dataPath?: string;
  /** Size of the `.onnx` file. */
  onnxBytes: number;
  /** Size of the external-data file (0 when weights are embedded). */
  dataBytes: number;
}

const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

function outputError(path: string, e: unknown): Error {
  if (e instanceof Deno.errors.PermissionDenied) return new InputError(`${path}: not writable`);
  if (e instanceof Deno.errors.NotADirectory || e instanceof Deno.errors.AlreadyExists) {
    return new InputError(`${path}: a parent is not a folder`);
  }
  if (e instanceof Deno.errors.IsADirectory) return new InputError(`${path}: is a folder`);
  return e as Error;
}

/**
 * Streams the weights into the data file. Two scratch buffers (for even and odd tensors) let
 * the next tensor fill while the previous one is being written.
 */
async function writeExternalData(model: OnnxModel, tmpPath: string): Promise<number> {
  const layout = externalLayout(model.initializers);
  const sizes = model.initializers.map((i) => elementCount(i.dims));
  const largest = (parity: number) => Math.max(0, ...sizes.filter((_, k) => k % 2 === parity));
  const scratch = [new Float32Array(largest(0)), new Float32Array(largest(1))];
  const file = await Deno.open(tmpPath, { write: true, createNew: true });
  let pending: Promise<void> = Promise.resolve();
  try {
    let cursor = 0;
    for (let k = 0; k < model.initializers.length; k++) {
      const values = scratch[k % 2].subarray(0, sizes[k]);
      model.initializers[k].fill(values);
      await pending;
      const { offsetBytes, lengthBytes } = layout.entries[k];
      const padding = offsetBytes - cursor;
      cursor = offsetBytes + lengthBytes;
      pending = (async () => {
        if (padding > 0) await writeAll(file, new Uint8Array(padding));
        await writeAll(file, new Uint8Array(values.buffer, 0, values.byteLength));
      })();
    }
    await pending;
  } finally {
    await pending.catch(() => {});
    file.close();
  }
  return layout.totalBytes;
}

/**
 * Writes a model (and its external data) atomically. The external-data file is
 * `<path>.data`, referenced from the model by its base name, so the pair can be moved together.
 * Output problems (a folder that cannot be created or written, too little free disk or memory
 * for the model's weights) throw an `InputError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { emitGpt2, writeOnnx } from "./mod.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const arch = validateArch({ backbone: "gpt2", nLayer: 2, dModel: 64, nHead: 4, dInner: 256 });
 * const written = await writeOnnx(emitGpt2(arch), join(dir, "tiny.onnx"));
 * assert.equal(written.dataPath, join(dir, "tiny.onnx.data")); // 13 MB of weights: external data
 * assert.equal((await Deno.stat(written.onnxPath)).size, written.onnxBytes);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeOnnx(
  model: OnnxModel,
  path: string,
  options: WriteOnnxOptions = {},
): Promise<WrittenModel> {
  const mode = options.externalData ?? "auto";
  const weightBytes = initializerBytes(model.initializers);
  const external = usesExternalData(model.initializers, mode);
  if (!external && weightBytes > PROTOBUF_LIMIT_BYTES) {
    throw new InputError(
      `${path}: ${weightBytes} bytes of weights cannot be embedded (2 GiB limit)`,
    );
  }
  const dir = dirname(path);
  checkNeeds(emissionNeeds(model, external), dir, modelLabel(model), options.probe);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    const mapped = outputError(dir, e);
    if (mapped instanceof InputError) throw mapped;
    throw new InputError(`${dir}: cannot create the folder (${(e as Error).message})`);
  }
  const dataPath = external ? `${path}.data` : undefined;
  // Temp names carry this process's pid, so a later writer removes those of a killed process.
  const tmpOnnx = await ownedTempPath(dir, ".onnx.tmp");
  const tmpData = await ownedTempPath(dir, ".data.tmp");
  try {
    let dataBytes = 0;
    let bytes: Uint8Array;
    if (dataPath) {
      dataBytes = await writeExternalData(model, tmpData);
      const layout = externalLayout(model.initializers);
      bytes = encodeModel(model, { external: { location: basename(dataPath), layout } });
    } else {
      bytes = encodeModel(model);
    }
    await Deno.writeFile(tmpOnnx, bytes, { createNew: true });
    if (dataPath) await Deno.rename(tmpData, dataPath);
    await Deno.rename(tmpOnnx, path);
    return { onnxPath: path, dataPath, onnxBytes: bytes.length, dataBytes };
  } catch (e) {
    await Deno.remove(tmpOnnx).catch(() => {});
    await Deno.remove(tmpData).catch(() => {});
    throw outputError(path, e);
  }
}

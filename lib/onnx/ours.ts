/**
 * Provenance of an existing model file: whether it is an ONNX model this project wrote (its
 * `producer_name` is `lts-notebooks` and its metadata holds `lts.*` keys, as `emitGpt2` and
 * `writeOnnx` write them) and which external-data file it references, so that `emit --out` and
 * `export --out` replace only files of their own unless `--force` is given.
 *
 * The file is read as protobuf wire format field by field, skipping over large fields (the
 * graph's weights) without reading them, so checking a 2 GiB model reads a few kilobytes.
 *
 * @module
 */
import { basename } from "node:path";
import { InputError } from "../util/errors.ts";

/** The `producer_name` of every model `GraphBuilder` builds (its default). */
export const LTS_PRODUCER = "lts-notebooks";

/** A field of a protobuf message: number, wire type and where its value lies. */
interface WireField {
  field: number;
  wire: number;
  /** Start of the value (after the tag and, for length-delimited fields, the length). */
  start: number;
  /** End of the value (exclusive). */
  end: number;
}

class NotProtobuf extends Error {}

const CHUNK_BYTES = 1 << 16;
const MAX_STRING_BYTES = 1 << 16;

/** Random access to a file through one 64 KiB window. */
class Cursor {
  #file: Deno.FsFile;
  #buf = new Uint8Array(0);
  #bufStart = 0;
  readonly size: number;

  constructor(file: Deno.FsFile, size: number) {
    this.#file = file;
    this.size = size;
  }

  async #fill(pos: number): Promise<void> {
    await this.#file.seek(pos, Deno.SeekMode.Start);
    const buf = new Uint8Array(Math.min(CHUNK_BYTES, this.size - pos));
    let done = 0;
    while (done < buf.length) {
      const n = await this.#file.read(buf.subarray(done));
      if (n === null) break;
      done += n;
    }
    this.#buf = buf.subarray(0, done);
    this.#bufStart = pos;
  }

  async byte(pos: number): Promise<number> {
    if (pos >= this.size) throw new NotProtobuf("truncated");
    if (pos < this.#bufStart || pos >= this.#bufStart + this.#buf.length) await this.#fill(pos);
    if (pos - this.#bufStart >= this.#buf.length) throw new NotProtobuf("truncated");
    return this.#buf[pos - this.#bufStart];
  }

  async text(start: number, end: number): Promise<string> {
    if (end - start > MAX_STRING_BYTES) throw new NotProtobuf("string too long");
    const out = new Uint8Array(end - start);
    for (let i = 0; i < out.length; i++) out[i] = await this.byte(start + i);
    return new TextDecoder("utf-8", { fatal: true }).decode(out);
  }
}

async function varint(cur: Cursor, pos: number): Promise<[number, number]> {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const b = await cur.byte(pos + i);
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  throw new NotProtobuf("varint too long");
}

/** The fields of the message in `[start, end)`; throws `NotProtobuf` if they do not fit it. */
async function* fields(cur: Cursor, start: number, end: number): AsyncGenerator<WireField> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = await varint(cur, pos);
    const field = Math.floor(tag / 8), wire = tag % 8;
    if (field === 0) throw new NotProtobuf("field 0");
    let valueStart = afterTag, valueEnd: number;
    if (wire === 0) valueEnd = (await varint(cur, afterTag))[1];
    else if (wire === 1) valueEnd = afterTag + 8;
    else if (wire === 5) valueEnd = afterTag + 4;
    else if (wire === 2) {
      const [length, afterLength] = await varint(cur, afterTag);
      valueStart = afterLength;
      valueEnd = afterLength + length;
    } else throw new NotProtobuf(`wire type ${wire}`);
    if (valueEnd > end) throw new NotProtobuf("field past the end");
    yield { field, wire, start: valueStart, end: valueEnd };
    pos = valueEnd;
  }
}

/** `StringStringEntryProto` key and value. */
async function entry(cur: Cursor, f: WireField): Promise<[string, string]> {
  let key = "", value = "";
  for await (const e of fields(cur, f.start, f.end)) {
    if (e.wire !== 2) continue;
    if (e.field === 1) key = await cur.text(e.start, e.end);
    if (e.field === 2) value = await cur.text(e.start, e.end);
  }
  return [key, value];
}

/** What {@linkcode readOnnxProvenance} finds in a file. */
export interface OnnxProvenance {
  /** `producer_name` is {@linkcode LTS_PRODUCER} and some metadata key starts with `lts.`. */
  ours: boolean;
  /** The `location`s of the initializers' external data (file names relative to the model). */
  dataLocations: string[];
}

// ModelProto, GraphProto and TensorProto field numbers of onnx.proto.
const MODEL_PRODUCER = 2, MODEL_GRAPH = 7, MODEL_METADATA = 14;
const GRAPH_INITIALIZER = 5, TENSOR_EXTERNAL_DATA = 13;

/**
 * Reads the provenance of a file: whether it is an ONNX model this project wrote and which
 * external-data files it references. Anything that is not a whole protobuf message (text, an
 * image, a truncated model) is not ours. Throws only when the file cannot be opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { readOnnxProvenance } from "./ours.ts";
 * import { emitGpt2 } from "./gpt2.ts";
 * import { writeOnnx } from "./write.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const dir = await Deno.makeTempDir();
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 16, nHead: 2, dInner: 32, vocabSize: 50, nPositions: 8 });
 * await writeOnnx(emitGpt2(arch), join(dir, "tiny.onnx"));
 * await Deno.writeTextFile(join(dir, "notes.txt"), "not a model");
 * assert.equal((await readOnnxProvenance(join(dir, "tiny.onnx"))).ours, true);
 * assert.equal((await readOnnxProvenance(join(dir, "notes.txt"))).ours, false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readOnnxProvenance(path: string): Promise<OnnxProvenance> {
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    const cur = new Cursor(file, size);
    let producer = "";
    let ltsKeys = false;
    const dataLocations = new Set<string>();
    for await (const f of fields(cur, 0, size)) {
      if (f.wire !== 2) continue;
      if (f.field === MODEL_PRODUCER) producer = await cur.text(f.start, f.end);
      else if (f.field === MODEL_METADATA) {
        if ((await entry(cur, f))[0].startsWith("lts.")) ltsKeys = true;
      } else if (f.field === MODEL_GRAPH) {
        for await (const g of fields(cur, f.start, f.end)) {
          if (g.field !== GRAPH_INITIALIZER || g.wire !== 2) continue;
          for await (const t of fields(cur, g.start, g.end)) {
            if (t.field !== TENSOR_EXTERNAL_DATA || t.wire !== 2) continue;
            const [key, value] = await entry(cur, t);
            if (key === "location") dataLocations.add(value);
          }
        }
      }
    }
    return { ours: producer === LTS_PRODUCER && ltsKeys, dataLocations: [...dataLocations] };
  } catch (e) {
    if (e instanceof NotProtobuf || e instanceof TypeError) {
      return { ours: false, dataLocations: [] };
    }
    throw e;
  } finally {
    file.close();
  }
}

/**
 * Whether `path` is an ONNX model this project wrote (see {@linkcode readOnnxProvenance}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isOurOnnx } from "./ours.ts";
 * assert.equal(await isOurOnnx("README.md"), false);
 * ```
 */
export async function isOurOnnx(path: string): Promise<boolean> {
  return (await readOnnxProvenance(path)).ours;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    if (e instanceof Deno.errors.NotADirectory) return undefined;
    throw e;
  }
}

/** Options of {@linkcode checkOnnxOutput}. */
export interface OnnxOutputOptions {
  /** Replace whatever is there (`--force`). */
  force?: boolean;
  /** Whether the model written will have a `<path>.data` file beside it. */
  writesData: boolean;
  /** The flag that gave the path, for messages (default `--out`). */
  flag?: string;
}

/**
 * Refuses to replace a file that this project did not write: an existing `path` must be an ONNX
 * model of ours (see {@linkcode readOnnxProvenance}) and, when the new model has external data,
 * an existing `<path>.data` must be the one that model references. Otherwise throws
 * {@linkcode InputError} naming the flag and the file, unless `force`. A folder at `path` is
 * refused even with `force`.
 *
 * @example
 * ```ts
 * import { checkOnnxOutput } from "./ours.ts";
 * await checkOnnxOutput("data/tmp/new-model.onnx", { writesData: true }); // nothing there: passes
 * ```
 */
export async function checkOnnxOutput(path: string, options: OnnxOutputOptions): Promise<void> {
  const flag = options.flag ?? "--out";
  const stat = await statOrUndefined(path);
  if (stat?.isDirectory) throw new InputError(`${flag}: ${path} is a folder`);
  if (options.force) return;
  const provenance = stat ? await readOnnxProvenance(path) : undefined;
  if (provenance && !provenance.ours) {
    throw new InputError(
      `${flag}: ${path} exists and is not a model lts wrote; pass --force to replace it`,
    );
  }
  const dataPath = `${path}.data`;
  if (!options.writesData) return;
  const dataStat = await statOrUndefined(dataPath);
  if (dataStat === undefined) return;
  if (dataStat.isDirectory) throw new InputError(`${flag}: ${dataPath} is a folder`);
  if (!provenance?.dataLocations.includes(basename(dataPath))) {
    throw new InputError(
      `${flag}: ${dataPath} exists and is not the weights of a model lts wrote; ` +
        `pass --force to replace it`,
    );
  }
}

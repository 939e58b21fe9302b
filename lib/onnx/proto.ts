/**
 * `ModelProto` encoding with protobufjs reflection. The message types are the subset of
 * `onnx.proto` (ONNX IR) this project writes, with ONNX's field numbers; they are built in code
 * from a JSON descriptor, so nothing is read at run time.
 *
 * @module
 */
import protobuf from "protobufjs";
import {
  type AttrValue,
  type ConstTensor,
  ELEM_TYPE_CODES,
  elementCount,
  type OnnxModel,
} from "./graph.ts";
import type { ExternalLayout } from "./weights.ts";

const f = (type: string, id: number, repeated = false) =>
  repeated ? { type, id, rule: "repeated" } : { type, id };

/** The ONNX message types used here, with the field numbers of `onnx.proto`. */
const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: f("string", 1), value: f("string", 2) } },
        OperatorSetIdProto: { fields: { domain: f("string", 1), version: f("int64", 2) } },
        TensorProto: {
          fields: {
            dims: f("int64", 1, true),
            dataType: f("int32", 2),
            name: f("string", 8),
            rawData: f("bytes", 9),
            docString: f("string", 12),
            externalData: f("StringStringEntryProto", 13, true),
            dataLocation: f("int32", 14),
          },
        },
        AttributeProto: {
          fields: {
            name: f("string", 1),
            f: f("float", 2),
            i: f("int64", 3),
            s: f("bytes", 4),
            t: f("TensorProto", 5),
            floats: f("float", 7, true),
            ints: f("int64", 8, true),
            type: f("int32", 20),
          },
        },
        NodeProto: {
          fields: {
            input: f("string", 1, true),
            output: f("string", 2, true),
            name: f("string", 3),
            opType: f("string", 4),
            attribute: f("AttributeProto", 5, true),
            docString: f("string", 6),
            domain: f("string", 7),
          },
        },
        Dimension: { fields: { dimValue: f("int64", 1), dimParam: f("string", 2) } },
        TensorShapeProto: { fields: { dim: f("Dimension", 1, true) } },
        TensorTypeProto: { fields: { elemType: f("int32", 1), shape: f("TensorShapeProto", 2) } },
        TypeProto: { fields: { tensorType: f("TensorTypeProto", 1) } },
        ValueInfoProto: {
          fields: { name: f("string", 1), type: f("TypeProto", 2), docString: f("string", 3) },
        },
        GraphProto: {
          fields: {
            node: f("NodeProto", 1, true),
            name: f("string", 2),
            initializer: f("TensorProto", 5, true),
            docString: f("string", 10),
            input: f("ValueInfoProto", 11, true),
            output: f("ValueInfoProto", 12, true),
          },
        },
        ModelProto: {
          fields: {
            irVersion: f("int64", 1),
            producerName: f("string", 2),
            producerVersion: f("string", 3),
            domain: f("string", 4),
            modelVersion: f("int64", 5),
            docString: f("string", 6),
            graph: f("GraphProto", 7),
            opsetImport: f("OperatorSetIdProto", 8, true),
            metadataProps: f("StringStringEntryProto", 14, true),
          },
        },
      },
    },
  },
};

const ROOT = protobuf.Root.fromJSON(DESCRIPTOR);
const MODEL_PROTO = ROOT.lookupType("onnx.ModelProto");

/** `AttributeProto.AttributeType` codes. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** `TensorProto.DataLocation.EXTERNAL`. */
const DATA_LOCATION_EXTERNAL = 1;

/** Where the float initializers go when encoding. */
export interface EncodeOptions {
  /** External data: the file name (relative to the model) and the layout; omit to embed. */
  external?: { location: string; layout: ExternalLayout };
}

function bytesOf(values: ArrayBufferView): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function constTensorProto(t: ConstTensor) {
  if (elementCount(t.dims) !== t.values.length) {
    throw new Error(`constant tensor: ${t.values.length} values for dims [${t.dims}]`);
  }
  return { dims: t.dims, dataType: ELEM_TYPE_CODES[t.elemType], rawData: bytesOf(t.values) };
}

function attributeProto(name: string, value: AttrValue) {
  if ("int" in value) return { name, type: ATTR_TYPE.int, i: value.int };
  if ("float" in value) return { name, type: ATTR_TYPE.float, f: value.float };
  if ("string" in value) {
    return { name, type: ATTR_TYPE.string, s: new TextEncoder().encode(value.string) };
  }
  if ("ints" in value) return { name, type: ATTR_TYPE.ints, ints: value.ints };
  if ("floats" in value) return { name, type: ATTR_TYPE.floats, floats: value.floats };
  return { name, type: ATTR_TYPE.tensor, t: constTensorProto(value.tensor) };
}

/**
 * Encodes a model as `ModelProto` bytes. Float initializers are embedded as `raw_data`
 * (little-endian, as typed arrays are on every platform this runs on), or, with
 * `options.external`, referenced by `location`/`offset`/`length` entries.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from "./graph.ts";
 * import { encodeModel } from "./proto.ts";
 * const g = new GraphBuilder("id");
 * const x = g.input("x", "float32", [2]);
 * g.output(g.op("Identity", [x]), "float32", [2]);
 * const bytes = encodeModel(g.build({ irVersion: 8, opsets: [{ domain: "", version: 17 }] }));
 * ```
 */
export function encodeModel(model: OnnxModel, options: EncodeOptions = {}): Uint8Array {
  const external = options.external;
  const entries = new Map(external?.layout.entries.map((e) => [e.name, e]));
  const initializer = model.initializers.map((init) => {
    const base = { name: init.name, dims: init.dims, dataType: ELEM_TYPE_CODES.float32 };
    if (external) {
      const entry = entries.get(init.name);
      if (!entry) throw new Error(`encodeModel: ${init.name} has no place in the external data`);
      return {
        ...base,
        dataLocation: DATA_LOCATION_EXTERNAL,
        externalData: [
          { key: "location", value: external.location },
          { key: "offset", value: String(entry.offsetBytes) },
          { key: "length", value: String(entry.lengthBytes) },
        ],
      };
    }
    const values = new Float32Array(elementCount(init.dims));
    init.fill(values);
    return { ...base, rawData: bytesOf(values) };
  });
  const valueInfo = (v: OnnxModel["inputs"][number]) => ({
    name: v.name,
    type: {
      tensorType: {
        elemType: ELEM_TYPE_CODES[v.elemType],
        shape: {
          dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  });
  const message = {
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    opsetImport: model.opsets.map((o) => ({ domain: o.domain, version: o.version })),
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.graphName,
      node: model.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        opType: n.opType,
        domain: n.domain,
        attribute: Object.entries(n.attributes).map(([k, v]) => attributeProto(k, v)),
      })),
      initializer,
      input: model.inputs.map(valueInfo),
      output: model.outputs.map(valueInfo),
    },
  };
  return MODEL_PROTO.encode(message).finish();
}

/**
 * Decodes `ModelProto` bytes into a plain object (field names as in {@linkcode encodeModel}'s
 * descriptor: `graph.node[i].opType`, …). For tests and inspection.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeModel, encodeModel } from "./proto.ts";
 * import { emitGpt2 } from "./gpt2.ts";
 * import { validateArch } from "../arch/mod.ts";
 * const arch = validateArch({ backbone: "gpt2", nLayer: 1, dModel: 16, nHead: 2, dInner: 32, vocabSize: 50, nPositions: 8 });
 * const emitted = emitGpt2(arch);
 * const model = decodeModel(encodeModel(emitted));
 * assert.equal(model.graph.node.length, emitted.nodes.length);
 * ```
 */
// deno-lint-ignore no-explicit-any
export function decodeModel(bytes: Uint8Array): any {
  return MODEL_PROTO.toObject(MODEL_PROTO.decode(bytes), { longs: Number, bytes: Uint8Array });
}

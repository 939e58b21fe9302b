/**
 * A tiny ONNX graph builder: plain-data nodes, lazily filled float initializers, typed graph
 * inputs and outputs, and unique value names. {@linkcode encodeModel} turns the result into
 * `ModelProto` bytes.
 *
 * @module
 */

/** Element types this writer knows (a subset of ONNX `TensorProto.DataType`). */
export type ElemType = "float32" | "int32" | "int64" | "bool";

/** ONNX `TensorProto.DataType` codes of the element types. */
export const ELEM_TYPE_CODES: Readonly<Record<ElemType, number>> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
};

/** Values of a small constant tensor, in row-major order. */
export type ConstValues = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** A small constant tensor (an attribute value or a `Constant` node's value). */
export interface ConstTensor {
  /** Element type of `values`. */
  elemType: ElemType;
  /** Dimensions; `[]` for a scalar. */
  dims: number[];
  /** Row-major values (as many as the product of `dims`). */
  values: ConstValues;
}

/**
 * A float32 weight of the graph. Its values are not held: `fill` writes them into a buffer of
 * `dims` product length, so a writer can stream large models without keeping every weight.
 */
export interface Initializer {
  /** Value name (the Hugging Face state-dict name for GPT-2 weights). */
  name: string;
  /** Dimensions. */
  dims: number[];
  /** Writes the values (row-major) into `out`, whose length is the product of `dims`. */
  fill(out: Float32Array): void;
}

/** One attribute value, tagged by its ONNX type. */
export type AttrValue =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: number[] }
  | { floats: number[] }
  | { tensor: ConstTensor };

/** One node of the graph. `domain` is `""` for the default ONNX domain. */
export interface OnnxNode {
  /** Operator name (`MatMul`, `SkipLayerNormalization`, …). */
  opType: string;
  /** Operator domain: `""` (ONNX) or e.g. `com.microsoft`. */
  domain: string;
  /** Node name (unique in the graph). */
  name: string;
  /** Input value names; `""` for an omitted optional input. */
  inputs: string[];
  /** Output value names; `""` for an unused optional output. */
  outputs: string[];
  /** Attributes by name. */
  attributes: Record<string, AttrValue>;
}

/** A typed graph input or output; string dimensions are symbolic (`"batch"`). */
export interface ValueInfo {
  /** Value name. */
  name: string;
  /** Element type. */
  elemType: ElemType;
  /** Dimensions: numbers, or names of symbolic dimensions. */
  shape: (number | string)[];
}

/** An operator set the model imports. */
export interface OpsetImport {
  /** `""` for the default ONNX domain. */
  domain: string;
  /** Operator set version. */
  version: number;
}

/** A whole model as plain data, weights filled on demand. */
export interface OnnxModel {
  /** ONNX IR version (8 for opset 17, 11 for opset 23). */
  irVersion: number;
  /** Imported operator sets. */
  opsets: OpsetImport[];
  /** Producer name written in the model. */
  producerName: string;
  /** Producer version written in the model. */
  producerVersion: string;
  /** Graph name. */
  graphName: string;
  /** Graph inputs, in order. */
  inputs: ValueInfo[];
  /** Graph outputs, in order. */
  outputs: ValueInfo[];
  /** Nodes in topological order. */
  nodes: OnnxNode[];
  /** Float32 weights, filled on demand. */
  initializers: Initializer[];
  /** Model metadata (`metadata_props`). */
  metadata: Record<string, string>;
}

/** Options of one {@linkcode GraphBuilder.node} call. */
export interface NodeOptions {
  /** Operator domain; default `""` (ONNX). */
  domain?: string;
  /** Output names, or how many outputs to name automatically (default 1). */
  outputs?: string[] | number;
  /** Node name; default derived from the first output. */
  name?: string;
}

/**
 * Number of elements of a tensor with these dimensions.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { elementCount } from "./graph.ts";
 * assert.equal(elementCount([2, 3, 4]), 24);
 * ```
 */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/**
 * Builds an {@linkcode OnnxModel} node by node. Value names are unique: automatic names are
 * `<scope>/<OpType>_<n>`; explicit names are checked against reuse.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder } from "./graph.ts";
 * const g = new GraphBuilder("double");
 * const x = g.input("x", "float32", ["n"]);
 * const [y] = g.node("Add", [x, x], {}, { outputs: ["y"] });
 * g.output(y, "float32", ["n"]);
 * const model = g.build({ irVersion: 8, opsets: [{ domain: "", version: 17 }] });
 * assert.equal(model.nodes.length, 1);
 * ```
 */
export class GraphBuilder {
  readonly #nodes: OnnxNode[] = [];
  readonly #initializers: Initializer[] = [];
  readonly #inputs: ValueInfo[] = [];
  readonly #outputs: ValueInfo[] = [];
  readonly #names = new Set<string>();
  #counter = 0;
  /** Prefix of automatic names (e.g. `h.3/attn`); empty at the top level. */
  scope = "";

  /** Starts an empty graph called `graphName`. */
  constructor(readonly graphName: string) {}

  #claim(name: string): string {
    if (this.#names.has(name)) throw new Error(`GraphBuilder: value name ${name} used twice`);
    this.#names.add(name);
    return name;
  }

  #fresh(opType: string): string {
    const base = `${this.scope ? this.scope + "/" : ""}${opType}_${this.#counter++}`;
    return this.#claim(base);
  }

  /** Declares a graph input and returns its name. */
  input(name: string, elemType: ElemType, shape: (number | string)[]): string {
    this.#inputs.push({ name: this.#claim(name), elemType, shape });
    return name;
  }

  /** Declares an existing value as a graph output. */
  output(name: string, elemType: ElemType, shape: (number | string)[]): void {
    if (!this.#names.has(name)) throw new Error(`GraphBuilder: output ${name} is not a value`);
    this.#outputs.push({ name, elemType, shape });
  }

  /** Adds a float32 initializer filled on demand and returns its name. */
  initializer(name: string, dims: number[], fill: (out: Float32Array) => void): string {
    this.#initializers.push({ name: this.#claim(name), dims: [...dims], fill });
    return name;
  }

  /** Adds a node and returns its output names. */
  node(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttrValue> = {},
    options: NodeOptions = {},
  ): string[] {
    const spec = options.outputs ?? 1;
    const outputs = typeof spec === "number"
      ? Array.from({ length: spec }, () => this.#fresh(opType))
      : spec.map((n) => (n === "" ? "" : this.#claim(n)));
    for (const input of inputs) {
      if (input !== "" && !this.#names.has(input)) {
        throw new Error(`GraphBuilder: ${opType} input ${input} is not defined yet`);
      }
    }
    this.#nodes.push({
      opType,
      domain: options.domain ?? "",
      name: options.name ?? `${outputs.find((o) => o !== "") ?? opType}_node`,
      inputs,
      outputs,
      attributes,
    });
    return outputs;
  }

  /** Adds a node with one output and returns its name. */
  op(
    opType: string,
    inputs: string[],
    attributes: Record<string, AttrValue> = {},
    domain = "",
  ): string {
    return this.node(opType, inputs, attributes, { domain })[0];
  }

  /** A `Constant` node holding an int64 vector (or a scalar when `scalar` is set). */
  int64s(values: number[], scalar = false): string {
    const tensor: ConstTensor = {
      elemType: "int64",
      dims: scalar ? [] : [values.length],
      values: BigInt64Array.from(values, (v) => BigInt(v)),
    };
    return this.op("Constant", [], { value: { tensor } });
  }

  /** A `Constant` node holding a float32 scalar. */
  float32(value: number): string {
    const tensor: ConstTensor = { elemType: "float32", dims: [], values: Float32Array.of(value) };
    return this.op("Constant", [], { value: { tensor } });
  }

  /** The finished model. */
  build(options: {
    irVersion: number;
    opsets: OpsetImport[];
    producerName?: string;
    producerVersion?: string;
    metadata?: Record<string, string>;
  }): OnnxModel {
    return {
      irVersion: options.irVersion,
      opsets: options.opsets,
      producerName: options.producerName ?? "lts-notebooks",
      producerVersion: options.producerVersion ?? "1",
      graphName: this.graphName,
      inputs: [...this.#inputs],
      outputs: [...this.#outputs],
      nodes: [...this.#nodes],
      initializers: [...this.#initializers],
      metadata: { ...options.metadata },
    };
  }
}

/**
 * Names of the initializers that more than one node reads (tied weights), in initializer order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GraphBuilder, sharedInitializers } from "./graph.ts";
 * const g = new GraphBuilder("tied");
 * const ids = g.input("ids", "int64", ["n"]);
 * const table = g.initializer("table", [10, 4], (out) => out.fill(0.5));
 * const rows = g.op("Gather", [table, ids]);
 * const [y] = g.node("Gemm", [rows, table], { transB: { int: 1 } }, { outputs: ["y"] });
 * g.output(y, "float32", ["n", 10]);
 * assert.deepEqual(sharedInitializers(g.build({ irVersion: 8, opsets: [{ domain: "", version: 17 }] })), ["table"]);
 * ```
 */
export function sharedInitializers(model: OnnxModel): string[] {
  const readers = new Map<string, number>();
  for (const node of model.nodes) {
    for (const name of new Set(node.inputs)) readers.set(name, (readers.get(name) ?? 0) + 1);
  }
  return model.initializers.filter((i) => (readers.get(i.name) ?? 0) > 1).map((i) => i.name);
}

/**
 * The model with every tied weight (an initializer read by more than one node) also declared
 * as a graph input, so that the initializer becomes that input's default value (ONNX IR ≥ 4).
 * ONNX Runtime then treats the weight as overridable, not constant: it keeps the one buffer
 * from the file instead of pre-packing a private copy for each reader. Without this a tied LM
 * head holds the embedding table twice at run time (the table for `Gather`, plus a transposed
 * packed copy for `Gemm`). Callers never feed these inputs, and the runtime does not list them
 * among the session's input names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { declareSharedWeights, GraphBuilder } from "./graph.ts";
 * const g = new GraphBuilder("tied");
 * const ids = g.input("ids", "int64", ["n"]);
 * const table = g.initializer("table", [10, 4], (out) => out.fill(0.5));
 * const [y] = g.node("Gemm", [g.op("Gather", [table, ids]), table], { transB: { int: 1 } }, {
 *   outputs: ["y"],
 * });
 * g.output(y, "float32", ["n", 10]);
 * const model = declareSharedWeights(g.build({ irVersion: 8, opsets: [{ domain: "", version: 17 }] }));
 * assert.deepEqual(model.inputs.map((i) => i.name), ["ids", "table"]);
 * ```
 */
export function declareSharedWeights(model: OnnxModel): OnnxModel {
  const declared = new Set(model.inputs.map((i) => i.name));
  const extra: ValueInfo[] = [];
  for (const name of sharedInitializers(model)) {
    if (declared.has(name)) continue;
    const init = model.initializers.find((i) => i.name === name)!;
    extra.push({ name, elemType: "float32", shape: [...init.dims] });
  }
  return { ...model, inputs: [...model.inputs, ...extra] };
}

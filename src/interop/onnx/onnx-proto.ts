/**
 * The ONNX messages an exporter and importer need, with the field numbers of onnx/onnx.proto
 * (proto2 syntax), encoded and decoded over the wire layer in wire.ts.
 *
 * Conventions: field names are the .proto names in camelCase; int64 values are numbers (exact
 * within ±2^53; the writer also takes bigints); a field left undefined is absent from the file, and
 * the decoder leaves absent fields — and empty repeated fields — undefined. Fields are written in
 * field-number order, as the reference protobuf serialiser does, so encodings are byte-comparable.
 * As onnx.proto declares, TensorProto's float_data, int32_data and int64_data are packed, while
 * dims and AttributeProto's floats and ints are not; the decoder accepts both encodings everywhere.
 * Fields not listed here (subgraphs, sparse tensors, metadata, functions…) are skipped on read.
 */

import { ProtoReader, ProtoWriter } from './wire.js';

/** TensorProto.DataType values used by backprop (the rest keep their numbers in files). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface OperatorSetIdProto {
  /** '' (or absent) is the default ONNX operator set. */
  domain?: string;
  version?: number;
}

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  name?: string;
  /** Little-endian element bytes, the usual encoding for weights. */
  rawData?: Uint8Array;
  docString?: string;
}

export interface TensorShapeDimension {
  dimValue?: number;
  /** A symbolic size such as 'batch' (a dynamic axis). */
  dimParam?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: TensorShapeDimension[];
}

export interface TypeProtoTensor {
  elemType?: number;
  shape?: TensorShapeProto;
}

export interface TypeProto {
  tensorType?: TypeProtoTensor;
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}

export interface AttributeProto {
  name?: string;
  f?: number;
  i?: number;
  /** Bytes (UTF-8 text for string attributes). */
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  docString?: string;
  type?: number;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  attribute?: AttributeProto[];
  docString?: string;
  domain?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  opsetImport?: OperatorSetIdProto[];
}

// ---------------------------------------------------------------------------------------------
// Writing

function writeStrings(w: ProtoWriter, field: number, values: readonly string[] | undefined): void {
  for (const v of values ?? []) w.string(field, v);
}

function writeMessages<T>(
  w: ProtoWriter,
  field: number,
  values: readonly T[] | undefined,
  write: (w: ProtoWriter, value: T) => void,
): void {
  for (const v of values ?? []) w.message(field, (child) => write(child, v));
}

function writeOperatorSetId(w: ProtoWriter, m: OperatorSetIdProto): void {
  if (m.domain !== undefined) w.string(1, m.domain);
  if (m.version !== undefined) w.int64(2, m.version);
}

function writeTensor(w: ProtoWriter, m: TensorProto): void {
  for (const d of m.dims ?? []) w.int64(1, d);
  if (m.dataType !== undefined) w.int64(2, m.dataType);
  if (m.floatData) w.packedFloat(4, m.floatData);
  if (m.int32Data) w.packedInt64(5, m.int32Data);
  if (m.int64Data) w.packedInt64(7, m.int64Data);
  if (m.name !== undefined) w.string(8, m.name);
  if (m.rawData !== undefined) w.bytes(9, m.rawData);
  if (m.docString !== undefined) w.string(12, m.docString);
}

function writeDimension(w: ProtoWriter, m: TensorShapeDimension): void {
  if (m.dimValue !== undefined) w.int64(1, m.dimValue);
  if (m.dimParam !== undefined) w.string(2, m.dimParam);
  if (m.denotation !== undefined) w.string(3, m.denotation);
}

function writeShape(w: ProtoWriter, m: TensorShapeProto): void {
  writeMessages(w, 1, m.dim, writeDimension);
}

function writeTensorType(w: ProtoWriter, m: TypeProtoTensor): void {
  if (m.elemType !== undefined) w.int64(1, m.elemType);
  const shape = m.shape;
  if (shape !== undefined) w.message(2, (c) => writeShape(c, shape));
}

function writeType(w: ProtoWriter, m: TypeProto): void {
  const tensorType = m.tensorType;
  if (tensorType !== undefined) w.message(1, (c) => writeTensorType(c, tensorType));
  if (m.denotation !== undefined) w.string(6, m.denotation);
}

function writeValueInfo(w: ProtoWriter, m: ValueInfoProto): void {
  if (m.name !== undefined) w.string(1, m.name);
  const type = m.type;
  if (type !== undefined) w.message(2, (c) => writeType(c, type));
  if (m.docString !== undefined) w.string(3, m.docString);
}

function writeAttribute(w: ProtoWriter, m: AttributeProto): void {
  if (m.name !== undefined) w.string(1, m.name);
  if (m.f !== undefined) w.float(2, m.f);
  if (m.i !== undefined) w.int64(3, m.i);
  if (m.s !== undefined) w.bytes(4, m.s);
  const t = m.t;
  if (t !== undefined) w.message(5, (c) => writeTensor(c, t));
  for (const f of m.floats ?? []) w.float(7, f);
  for (const i of m.ints ?? []) w.int64(8, i);
  for (const s of m.strings ?? []) w.bytes(9, s);
  if (m.docString !== undefined) w.string(13, m.docString);
  if (m.type !== undefined) w.int64(20, m.type);
}

function writeNode(w: ProtoWriter, m: NodeProto): void {
  writeStrings(w, 1, m.input);
  writeStrings(w, 2, m.output);
  if (m.name !== undefined) w.string(3, m.name);
  if (m.opType !== undefined) w.string(4, m.opType);
  writeMessages(w, 5, m.attribute, writeAttribute);
  if (m.docString !== undefined) w.string(6, m.docString);
  if (m.domain !== undefined) w.string(7, m.domain);
}

function writeGraph(w: ProtoWriter, m: GraphProto): void {
  writeMessages(w, 1, m.node, writeNode);
  if (m.name !== undefined) w.string(2, m.name);
  writeMessages(w, 5, m.initializer, writeTensor);
  if (m.docString !== undefined) w.string(10, m.docString);
  writeMessages(w, 11, m.input, writeValueInfo);
  writeMessages(w, 12, m.output, writeValueInfo);
  writeMessages(w, 13, m.valueInfo, writeValueInfo);
}

function writeModel(w: ProtoWriter, m: ModelProto): void {
  if (m.irVersion !== undefined) w.int64(1, m.irVersion);
  if (m.producerName !== undefined) w.string(2, m.producerName);
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);
  if (m.domain !== undefined) w.string(4, m.domain);
  if (m.modelVersion !== undefined) w.int64(5, m.modelVersion);
  if (m.docString !== undefined) w.string(6, m.docString);
  const graph = m.graph;
  if (graph !== undefined) w.message(7, (c) => writeGraph(c, graph));
  writeMessages(w, 8, m.opsetImport, writeOperatorSetId);
}

// ---------------------------------------------------------------------------------------------
// Reading. Each reader loops over the fields, dispatches on the field number and skips the rest.

function push<T>(list: T[] | undefined, value: T): T[] {
  if (list === undefined) return [value];
  list.push(value);
  return list;
}

function readOperatorSetId(r: ProtoReader): OperatorSetIdProto {
  const m: OperatorSetIdProto = {};
  while (!r.done) {
    const k = r.key();
    if (k.field === 1) m.domain = r.string(k, 'domain');
    else if (k.field === 2) m.version = r.int64(k, 'version');
    else r.skip(k);
  }
  return m;
}

function readTensor(r: ProtoReader): TensorProto {
  const m: TensorProto = {};
  while (!r.done) {
    const k = r.key();
    switch (k.field) {
      case 1:
        r.repeatedInt64(k, 'dims', (m.dims ??= []));
        break;
      case 2:
        m.dataType = r.int32(k, 'data_type');
        break;
      case 4:
        r.repeatedFloat(k, 'float_data', (m.floatData ??= []));
        break;
      case 5:
        r.repeatedInt64(k, 'int32_data', (m.int32Data ??= []));
        break;
      case 7:
        r.repeatedInt64(k, 'int64_data', (m.int64Data ??= []));
        break;
      case 8:
        m.name = r.string(k, 'name');
        break;
      case 9:
        m.rawData = r.bytesField(k, 'raw_data');
        break;
      case 12:
        m.docString = r.string(k, 'doc_string');
        break;
      default:
        r.skip(k);
    }
  }
  // An empty packed field leaves an empty list: absent, as for every other repeated field.
  if (m.dims?.length === 0) delete m.dims;
  if (m.floatData?.length === 0) delete m.floatData;
  if (m.int32Data?.length === 0) delete m.int32Data;
  if (m.int64Data?.length === 0) delete m.int64Data;
  return m;
}

function readDimension(r: ProtoReader): TensorShapeDimension {
  const m: TensorShapeDimension = {};
  while (!r.done) {
    const k = r.key();
    if (k.field === 1) m.dimValue = r.int64(k, 'dim_value');
    else if (k.field === 2) m.dimParam = r.string(k, 'dim_param');
    else if (k.field === 3) m.denotation = r.string(k, 'denotation');
    else r.skip(k);
  }
  return m;
}

function readShape(r: ProtoReader): TensorShapeProto {
  const m: TensorShapeProto = {};
  while (!r.done) {
    const k = r.key();
    if (k.field === 1) m.dim = push(m.dim, readDimension(r.sub(k, 'dim')));
    else r.skip(k);
  }
  return m;
}

function readTensorType(r: ProtoReader): TypeProtoTensor {
  const m: TypeProtoTensor = {};
  while (!r.done) {
    const k = r.key();
    if (k.field === 1) m.elemType = r.int32(k, 'elem_type');
    else if (k.field === 2) m.shape = readShape(r.sub(k, 'shape'));
    else r.skip(k);
  }
  return m;
}

function readType(r: ProtoReader): TypeProto {
  const m: TypeProto = {};
  while (!r.done) {
    const k = r.key();
    if (k.field === 1) m.tensorType = readTensorType(r.sub(k, 'tensor_type'));
    else if (k.field === 6) m.denotation = r.string(k, 'denotation');
    else r.skip(k);
  }
  return m;
}

function readValueInfo(r: ProtoReader): ValueInfoProto {
  const m: ValueInfoProto = {};
  while (!r.done) {
    const k = r.key();
    if (k.field === 1) m.name = r.string(k, 'name');
    else if (k.field === 2) m.type = readType(r.sub(k, 'type'));
    else if (k.field === 3) m.docString = r.string(k, 'doc_string');
    else r.skip(k);
  }
  return m;
}

function readAttribute(r: ProtoReader): AttributeProto {
  const m: AttributeProto = {};
  while (!r.done) {
    const k = r.key();
    switch (k.field) {
      case 1:
        m.name = r.string(k, 'name');
        break;
      case 2:
        m.f = r.float(k, 'f');
        break;
      case 3:
        m.i = r.int64(k, 'i');
        break;
      case 4:
        m.s = r.bytesField(k, 's');
        break;
      case 5:
        m.t = readTensor(r.sub(k, 't'));
        break;
      case 7:
        r.repeatedFloat(k, 'floats', (m.floats ??= []));
        break;
      case 8:
        r.repeatedInt64(k, 'ints', (m.ints ??= []));
        break;
      case 9:
        m.strings = push(m.strings, r.bytesField(k, 'strings'));
        break;
      case 13:
        m.docString = r.string(k, 'doc_string');
        break;
      case 20:
        m.type = r.int32(k, 'type');
        break;
      default:
        r.skip(k);
    }
  }
  if (m.floats?.length === 0) delete m.floats;
  if (m.ints?.length === 0) delete m.ints;
  return m;
}

function readNode(r: ProtoReader): NodeProto {
  const m: NodeProto = {};
  while (!r.done) {
    const k = r.key();
    switch (k.field) {
      case 1:
        m.input = push(m.input, r.string(k, 'input'));
        break;
      case 2:
        m.output = push(m.output, r.string(k, 'output'));
        break;
      case 3:
        m.name = r.string(k, 'name');
        break;
      case 4:
        m.opType = r.string(k, 'op_type');
        break;
      case 5:
        m.attribute = push(m.attribute, readAttribute(r.sub(k, 'attribute')));
        break;
      case 6:
        m.docString = r.string(k, 'doc_string');
        break;
      case 7:
        m.domain = r.string(k, 'domain');
        break;
      default:
        r.skip(k);
    }
  }
  return m;
}

function readGraph(r: ProtoReader): GraphProto {
  const m: GraphProto = {};
  while (!r.done) {
    const k = r.key();
    switch (k.field) {
      case 1:
        m.node = push(m.node, readNode(r.sub(k, 'node')));
        break;
      case 2:
        m.name = r.string(k, 'name');
        break;
      case 5:
        m.initializer = push(m.initializer, readTensor(r.sub(k, 'initializer')));
        break;
      case 10:
        m.docString = r.string(k, 'doc_string');
        break;
      case 11:
        m.input = push(m.input, readValueInfo(r.sub(k, 'input')));
        break;
      case 12:
        m.output = push(m.output, readValueInfo(r.sub(k, 'output')));
        break;
      case 13:
        m.valueInfo = push(m.valueInfo, readValueInfo(r.sub(k, 'value_info')));
        break;
      default:
        r.skip(k);
    }
  }
  return m;
}

function readModel(r: ProtoReader): ModelProto {
  const m: ModelProto = {};
  while (!r.done) {
    const k = r.key();
    switch (k.field) {
      case 1:
        m.irVersion = r.int64(k, 'ir_version');
        break;
      case 2:
        m.producerName = r.string(k, 'producer_name');
        break;
      case 3:
        m.producerVersion = r.string(k, 'producer_version');
        break;
      case 4:
        m.domain = r.string(k, 'domain');
        break;
      case 5:
        m.modelVersion = r.int64(k, 'model_version');
        break;
      case 6:
        m.docString = r.string(k, 'doc_string');
        break;
      case 7:
        m.graph = readGraph(r.sub(k, 'graph'));
        break;
      case 8:
        m.opsetImport = push(m.opsetImport, readOperatorSetId(r.sub(k, 'opset_import')));
        break;
      default:
        r.skip(k);
    }
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Public entry points

function encoder<T>(write: (w: ProtoWriter, m: T) => void): (m: T) => Uint8Array {
  return (m) => {
    const w = new ProtoWriter();
    write(w, m);
    return w.finish();
  };
}

function decoder<T>(name: string, read: (r: ProtoReader) => T): (bytes: Uint8Array) => T {
  return (bytes) => read(new ProtoReader(bytes, name));
}

/** Serialises a model to the bytes of a .onnx file. */
export const encodeModel = encoder(writeModel);
/** Parses the bytes of a .onnx file; a malformed file throws ModelFormatError. */
export const decodeModel = decoder('ModelProto', readModel);

export const encodeGraph = encoder(writeGraph);
export const decodeGraph = decoder('GraphProto', readGraph);
export const encodeNode = encoder(writeNode);
export const decodeNode = decoder('NodeProto', readNode);
export const encodeAttribute = encoder(writeAttribute);
export const decodeAttribute = decoder('AttributeProto', readAttribute);
export const encodeTensor = encoder(writeTensor);
export const decodeTensor = decoder('TensorProto', readTensor);
export const encodeValueInfo = encoder(writeValueInfo);
export const decodeValueInfo = decoder('ValueInfoProto', readValueInfo);
export const encodeOperatorSetId = encoder(writeOperatorSetId);
export const decodeOperatorSetId = decoder('OperatorSetIdProto', readOperatorSetId);

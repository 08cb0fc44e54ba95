/**
 * The ONNX protobuf codec (issue 17): round trips of every message kind, bytes assembled by hand
 * from the field numbers of onnx/onnx.proto, packed and unpacked repeated fields, and seeded fuzzing
 * (every mutated file decodes or throws ModelFormatError, nothing else).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelFormatError } from '../src/errors.js';
import {
  AttributeType,
  DataType,
  decodeAttribute,
  decodeGraph,
  decodeModel,
  decodeNode,
  decodeOperatorSetId,
  decodeTensor,
  decodeValueInfo,
  encodeAttribute,
  encodeGraph,
  encodeModel,
  encodeNode,
  encodeOperatorSetId,
  encodeTensor,
  encodeValueInfo,
  type ModelProto,
  type TensorProto,
  type ValueInfoProto,
} from '../src/interop/onnx/onnx-proto.js';
import { ProtoWriter } from '../src/interop/onnx/wire.js';
import { mutateBytes, Rng } from './fixtures/fuzz.js';

/** Bytes from hex pairs; `//` starts a comment that runs to the end of the line. */
const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\/\/.*/g, '')
      .split(/\s+/)
      .filter(Boolean),
    (b) => parseInt(b, 16),
  );
const text = (s: string) => new TextEncoder().encode(s);

function tensorInfo(name: string, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/** A Dense + Relu model touching every message kind and every field the codec knows. */
function sampleModel(): ModelProto {
  const weight: TensorProto = {
    dims: [3, 2],
    dataType: DataType.FLOAT,
    name: 'W',
    rawData: new Uint8Array(new Float32Array([0.5, -1, 2, 0.25, -3, 1.5]).buffer),
  };
  return {
    irVersion: 9,
    producerName: 'backprop',
    producerVersion: '0.1.0',
    domain: 'org.backprop',
    modelVersion: 1,
    docString: 'a test',
    graph: {
      name: 'dense_relu',
      docString: 'graph doc',
      node: [
        { input: ['x', 'W'], output: ['h'], name: 'dense/MatMul', opType: 'MatMul' },
        { input: ['h', 'b'], output: ['z'], name: 'dense/Add', opType: 'Add', domain: '' },
        {
          input: ['z'],
          output: ['y'],
          name: 'leaky',
          opType: 'LeakyRelu',
          docString: 'slope',
          attribute: [{ name: 'alpha', f: 0.25, type: AttributeType.FLOAT }],
        },
      ],
      initializer: [
        weight,
        { dims: [2], dataType: DataType.FLOAT, name: 'b', floatData: [0.125, -0.5] },
        { dims: [2], dataType: DataType.INT64, name: 'shape', int64Data: [-1, 2 ** 40] },
        { dims: [3], dataType: DataType.INT32, name: 'i32', int32Data: [-7, 0, 2147483647] },
      ],
      input: [tensorInfo('x', ['batch', 3])],
      output: [tensorInfo('y', ['batch', 2])],
      valueInfo: [tensorInfo('h', ['batch', 2])],
    },
    opsetImport: [{ domain: '', version: 17 }],
  };
}

describe('ONNX protobuf codec', () => {
  it('round-trips every message kind', () => {
    const model = sampleModel();
    assert.deepEqual(decodeModel(encodeModel(model)), model);
    const graph = model.graph!;
    assert.deepEqual(decodeGraph(encodeGraph(graph)), graph);
    for (const node of graph.node!) assert.deepEqual(decodeNode(encodeNode(node)), node);
    for (const t of graph.initializer!) assert.deepEqual(decodeTensor(encodeTensor(t)), t);
    for (const v of graph.input!) assert.deepEqual(decodeValueInfo(encodeValueInfo(v)), v);
    const opset = { domain: 'ai.onnx.ml', version: 3 };
    assert.deepEqual(decodeOperatorSetId(encodeOperatorSetId(opset)), opset);
    const attributes = [
      { name: 'axis', i: -1, type: AttributeType.INT },
      { name: 'mode', s: text('constant'), type: AttributeType.STRING },
      { name: 'value', t: { dims: [1], dataType: DataType.FLOAT, floatData: [3] }, type: 4 },
      { name: 'scales', floats: [0.5, 2], type: AttributeType.FLOATS },
      { name: 'pads', ints: [0, 1, -1, 2 ** 50], type: AttributeType.INTS },
      { name: 'dirs', strings: [text('forward'), text('reverse')], type: AttributeType.STRINGS },
      { name: 'zero', f: 0, docString: 'explicit zero stays present', type: 1 },
    ];
    for (const a of attributes) assert.deepEqual(decodeAttribute(encodeAttribute(a)), a);
  });

  it('encodes a tiny Relu model to the bytes derived by hand from onnx.proto', () => {
    // ValueInfoProto{name=1 "x", type=2 {tensor_type=1 {elem_type=1 FLOAT, shape=2
    //   {dim=1 {dim_param=2 "N"}, dim=1 {dim_value=1 3}}}}}
    const info = (name: string) => `0a 01 ${name} 12 0f 0a 0d 08 01 12 09 0a 03 12 01 4e 0a 02 08 03`;
    const expected = hex(`
      08 08                                  // ir_version = 8
      12 02 62 70                            // producer_name = "bp"
      3a 3d                                  // graph, 61 bytes:
        0a 0c 0a 01 78 12 01 79 22 04 52 65 6c 75  // node{input "x", output "y", op_type "Relu"}
        12 01 67                             // name = "g"
        5a 14 ${info('78')}                  // input (field 11)
        62 14 ${info('79')}                  // output (field 12)
      42 02 10 11                            // opset_import{version = 17}
    `);
    const model: ModelProto = {
      irVersion: 8,
      producerName: 'bp',
      graph: {
        node: [{ input: ['x'], output: ['y'], opType: 'Relu' }],
        name: 'g',
        input: [tensorInfo('x', ['N', 3])],
        output: [tensorInfo('y', ['N', 3])],
      },
      opsetImport: [{ version: 17 }],
    };
    assert.equal(expected.length, 73);
    assert.deepEqual(encodeModel(model), expected);
    assert.deepEqual(decodeModel(expected), model);
  });

  it('writes attribute type (field 20) with a two-byte key and ints unpacked, as proto2 does', () => {
    const bytes = encodeAttribute({ name: 'k', ints: [1, 2], type: AttributeType.INTS });
    assert.deepEqual(bytes, hex('0a 01 6b 40 01 40 02 a0 01 07'));
    const f = encodeAttribute({ name: 'a', f: 0.5, type: AttributeType.FLOAT });
    assert.deepEqual(f, hex('0a 01 61 15 00 00 00 3f a0 01 01'));
  });

  it('writes TensorProto int64_data packed, negatives as ten-byte varints', () => {
    const bytes = encodeTensor({ dims: [3], int64Data: [1, -1, 300] });
    assert.deepEqual(bytes, hex('08 03 3a 0d 01 ff ff ff ff ff ff ff ff ff 01 ac 02'));
  });

  it('decodes repeated int64 packed and unpacked alike (and mixed)', () => {
    const packed = hex('42 05 01 ac 02 7f 00'); // ints (field 8), packed: [1, 300, 127, 0]
    const unpacked = hex('40 01 40 ac 02 40 7f 40 00');
    const mixed = hex('40 01 42 03 ac 02 7f 40 00');
    for (const bytes of [packed, unpacked, mixed]) {
      assert.deepEqual(decodeAttribute(bytes).ints, [1, 300, 127, 0]);
    }
    // TensorProto.dims (field 1) is unpacked in onnx.proto, but packed dims must still be read.
    assert.deepEqual(decodeTensor(hex('0a 02 02 03')).dims, [2, 3]);
    // float_data unpacked (fixed32 per element) as well as packed.
    assert.deepEqual(decodeTensor(hex('25 00 00 80 3f 25 00 00 00 c0')).floatData, [1, -2]);
    // int64 extremes beyond 32 bits, and bigint on the writing side.
    const w = new ProtoWriter();
    w.int64(1, -(2 ** 53) + 1);
    w.int64(1, 2n ** 62n);
    assert.deepEqual(decodeTensor(w.finish()).dims, [-(2 ** 53) + 1, 2 ** 62]);
  });

  it('skips unknown fields of every wire type', () => {
    const known = encodeOperatorSetId({ domain: 'x', version: 5 });
    const unknown = hex('c8 01 05  d1 01 01 02 03 04 05 06 07 08  da 01 02 aa bb  e5 01 01 02 03 04');
    const bytes = new Uint8Array([...unknown, ...known, ...unknown]);
    assert.deepEqual(decodeOperatorSetId(bytes), { domain: 'x', version: 5 });
  });

  it('refuses truncated and hostile files with ModelFormatError naming field and offset', () => {
    const bytes = encodeModel(sampleModel());
    assert.throws(
      () => decodeModel(bytes.subarray(0, bytes.length - 3)),
      (e: Error) => e instanceof ModelFormatError && /byte \d+/.test(e.message),
    );
    // A raw_data claiming 2^31 bytes in a 10-byte file: refused before any allocation.
    assert.throws(
      () => decodeTensor(hex('4a 80 80 80 80 08 00 00 00')),
      (e: Error) =>
        e instanceof ModelFormatError &&
        /TensorProto\.raw_data: length 2147483648 exceeds the 3 bytes left at byte 1/.test(e.message),
    );
    const cases = [
      hex('08 ff ff ff ff ff ff ff ff ff ff 01'), // varint longer than 10 bytes
      hex('08'), // truncated varint
      hex('0b 00'), // wire type 3 (group)
      hex('00 00'), // field number 0
      hex('12 02 ff fe'), // producer_name that is not UTF-8
      hex('3a 03 0a 05 00'), // graph whose node overruns the graph
      hex('3a 02 15 00'), // fixed32 inside the graph, truncated
      hex('0d 00 00'), // ir_version with the wrong wire type
    ];
    for (const c of cases) assert.throws(() => decodeModel(c), ModelFormatError);
    assert.throws(() => decodeTensor(hex('22 03 00 00 80')), /not a multiple of 4/);
    assert.throws(() => decodeTensor(hex('10 80 80 80 80 10')), /does not fit in int32/);
  });

  it('fuzz: 2,000 seeded mutations each decode or throw ModelFormatError', () => {
    const base = encodeModel(sampleModel());
    const rng = new Rng(17);
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      let bytes = mutateBytes(base, rng);
      if (rng.int(3) === 0) bytes = mutateBytes(bytes, rng);
      try {
        decodeModel(bytes);
      } catch (e) {
        if (!(e instanceof ModelFormatError)) {
          assert.fail(`case ${i}: ${(e as Error).name}: ${(e as Error).message}`);
        }
        refused++;
      }
    }
    // Both outcomes occur, so the mutations reach the decoder's checks and its happy path.
    assert.ok(refused > 200 && refused < 2000, `refused ${refused} of 2000`);
  });
});

// The compiled struct decoders against a reference read of the same bytes: every field at
// koffi's offset, read with a DataView by its C type. Both forms are checked: the decoder for
// any Buffer and offset, and the one bound to a fixed buffer that reads through typed arrays.
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import '../../generated/index.js';
import { fixedDecoder, decodeStruct } from '../../src/ffi/struct-decoder.js';
import { koffiOffsetOf, sizeOf, structNames, structSpec } from '../../src/ffi/types.js';
import type { FieldSpec } from '../../src/ffi/spec.js';

const numeric: Record<string, (v: DataView, at: number) => number | bigint> = {
  'char': (v, at) => v.getInt8(at),
  'unsigned char': (v, at) => v.getUint8(at),
  'short': (v, at) => v.getInt16(at, true),
  'unsigned short': (v, at) => v.getUint16(at, true),
  'int': (v, at) => v.getInt32(at, true),
  'unsigned int': (v, at) => v.getUint32(at, true),
  'long': (v, at) => v.getBigInt64(at, true),
  'long long': (v, at) => v.getBigInt64(at, true),
  'unsigned long': (v, at) => v.getBigUint64(at, true),
  'unsigned long long': (v, at) => v.getBigUint64(at, true),
  'size_t': (v, at) => v.getBigUint64(at, true),
  'double': (v, at) => v.getFloat64(at, true),
};

/** Structs made only of numbers: random bytes are valid values of every field. */
function isNumeric(f: FieldSpec): boolean {
  return numeric[f.ffi] !== undefined && f.array === undefined
    && f.type.js !== 'string' && f.type.js !== 'pointer' && f.type.js !== 'handle' && f.type.js !== 'struct';
}

const numericStructs = structNames().filter((n) => {
  const spec = structSpec(n);
  return spec.kind === 'struct' && spec.fields.length > 0 && spec.fields.every(isNumeric);
});

function reference(name: string, buf: Buffer, base: number): Record<string, unknown> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return Object.fromEntries(structSpec(name).fields.map((f) => [f.name, (numeric[f.ffi] as (v: DataView, at: number) => unknown)(view, base + koffiOffsetOf(name, f.name))]));
}

describe('compiled struct decoders', () => {
  it('covers the numeric structs libvirt has (virDomainInfo, virNodeInfo is not: it has a char array)', () => {
    assert.ok(numericStructs.includes('virDomainInfo'), numericStructs.join(', '));
    assert.ok(numericStructs.length >= 10, `only ${numericStructs.length} numeric structs`);
  });

  it('read every field of every numeric struct as a DataView does, at any offset and from a fixed buffer', () => {
    for (const name of numericStructs) {
      const size = sizeOf(name);
      for (let round = 0; round < 20; round++) {
        const fixed = Buffer.allocUnsafeSlow(size);
        const read = fixedDecoder(name, fixed);
        randomFillSync(fixed);
        const expected = reference(name, fixed, 0);
        assert.deepEqual(read(), expected, `${name} (fixed buffer)`);
        // The generic decoder, at an odd offset inside a larger buffer.
        const shifted = Buffer.alloc(size + 3);
        fixed.copy(shifted, 3);
        assert.deepEqual(decodeStruct(name, shifted, 3), expected, `${name} (offset 3)`);
        // A fixed decoder reads the buffer's current bytes on every call.
        randomFillSync(fixed);
        assert.deepEqual(read(), reference(name, fixed, 0), `${name} (refilled)`);
      }
    }
  });

  it('char arrays stop at the first NUL and never run past the field (virNodeInfo.model)', () => {
    const fixed = Buffer.allocUnsafeSlow(sizeOf('virNodeInfo'));
    fixed.fill(0x41);
    const at = koffiOffsetOf('virNodeInfo', 'memory');
    assert.equal((fixedDecoder('virNodeInfo', fixed)() as { model: string }).model, 'A'.repeat(at));
    fixed[2] = 0;
    assert.equal((fixedDecoder('virNodeInfo', fixed)() as { model: string }).model, 'AA');
  });

  it('refuses a fixed buffer that typed arrays cannot view', () => {
    const base = Buffer.allocUnsafeSlow(64);
    assert.throws(() => fixedDecoder('virDomainInfo', base.subarray(4, 4 + sizeOf('virDomainInfo'))), /8-byte aligned/);
  });
});

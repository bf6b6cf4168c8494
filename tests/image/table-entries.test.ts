/**
 * Table-entry decoding in plain numbers, against the spec's 64-bit arithmetic done in bigints:
 * compressed descriptors for every cluster size, and alignment from the low word.
 */
import { strict as assert } from 'node:assert';
import {
  decodeCompressed, decodeCompressedRaw, entryOffset, offsetIntoCluster,
} from '../../src/image/qcow2/table-entries.js';

/** The spec's compressed descriptor: x = 62 - (cluster_bits - 8) offset bits, then the sector count. */
function specCompressed(entry: bigint, clusterBits: number): { offset: bigint; sectors: number; size: number } {
  const x = BigInt(62 - (clusterBits - 8));
  const value = entry & ((1n << 62n) - 1n);
  const offset = value & ((1n << x) - 1n);
  const sectors = Number((value >> x) & ((1n << BigInt(clusterBits - 8)) - 1n)) + 1;
  return { offset, sectors, size: sectors * 512 - Number(offset % 512n) };
}

/** A reproducible spread of 64-bit entries: edges of every field and pseudo-random words. */
function sampleEntries(): bigint[] {
  const out = [0n, 1n, (1n << 64n) - 1n, (1n << 62n) - 1n, 1n << 53n, (1n << 53n) - 1n, 0x4000000000000000n, 0xc0000000000001ffn];
  let s = 0x9e3779b9;
  const next = (): bigint => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return BigInt(s);
  };
  for (let i = 0; i < 2000; i++) out.push((next() << 32n) | next());
  return out;
}

const words = (entry: bigint): [hi: number, lo: number] => [Number(entry >> 32n), Number(entry & 0xffffffffn)];

describe('table entries', () => {
  it('compressed descriptors: the spec\'s fields for every cluster size, a number offset only below 2^53', () => {
    for (let bits = 9; bits <= 21; bits++) {
      for (const entry of sampleEntries()) {
        const [hi, lo] = words(entry);
        const spec = specCompressed(entry, bits);
        assert.deepEqual(decodeCompressedRaw(hi, lo, bits), spec, `entry ${entry.toString(16)}, ${bits} bits`);
        const safe = decodeCompressed(hi, lo, bits);
        if (spec.offset < 2n ** 53n) assert.deepEqual(safe, { ...spec, offset: Number(spec.offset) });
        else assert.equal(safe, undefined);
      }
    }
  });

  it('offset into the cluster from the low word: the same as the offset modulo the cluster size', () => {
    for (let bits = 9; bits <= 21; bits++) {
      for (const entry of sampleEntries()) {
        const [hi, lo] = words(entry);
        const exact = Number((entry & 0x00fffffffffffe00n) % BigInt(2 ** bits));
        assert.equal(offsetIntoCluster(lo, 2 ** bits), exact);
        if (entryOffset(hi, lo) < 2 ** 53) assert.equal(entryOffset(hi, lo) % 2 ** bits, exact);
      }
    }
  });
});

import assert from 'node:assert/strict';
import { formatUuid, UUID_BYTES } from '../../src/sdk/engine/identity-columns.js';

/** virUUIDFormat written out plainly: two lowercase hex digits per byte, dashes after bytes 4, 6, 8 and 10. */
function reference(bytes: Uint8Array, offset: number): string {
  const hex = [...bytes.subarray(offset, offset + UUID_BYTES)].map((b) => b.toString(16).padStart(2, '0'));
  return [hex.slice(0, 4), hex.slice(4, 6), hex.slice(6, 8), hex.slice(8, 10), hex.slice(10)].map((g) => g.join('')).join('-');
}

describe('formatUuid', () => {
  it('formats every byte value at every position as libvirt does', () => {
    // 256 UUIDs back to back; UUID k has byte (k + 7 * i) mod 256 at position i.
    const bytes = new Uint8Array(256 * UUID_BYTES);
    for (let k = 0; k < 256; k++) for (let i = 0; i < UUID_BYTES; i++) bytes[k * UUID_BYTES + i] = (k + 7 * i) & 0xff;
    for (let k = 0; k < 256; k++) assert.equal(formatUuid(bytes, k * UUID_BYTES), reference(bytes, k * UUID_BYTES));
    assert.equal(formatUuid(bytes.subarray(0, UUID_BYTES)), reference(bytes, 0), 'offset 0 by default');
  });

  it('returns strings that later calls do not change', () => {
    const first = formatUuid(new Uint8Array(UUID_BYTES).fill(0xab));
    const second = formatUuid(new Uint8Array(UUID_BYTES));
    assert.equal(first, 'abababab-abab-abab-abab-abababababab');
    assert.equal(second, '00000000-0000-0000-0000-000000000000');
  });
});

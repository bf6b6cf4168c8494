// Strings, lists and typed parameters that libvirt allocates are copied and freed, measured over
// 200,000 calls. The precise check is malloc's own count of bytes in use (libvirt allocates with
// malloc): it grows by under 0.1 MiB here, and by 47 MiB when the runtime's free() is skipped.
// RSS is checked too, with room for the V8 heap and allocator noise (it grew by 0.8-9.6 MiB);
// one leaked XML string per call would grow either by well over 30 MiB.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const MALLOC_BOUND_MIB = 1;
const RSS_BOUND_MIB = 32;

describe('ownership', function () {
  this.timeout(300_000);
  it(`keeps malloc's bytes in use within ${MALLOC_BOUND_MIB} MiB (RSS ${RSS_BOUND_MIB}) over 200k string- and list-returning calls`, () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(root, 'tests/support/ownership-loop.ts'), '200000'], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out) as { calls: number; growthMiB: number; mallocGrowthMiB: number };
    assert.equal(r.calls, 200_000);
    assert.ok(r.mallocGrowthMiB < MALLOC_BOUND_MIB, `malloc's bytes in use grew by ${r.mallocGrowthMiB.toFixed(2)} MiB`);
    assert.ok(r.growthMiB < RSS_BOUND_MIB, `RSS grew by ${r.growthMiB.toFixed(1)} MiB`);
  });

  // One case alone, where a leak too small to stand out among the others would hide: each
  // disk name is a 4-byte string (a 32-byte malloc chunk), 2.4 MiB over the measured calls.
  it(`frees the disk names virDomainGetDiskErrors writes into the caller's array (malloc within ${MALLOC_BOUND_MIB} MiB over 100k calls)`, () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(root, 'tests/support/ownership-loop.ts'), '100000', 'diskErrors'], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out) as { calls: number; mallocGrowthMiB: number };
    assert.equal(r.calls, 100_000);
    assert.ok(r.mallocGrowthMiB < MALLOC_BOUND_MIB, `malloc's bytes in use grew by ${r.mallocGrowthMiB.toFixed(2)} MiB`);
  });
});

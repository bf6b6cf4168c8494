// Strings, lists and typed parameters that libvirt allocates are copied and freed, measured over
// 200,000 calls. The precise check is malloc's own count of bytes in use (libvirt allocates with
// malloc): it grows by under 0.1 MiB here, and by 47 MiB when the runtime's free() is skipped.
// RSS is checked too, with room for the V8 heap and allocator noise (it grew by 0.8-9.6 MiB);
// one leaked XML string per call would grow either by well over 30 MiB.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const MALLOC_BOUND_MIB = 1;
const RSS_BOUND_MIB = 32;
/** glibc's malloc debugger, as a preloaded allocator: MALLOC_CHECK_=3 aborts on a free of memory it did not hand out. */
const MALLOC_DEBUG = '/lib/x86_64-linux-gnu/libc_malloc_debug.so.0';

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

  // Programs run Node with jemalloc or tcmalloc preloaded; libvirt then allocates with that
  // allocator, and its memory must be freed by it, not by glibc's free.
  it('frees what libvirt allocates with the allocator it came from, also one that is preloaded', function () {
    if (!existsSync(MALLOC_DEBUG)) this.skip();
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(root, 'tests/support/preloaded-allocator.ts')], {
      cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, LD_PRELOAD: MALLOC_DEBUG, MALLOC_CHECK_: '3' },
    });
    assert.equal(r.status, 0, `exit ${r.status} ${r.signal ?? ''}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { ok: true });
  });
});

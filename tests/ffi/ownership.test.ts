// Strings, lists and typed parameters that libvirt allocates are copied and freed: RSS stays
// flat over 200,000 calls. The bound (8 MiB) is for allocator noise; one leaked XML string per
// call would grow RSS by well over 100 MiB.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const BOUND_MIB = 8;

describe('ownership', function () {
  this.timeout(300_000);
  it(`keeps RSS within ${BOUND_MIB} MiB over 200k string- and list-returning calls`, () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', resolve(root, 'tests/support/ownership-loop.ts'), '200000'], { cwd: root, encoding: 'utf8' });
    const r = JSON.parse(out) as { calls: number; growthMiB: number };
    assert.equal(r.calls, 200_000);
    assert.ok(r.growthMiB < BOUND_MIB, `RSS grew by ${r.growthMiB.toFixed(1)} MiB`);
  });
});

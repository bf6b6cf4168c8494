/**
 * L1 tables whose entries name L2 tables that map nothing: tables past the end of the file
 * (they read as zeros) or one table of zeros named again and again. A file of a megabyte can
 * name 2^17 such tables of 8192 entries each; check and map answer as qemu-img does without
 * reading or walking every entry of every one.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync } from 'node:fs';
import { imageCheck, imageMapJson } from '../../src/image/index.js';
import { Qcow2GuestMap } from '../../src/image/qcow2/guest-map.js';
import { be32, be64, poke, qemuImg, TempDir } from './support/qemu.js';
import { bytesReadDuring } from './support/bytes-read.js';
import { withPatched } from '../support/with-patched.js';

const CLUSTER = 0x10000;
const L2_ENTRIES = CLUSTER / 8;
const COPIED = 1n << 63n;
const ENTRIES = 32768;

/**
 * A qcow2 image (64 KiB clusters) whose active L1 has ENTRIES entries, `entry(i, tableOffset)`
 * each, and a virtual size that all of them map; `tableOffset` is a cluster of zeros placed
 * after the L1 table.
 */
function makeImage(dir: TempDir, name: string, entry: (i: number, tableOffset: number) => bigint): void {
  qemuImg(['create', '-q', '-f', 'qcow2', name, '64M'], dir.path);
  const path = dir.file(name);
  const l1Offset = Number(readFileSync(path).readBigUInt64BE(40));
  const tableOffset = l1Offset + ENTRIES * 8;
  truncateSync(path, tableOffset + CLUSTER);
  const l1 = Buffer.alloc(ENTRIES * 8);
  for (let i = 0; i < ENTRIES; i++) l1.writeBigUInt64BE(entry(i, tableOffset), i * 8);
  poke(path, l1Offset, l1);
  poke(path, 36, be32(ENTRIES));
  poke(path, 24, be64(BigInt(ENTRIES) * BigInt(L2_ENTRIES * CLUSTER)));
}

describe('L1 entries naming L2 tables that map nothing', function () {
  this.timeout(120_000);
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    // Each entry a different table, all past the end of the file (at 1 TiB and up).
    makeImage(dir, 'past-eof.qcow2', (i) => COPIED | (2n ** 40n + BigInt(i * CLUSTER)));
    // Every entry the same cluster of zeros inside the file.
    makeImage(dir, 'one-table.qcow2', (_i, table) => COPIED | BigInt(table));
  });
  after(() => dir.remove());

  it('check: tables past the end of the file are counted as qemu-img counts them, none of them read', async () => {
    let json = '';
    const read = await bytesReadDuring(async () => {
      json = (await imageCheck(dir.file('past-eof.qcow2'), { format: 'qcow2', displayName: 'past-eof.qcow2' })).json;
    });
    // qemu-img's stderr (a line per table, 10 MB) is thrown away.
    const ref = spawnSync('qemu-img', ['check', '--output=json', 'past-eof.qcow2'], { cwd: dir.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.equal(json, ref.stdout);
    // The header, tables and refcount blocks: about 1 MiB (reading every table was 4 GiB).
    assert.ok(read < 16 * 1024 * 1024, `${read} bytes read`);
  });

  for (const name of ['past-eof.qcow2', 'one-table.qcow2']) {
    it(`map of ${name}: one unallocated extent, as qemu-img's, without a walk of each table`, async () => {
      let json = '';
      let walks = 0;
      // Walking 2^15 tables of 8192 entries each, one walk per L1 entry, took about 15 s.
      const countWalks = (original: unknown) => function (this: unknown, ...args: unknown[]): unknown {
        walks++;
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
      const read = await bytesReadDuring(() => withPatched(Qcow2GuestMap.prototype as unknown as Record<string, unknown>, 'scan', countWalks, async () => {
        json = await imageMapJson(dir.file(name), { format: 'qcow2' });
      }));
      assert.equal(json, qemuImg(['map', '--output=json', name], dir.path));
      assert.ok(read < 16 * 1024 * 1024, `${read} bytes read`);
      assert.equal(walks, 0, 'no table is walked entry by entry');
    });
  }
});

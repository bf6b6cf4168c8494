/**
 * map over L2 tables named by many L1 entries: a table whose first entries are allocated and
 * whose tail is zeros, named by every entry of a 32768-entry L1 table. Each entry's lookups ask
 * for the run at the table's start and for its tail; the table's runs are decoded once, not
 * counted entry by entry again for every L1 entry (2^28 entries decoded here before).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync } from 'node:fs';
import { imageMapJson } from '../../src/image/index.js';
import { Qcow2GuestMap } from '../../src/image/qcow2/guest-map.js';
import { withPatched } from '../support/with-patched.js';
import { be32, be64, poke, qemuImg, TempDir } from './support/qemu.js';

const CLUSTER = 0x10000;
const L2_ENTRIES = CLUSTER / 8;
const COPIED = 1n << 63n;
const ENTRIES = 32768;

/**
 * 64 KiB clusters; every entry of a 32768-entry L1 table names one L2 table, placed after the L1
 * table, whose first `allocated` entries name the clusters that follow it, in order, and whose
 * other entries are zeros.
 */
function sharedTable(dir: TempDir, name: string, allocated: number, extendedL2: boolean): void {
  const entryBytes = extendedL2 ? 16 : 8;
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', `extended_l2=${extendedL2 ? 'on' : 'off'}`, name, '64M'], dir.path);
  const path = dir.file(name);
  const l1Offset = Number(readFileSync(path).readBigUInt64BE(40));
  const tableOffset = l1Offset + ENTRIES * 8;
  const dataOffset = tableOffset + CLUSTER;
  truncateSync(path, dataOffset + allocated * CLUSTER);
  const table = Buffer.alloc(CLUSTER);
  for (let i = 0; i < allocated; i++) {
    table.writeBigUInt64BE(COPIED | BigInt(dataOffset + i * CLUSTER), i * entryBytes);
    // Extended L2: every subcluster allocated.
    if (extendedL2) table.writeUInt32BE(0xffffffff, i * entryBytes + 12);
  }
  poke(path, tableOffset, table);
  poke(path, l1Offset, Buffer.concat(Array.from({ length: ENTRIES }, () => be64(COPIED | BigInt(tableOffset)))));
  poke(path, 36, be32(ENTRIES));
  poke(path, 24, be64(BigInt(ENTRIES) * BigInt((CLUSTER / entryBytes) * CLUSTER)));
}

/** qemu-img map --output=json: two lines per L1 entry, more than execFileSync's default buffer. */
function qemuMapJson(dir: TempDir, name: string): string {
  return spawnSync('qemu-img', ['map', '--output=json', name], { cwd: dir.path, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
}

type Counted = Record<string, unknown>;

/** Runs `use` counting calls of the named methods of the guest map meanwhile. */
async function callsDuring(methods: readonly string[], use: () => Promise<unknown>): Promise<Record<string, number>> {
  const calls: Record<string, number> = Object.fromEntries(methods.map((m) => [m, 0]));
  const count = (name: string) => (original: unknown) => function (this: unknown, ...args: unknown[]): unknown {
    calls[name] = (calls[name] ?? 0) + 1;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  const patchAll = (rest: readonly string[]): Promise<unknown> => {
    const [first, ...others] = rest;
    if (first === undefined) return use();
    return withPatched(Qcow2GuestMap.prototype as unknown as Counted, first, count(first), () => patchAll(others));
  };
  await patchAll(methods);
  return calls;
}

describe('map of one L2 table named by every L1 entry', function () {
  this.timeout(120_000);
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  for (const [allocated, extendedL2] of [[1, false], [5, false], [3, true]] as const) {
    it(`the first ${allocated} allocated, the rest zeros${extendedL2 ? ', extended L2' : ''}: qemu-img's map, the table's runs decoded once`, async () => {
      const name = `shared-${allocated}${extendedL2 ? '-ext' : ''}.qcow2`;
      sharedTable(dir, name, allocated, extendedL2);
      let json = '';
      const calls = await callsDuring(['decodeRuns', 'subType'], async () => {
        json = await imageMapJson(dir.file(name), { format: 'qcow2' });
      });
      assert.equal(json, qemuMapJson(dir, name));
      assert.equal(calls.decodeRuns, 1);
      // Per L1 entry, the subclusters of each lookup's first entry and of the one that ends its
      // run are typed (a few, or a few dozen with extended L2), where each lookup of the zero
      // tail used to type all of it: 8191 entries, or 4093 of 32 subclusters.
      assert.ok((calls.subType ?? 0) <= 100 * ENTRIES, `${calls.subType} subclusters typed`);
    });
  }
});

/**
 * Table entries whose offset is at or above 2^53: far past the end of any file, which is what
 * qemu-img check makes of them (same messages, counts and exit code); map and guest reads refuse
 * them with a typed error carrying the real value, never a -1 sentinel.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync } from 'node:fs';
import { imageCheck, imageMapJson, ImageOffsetError, openGuestReader } from '../../src/image/index.js';
import { be64, poke, qemuImg, qemuImgRun, qemuIo, TempDir } from './support/qemu.js';

const u64 = (path: string, at: number): bigint => readFileSync(path).readBigUInt64BE(at);
const OFFSET_MASK = 0x00fffffffffffe00n;

describe('table entries at or above 2^53', function () {
  let dir: TempDir;
  /** Where things are in base.qcow2. */
  let refTable: number;
  let l1: number;
  let l2: number;
  before(() => {
    dir = new TempDir();
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', 'base.qcow2', '16M'], dir.path);
    qemuIo('base.qcow2', ['write -P 1 0 64k', 'write -P 2 1M 8k', 'write -c 2M 8k'], 'qcow2', dir.path);
    const base = dir.file('base.qcow2');
    refTable = Number(u64(base, 48));
    l1 = Number(u64(base, 40));
    l2 = Number(u64(base, l1) & OFFSET_MASK);
  });
  after(() => dir.remove());

  /** A copy of base.qcow2 with 8 bytes changed. */
  function poked(name: string, at: number, value: bigint): string {
    copyFileSync(dir.file('base.qcow2'), dir.file(name));
    poke(dir.file(name), at, be64(value));
    return name;
  }

  /** check: stdout, stderr, JSON and exit code as qemu-img check's. */
  async function sameCheckAsQemu(name: string): Promise<void> {
    const ours = await imageCheck(dir.file(name), { format: 'qcow2', displayName: name });
    const ref = qemuImgRun(['check', name], dir.path);
    assert.equal(ours.exitCode, ref.status, name);
    assert.equal(ours.human, ref.stdout, name);
    assert.equal(ours.stderr, ref.stderr, name);
    assert.equal(ours.json, qemuImgRun(['check', '--output=json', name], dir.path).stdout, name);
    assert.doesNotMatch(ours.stderr, /0x-1|-1\b/);
  }

  /** map and guest reads refuse it, naming the value. */
  async function refusedWithValue(name: string, value: bigint): Promise<void> {
    const isOffsetError = (err: unknown): boolean => err instanceof ImageOffsetError && err.observed === value && !err.message.includes('0x-1');
    await assert.rejects(imageMapJson(dir.file(name), { format: 'qcow2' }), isOffsetError);
    const { reader, close } = await openGuestReader(dir.file(name), { format: 'qcow2' });
    try {
      assert.throws(() => reader.read(0, 16 * 1024 * 1024), isOffsetError);
    } finally {
      close();
    }
  }

  it('a refcount table entry of 2^55: "refcount block 0 is outside image", its clusters read as refcount 0', async () => {
    const name = poked('rthuge.qcow2', refTable, 0x0080000000000000n);
    await sameCheckAsQemu(name);
    assert.equal(await imageMapJson(dir.file(name), { format: 'qcow2' }), qemuImg(['map', '--output=json', name], dir.path));
  });

  it('an L2 entry of 2^55: counted beyond the end of the file, OFLAG_COPIED refcount=0', async () => {
    const name = poked('l2huge.qcow2', l2 + 3 * 8, 0x8080000000000000n);
    await sameCheckAsQemu(name);
    await refusedWithValue(name, 0x80000000000000n);
  });

  it('an L1 entry of 2^55: its L2 table is past the end and reads as zeros', async () => {
    const name = poked('l1huge.qcow2', l1, 0x8080000000000000n);
    await sameCheckAsQemu(name);
    await refusedWithValue(name, 0x80000000000000n);
  });

  it('a compressed cluster past 2^53: one region error, still counted as allocated and compressed', async () => {
    const compressedL2 = Number(u64(dir.file('base.qcow2'), l1 + 8) & OFFSET_MASK);
    const name = poked('comp.qcow2', compressedL2, 0x7ff0000000018016n);
    await sameCheckAsQemu(name);
    await refusedWithValue(name, 0x3f0000000018016n);
  });

  it('a QCOW v1 data cluster at 2^54: refused with its value, not read from some other offset', async () => {
    qemuImg(['create', '-q', '-f', 'qcow', 'v1.qcow', '1M'], dir.path);
    qemuIo('v1.qcow', ['write -P 6 0 8k'], 'qcow', dir.path);
    const path = dir.file('v1.qcow');
    // Header: l1_table_offset at 40; L1 and L2 entries are plain offsets.
    const v1l2 = Number(u64(path, Number(u64(path, 40))));
    poke(path, v1l2, be64(0x0040000000000000n));
    const isOffsetError = (err: unknown): boolean => err instanceof ImageOffsetError && err.observed === 0x0040000000000000n;
    await assert.rejects(imageMapJson(path, { format: 'qcow' }), isOffsetError);
    const { reader, close } = await openGuestReader(path, { format: 'qcow' });
    try {
      assert.throws(() => reader.read(0, 512), isOffsetError);
      // The next cluster is still read (qemu-io wrote it).
      assert.ok(reader.read(4096, 4096).equals(Buffer.alloc(4096, 6)));
    } finally {
      close();
    }
  });
});

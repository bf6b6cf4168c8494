/**
 * Snapshot fields qemu only prints or uses when reverting: a VM-state size or disk size at or
 * above 2^53 opens and lists exactly as in qemu-img 7.2, a VM clock of 2^63 ns or more prints
 * unsigned, and a lenient open that cannot read the whole table keeps the entries before the bad
 * one and says so on stderr.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync } from 'node:fs';
import { imageCheck, imageInfo, imageMapJson, imageSnapshots } from '../../src/image/index.js';
import { runCli } from './support/cli-run.js';
import { be32, be64, poke, qemuImg, qemuImgRun, TempDir } from './support/qemu.js';

/** Where each snapshot entry of an image starts (the table as qemu writes it). */
function entryOffsets(path: string): number[] {
  const b = readFileSync(path);
  const out: number[] = [];
  let off = Number(b.readBigUInt64BE(64));
  for (let i = 0; i < b.readUInt32BE(60); i++) {
    out.push(off);
    off += 40 + b.readUInt32BE(off + 36) + b.readUInt16BE(off + 12) + b.readUInt16BE(off + 14);
    off = Math.ceil(off / 8) * 8;
  }
  return out;
}

// Fixed part: vm_clock_nsec at 24. Extra data (from byte 40): vm_state_size_large(8), disk_size(8), icount(8).
const VM_CLOCK = 24;
const VM_STATE_LARGE = 40;
const DISK_SIZE = 48;
const ICOUNT = 56;

describe('snapshot sizes and clocks beyond 2^53', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    qemuImg(['create', '-q', '-f', 'qcow2', 'vm.qcow2', '16M'], dir.path);
    for (const s of ['a', 'b', 'c', 'd']) qemuImg(['snapshot', '-c', s, 'vm.qcow2'], dir.path);
  });
  after(() => dir.remove());

  /** A copy of vm.qcow2 named `name`, with `bytes` written at `field` of entry `entry` for each poke. */
  function pokedCopy(name: string, pokes: [entry: number, field: number, bytes: Buffer][]): string {
    copyFileSync(dir.file('vm.qcow2'), dir.file(name));
    const e = entryOffsets(dir.file(name));
    for (const [entry, field, bytes] of pokes) poke(dir.file(name), (e[entry] as number) + field, bytes);
    return name;
  }

  it('a VM-state size or disk size >= 2^53 opens, lists and checks as in qemu-img', async () => {
    const name = pokedCopy('sizes.qcow2', [
      [2, VM_STATE_LARGE, be64(2n ** 53n + 1n)], [3, VM_STATE_LARGE, be64(0xfffffffffffffff0n)], [3, DISK_SIZE, be64(1n << 56n)],
    ]);
    for (const [ours, ref] of [
      [['snapshots', name], ['snapshot', '-l', name]],
      [['info', name], ['info', name]],
      [['info', '--json', name], ['info', '--output=json', name]],
      [['check', name], ['check', name]],
    ]) {
      const r = await runCli(ours as string[], dir.path);
      const q = qemuImgRun(ref as string[], dir.path);
      assert.equal(r.code, q.status, `${(ours as string[]).join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, q.stdout, (ours as string[]).join(' '));
    }
    const s = await imageSnapshots(dir.file(name), { format: 'qcow2' });
    assert.equal(s.snapshots[2]?.vmStateSizeRaw, 2n ** 53n + 1n);
    assert.equal(s.snapshots[3]?.diskSizeRaw, 1n << 56n);
    const details = (await runCli(['snapshots', '--details', name], dir.path)).stdout;
    assert.match(details, /"disk-size": 72057594037927936,/);
    assert.equal((await imageCheck(dir.file(name), { format: 'qcow2' })).exitCode, 0);
    assert.equal(await imageMapJson(dir.file(name), { format: 'qcow2' }), qemuImg(['map', '--output=json', name], dir.path));
  });

  it('a VM clock of 2^63 ns or more prints unsigned, as qemu 7.2 (and 9.0) divide it', async () => {
    const name = pokedCopy('clock.qcow2', [[3, VM_CLOCK, be64(0xffffffffffffffffn)], [2, VM_CLOCK, be64(1n << 63n)]]);
    const r = await runCli(['snapshots', name], dir.path);
    assert.equal(r.stdout, qemuImg(['snapshot', '-l', name], dir.path));
    assert.match(r.stdout, /5124095:34:33\.709 /);
    assert.equal((await runCli(['info', name], dir.path)).stdout, qemuImg(['info', name], dir.path));
    const v9 = await runCli(['snapshots', '--layout', '9.0', name], dir.path);
    assert.match(v9.stdout, /^4 .* 5124095:34:33\.709 /m);
  });

  it('an icount of 2^63 or more is an int64 in the JSON, as qemu prints it', async () => {
    const name = pokedCopy('icount.qcow2', [[2, ICOUNT, be64(0xfffffffffffffffen)], [3, ICOUNT, be64(1n << 63n)]]);
    const json = await runCli(['info', '--json', name], dir.path);
    assert.equal(json.stdout, qemuImg(['info', '--output=json', name], dir.path));
    assert.match(json.stdout, /"icount": -2,/);
    assert.equal((await runCli(['info', name], dir.path)).stdout, qemuImg(['info', name], dir.path));
    assert.equal((await runCli(['snapshots', name], dir.path)).stdout, qemuImg(['snapshot', '-l', name], dir.path));
  });

  it('lenient: a table that cannot be read in full keeps the entries before, and says so on stderr', async () => {
    const name = pokedCopy('cut.qcow2', [[2, 36, be32(5000)]]); // extra_data_size over qemu's 1 KiB
    const strict = await runCli(['snapshots', name], dir.path);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /Too much extra metadata in snapshot table entry 2/);
    const s = await imageSnapshots(dir.file(name), { format: 'qcow2', lenient: true });
    assert.deepEqual(s.snapshots.map((sn) => sn.name), ['a', 'b']);
    assert.deepEqual(s.findings.map((f) => f.code), ['SNAPSHOT_TABLE_INVALID']);
    for (const command of ['snapshots', 'info']) {
      const r = await runCli([command, '--lenient', name], dir.path);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^2 +b /m);
      assert.match(r.stderr, /^tsvirt image: warning: Too much extra metadata in snapshot table entry 2 \(SNAPSHOT_TABLE_INVALID: the snapshot table not read in full\)$/m);
    }
    const info = await imageInfo(dir.file(name), { format: 'qcow2', lenient: true });
    assert.equal(info.images[0]?.snapshots?.length, 2);
    // A table past the end of the file: nothing to list, but not silently.
    copyFileSync(dir.file('vm.qcow2'), dir.file('gone.qcow2'));
    poke(dir.file('gone.qcow2'), 64, be64(1n << 30n));
    const gone = await runCli(['snapshots', '--lenient', 'gone.qcow2'], dir.path);
    assert.equal(gone.stdout, '');
    assert.match(gone.stderr, /warning: snapshot table entry 0 .*extends beyond the end of the file.*SNAPSHOT_TABLE_INVALID/);
  });
});

/**
 * L1 entries naming L2 tables at offsets that are not cluster aligned: qemu-img check reports
 * each one and walks it all the same, and as they overlap one another a small file can name a
 * table at every 512 bytes. check answers as qemu-img does up to CHECK_MAX_UNALIGNED_L2_BYTES of
 * such tables, and past it fails, typed, without walking the rest.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync } from 'node:fs';
import { CHECK_MAX_UNALIGNED_L2_BYTES, imageCheck, ImageLimitError } from '../../src/image/index.js';
import { ReadWindow } from '../../src/image/image-file.js';
import { withPatched } from '../support/with-patched.js';
import { be32, be64, poke, qemuImg, qemuImgRun, TempDir } from './support/qemu.js';

const MiB = 1024 * 1024;
const COPIED = 1n << 63n;

/** What qemu prints on stderr, without its own "qemu-img:" lines, as ImageCheckResult.stderr has it. */
function problemLines(stderr: string): string {
  return stderr.split('\n').filter((l) => !l.startsWith('qemu-img:') && !l.startsWith('Use qemu-img amend') && l !== '').map((l) => `${l}\n`).join('');
}

/**
 * A 64 MiB qcow2 image of `clusterSize` clusters whose file goes on past its L1 table's cluster
 * with a cluster of zeros and then `tail` bytes, and whose L1 table names `count` L2 tables, one
 * at every 512 bytes of that area (skipping the cluster-aligned offsets). `fill` writes into the
 * area; returns its offset.
 */
function unalignedTables(dir: TempDir, name: string, clusterSize: number, count: number, tail: number, fill: (area: number) => void = () => {}): number {
  qemuImg(['create', '-q', '-f', 'qcow2', '-o', `cluster_size=${clusterSize}`, name, '64M'], dir.path);
  const path = dir.file(name);
  const l1Offset = Number(readFileSync(path).readBigUInt64BE(40));
  const area = l1Offset + clusterSize;
  truncateSync(path, area + clusterSize + tail);
  fill(area);
  const offsets: number[] = [];
  for (let at = area + 512; offsets.length < count; at += 512) if (at % clusterSize !== 0) offsets.push(at);
  poke(path, l1Offset, Buffer.concat(offsets.map((o) => be64(BigInt(o) | COPIED))));
  poke(path, 36, be32(count));
  return area;
}

/** qemu-img check --output=json, its stderr thrown away (a line per table and more). */
function qemuCheckJson(dir: TempDir, name: string): string {
  return spawnSync('qemu-img', ['check', '--output=json', name], { cwd: dir.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 }).stdout;
}

/** Runs `use` counting the tables check walks meanwhile: each walk reads its table through one view. */
async function tableWalksDuring(use: () => Promise<unknown>): Promise<number> {
  let walks = 0;
  await withPatched(ReadWindow.prototype, 'view', (original) => function (this: ReadWindow, offset: number, length: number): Buffer {
    walks++;
    return original.call(this, offset, length);
  }, use);
  return walks;
}

describe('L1 entries naming L2 tables at unaligned offsets', function () {
  this.timeout(240_000);
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('1500 overlapping tables of 64 KiB over entries of every kind: stdout, stderr and exit code as qemu-img', async () => {
    const cluster = 64 * 1024;
    const tail = MiB;
    unalignedTables(dir, 'mixed.qcow2', cluster, 1500, tail, (area) => {
      // One entry every 16 KiB, so that each table sees a few and is mostly zeros: a data cluster
      // inside the file (COPIED, refcount 0 on disk), a zero cluster, a compressed cluster and an
      // entry with reserved bits set.
      const entries = [COPIED | BigInt(area), 1n, (1n << 62n) | BigInt(area + 100), 0x202n];
      for (let k = 0; k * 16 * 1024 < cluster + tail; k++) poke(dir.file('mixed.qcow2'), area + k * 16 * 1024 + 8, be64(entries[k % entries.length] ?? 0n));
    });
    const ours = await imageCheck(dir.file('mixed.qcow2'), { format: 'qcow2', displayName: 'mixed.qcow2' });
    const human = qemuImgRun(['check', 'mixed.qcow2'], dir.path, 120_000);
    assert.equal(ours.human, human.stdout);
    assert.equal(ours.stderr, problemLines(human.stderr));
    assert.equal(ours.exitCode, human.status);
    assert.equal(ours.json, qemuCheckJson(dir, 'mixed.qcow2'));
    assert.equal(ours.result.findings.filter((f) => f.code === 'L2_TABLE_UNALIGNED').length, 1500);
  });

  describe('2 MiB tables, as many as the limit allows and one more', () => {
    const cluster = 2 * MiB;
    const atLimit = CHECK_MAX_UNALIGNED_L2_BYTES / cluster;

    it(`${atLimit} of them, CHECK_MAX_UNALIGNED_L2_BYTES in all: qemu-img check's JSON`, async () => {
      unalignedTables(dir, 'at-limit.qcow2', cluster, atLimit, 0);
      let json = '';
      const walks = await tableWalksDuring(async () => {
        json = (await imageCheck(dir.file('at-limit.qcow2'), { format: 'qcow2', displayName: 'at-limit.qcow2' })).json;
      });
      assert.equal(json, qemuCheckJson(dir, 'at-limit.qcow2'));
      // Each table once for the refcounts and once for the COPIED flags.
      assert.equal(walks, 2 * atLimit);
    });

    it(`${atLimit + 1} of them: refused, typed, once the limit is passed (nothing after it walked)`, async () => {
      unalignedTables(dir, 'over-limit.qcow2', cluster, atLimit + 1, 0);
      let failure: unknown;
      const walks = await tableWalksDuring(async () => {
        failure = await imageCheck(dir.file('over-limit.qcow2'), { format: 'qcow2' }).then(() => undefined, (err: unknown) => err);
      });
      assert.ok(failure instanceof ImageLimitError, String(failure));
      assert.equal(failure.limit, CHECK_MAX_UNALIGNED_L2_BYTES);
      assert.equal(failure.observed, CHECK_MAX_UNALIGNED_L2_BYTES + cluster);
      assert.match(failure.message, /^Check failed: the L1 tables name more than \d+ bytes of L2 tables that are not cluster aligned/);
      // What was found before the failure is kept, as for qemu's failed checks.
      assert.equal(failure.problemLines.filter((l) => /Table is not cluster aligned/.test(l)).length, atLimit + 1);
      // The tables up to the limit, once each; the one past it is not walked, nor is anything after.
      assert.equal(walks, atLimit);
    });
  });
});

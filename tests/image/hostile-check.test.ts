/**
 * `check` on hostile images: millions of findings in a small file, a file of too many clusters,
 * bitmap directories qemu refuses, oversized refcount tables and unusable refcount widths after
 * a lenient open. Memory and work stay bounded, errors are typed, and what qemu-img 7.2 accepts
 * is answered as qemu-img answers it.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import {
  CHECK_MAX_BITMAP_TABLES_BYTES, CHECK_MAX_LISTED_FINDINGS, imageCheck, imageInfo, imageInfoJson, imageMapJson, isImageError, openGuestReader,
} from '../../src/image/index.js';
import { be32, be64, poke, qemuImg, qemuImgRun, qemuOpenError, TempDir } from './support/qemu.js';

const u64At = (buf: Buffer, offset: number): number => Number(buf.readBigUInt64BE(offset));

/** qemu-img check with its stderr thrown away (it can be hundreds of megabytes here). */
function qemuCheckQuiet(dir: TempDir, name: string, json: boolean): { stdout: string; status: number | null } {
  const args = ['check', ...(json ? ['--output=json'] : []), name];
  const r = spawnSync('qemu-img', args, { cwd: dir.path, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
  return { stdout: r.stdout, status: r.status };
}

/** The first `n` problem lines qemu-img check prints on stderr. */
function qemuStderrHead(dir: TempDir, name: string, n: number): string[] {
  const r = spawnSync('sh', ['-c', 'qemu-img check "$1" 2>&1 >/dev/null | grep -v "^qemu-img:\\|^Use qemu-img amend" | head -n "$2"', 'sh', name, String(n)],
    { cwd: dir.path, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** What qemu prints on stderr, without its own "qemu-img:" lines, as ImageCheckResult.stderr has it. */
function problemLines(stderr: string): string {
  return stderr.split('\n').filter((l) => !l.startsWith('qemu-img:') && !l.startsWith('Use qemu-img amend') && l !== '').map((l) => `${l}\n`).join('');
}

/**
 * 64 KiB clusters; one L2 table (just past the image's metadata) whose first `bad` entries are
 * 0x202 (offset 0x200: unaligned, and a reserved bit), referenced by `l1Entries` L1 entries.
 */
function makeBadL2(dir: TempDir, name: string, l1Entries: number, bad: number): void {
  qemuImg(['create', '-q', '-f', 'qcow2', name, '64M'], dir.path);
  const path = dir.file(name);
  const l1Offset = u64At(readFileSync(path).subarray(0, 72), 40);
  const l2Offset = l1Offset + 0x10000;
  truncateSync(path, l2Offset + 0x10000);
  poke(path, l2Offset, Buffer.concat(Array.from({ length: bad }, () => be64(0x202))));
  poke(path, l1Offset, Buffer.concat(Array.from({ length: l1Entries }, () => be64(l2Offset))));
  poke(path, 36, be32(l1Entries));
}

const CLUSTER = 0x10000;
const COPIED = 1n << 63n;

/**
 * 64 KiB clusters; every one of `l1Entries` L1 entries names one L2 table, placed after the L1
 * table, whose 8192 entries are `entry(i, dataStart)` (dataStart: the first cluster after it).
 * The file ends after `dataClusters` clusters from dataStart.
 */
function makeSharedL2(dir: TempDir, name: string, l1Entries: number, entry: (i: number, dataStart: number) => bigint, dataClusters: number): void {
  qemuImg(['create', '-q', '-f', 'qcow2', name, '64M'], dir.path);
  const path = dir.file(name);
  const l1Offset = u64At(readFileSync(path).subarray(0, 72), 40);
  const l2Offset = l1Offset + Math.ceil((l1Entries * 8) / CLUSTER) * CLUSTER;
  const dataStart = l2Offset + CLUSTER;
  truncateSync(path, dataStart + dataClusters * CLUSTER);
  const l2 = Buffer.alloc(CLUSTER);
  for (let i = 0; i < CLUSTER / 8; i++) l2.writeBigUInt64BE(entry(i, dataStart), i * 8);
  poke(path, l2Offset, l2);
  const l1 = Buffer.alloc(l1Entries * 8);
  for (let i = 0; i < l1Entries; i++) l1.writeBigUInt64BE(BigInt(l2Offset) | COPIED, i * 8);
  poke(path, l1Offset, l1);
  poke(path, 36, be32(l1Entries));
}

describe('check on hostile images', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  describe('findings are bounded', () => {
    it('a few findings: stdout, stderr and exit code as qemu-img', async () => {
      makeBadL2(dir, 'few.qcow2', 1, 3);
      const human = qemuImgRun(['check', 'few.qcow2'], dir.path);
      const json = qemuImgRun(['check', '--output=json', 'few.qcow2'], dir.path);
      const ours = await imageCheck(dir.file('few.qcow2'), { format: 'qcow2', displayName: 'few.qcow2' });
      assert.equal(ours.json, json.stdout);
      assert.equal(ours.human, human.stdout);
      assert.equal(ours.stderr, problemLines(human.stderr));
      assert.equal(ours.exitCode, human.status);
      assert.equal(ours.result.unlistedFindings, 0);
      assert.ok(!ours.result.findings.some((f) => f.code === 'FINDINGS_NOT_LISTED'));
    });

    it('more findings than the limit: exact counts, the first ones listed, then how many were not', async () => {
      makeBadL2(dir, 'many.qcow2', 5, 8192);
      const ours = await imageCheck(dir.file('many.qcow2'), { format: 'qcow2', displayName: 'many.qcow2' });
      const json = qemuCheckQuiet(dir, 'many.qcow2', true);
      assert.equal(ours.json, json.stdout);
      assert.equal(ours.exitCode, json.status);
      assert.equal(ours.human, qemuCheckQuiet(dir, 'many.qcow2', false).stdout);
      const r = ours.result;
      assert.equal(r.findings.length, CHECK_MAX_LISTED_FINDINGS + 1);
      assert.equal(r.unlistedFindings + CHECK_MAX_LISTED_FINDINGS, r.corruptions + r.leaks + r.checkErrors);
      assert.equal(r.findings[CHECK_MAX_LISTED_FINDINGS]?.code, 'FINDINGS_NOT_LISTED');
      const lines = ours.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, CHECK_MAX_LISTED_FINDINGS + 1);
      assert.deepEqual(lines.slice(0, CHECK_MAX_LISTED_FINDINGS), qemuStderrHead(dir, 'many.qcow2', CHECK_MAX_LISTED_FINDINGS));
      assert.match(lines[CHECK_MAX_LISTED_FINDINGS] ?? '', new RegExp(`^${r.unlistedFindings} more problems were found and not listed`));
    });

    it('an unreadable refcount block for every host cluster of a large sparse file', async () => {
      qemuImg(['create', '-q', '-f', 'qcow2', 'unreadable.qcow2', '64M'], dir.path);
      const path = dir.file('unreadable.qcow2');
      const refTable = u64At(readFileSync(path).subarray(0, 72), 48);
      poke(path, refTable, Buffer.concat(Array.from({ length: 8192 }, () => be64(0x200))));
      truncateSync(path, 64 * 2 ** 30);
      const ours = await imageCheck(path, { format: 'qcow2', displayName: 'unreadable.qcow2' });
      const json = qemuCheckQuiet(dir, 'unreadable.qcow2', true);
      assert.equal(ours.json, json.stdout);
      assert.equal(ours.exitCode, json.status);
      assert.equal(ours.result.checkErrors, 64 * 2 ** 30 / 65536);
      assert.equal(ours.result.findings.length, CHECK_MAX_LISTED_FINDINGS + 1);
    });
  });

  describe('one L2 table named by many L1 entries', () => {
    it('64 entries, some of its own entries bad: stdout, stderr and exit code as qemu-img', async () => {
      // Entries 1 and 2 are 0x202 (unaligned, a reserved bit); the rest name distinct clusters,
      // without COPIED, which their refcount of 0 on disk agrees with.
      makeSharedL2(dir, 'shared.qcow2', 64, (i, data) => (i === 1 || i === 2 ? 0x202n : BigInt(data + i * CLUSTER)), CLUSTER / 8);
      const human = qemuImgRun(['check', 'shared.qcow2'], dir.path, 60_000);
      const ours = await imageCheck(dir.file('shared.qcow2'), { format: 'qcow2', displayName: 'shared.qcow2' });
      assert.equal(ours.human, human.stdout);
      assert.equal(ours.stderr, problemLines(human.stderr));
      assert.equal(ours.exitCode, human.status);
      assert.equal(ours.json, qemuCheckQuiet(dir, 'shared.qcow2', true).stdout);
      // Its findings come once per L1 entry, as qemu's do.
      assert.equal(ours.result.findings.filter((f) => f.code === 'L2_RESERVED_BITS').length, 2 * 64);
    });

    it('4 Mi entries naming one table of 8192 references to one cluster: exact counts, each table walked once', async () => {
      const n = 4 * 2 ** 20;
      const perTable = CLUSTER / 8;
      makeSharedL2(dir, 'shared-4m.qcow2', n, (_i, data) => BigInt(data) | COPIED, 1);
      // Walked per L1 entry, as qemu walks it, this is 2^35 entries: hours.
      const ours = await imageCheck(dir.file('shared-4m.qcow2'), { format: 'qcow2', displayName: 'shared-4m.qcow2' });
      const r = ours.result;
      const maxRefcount = 2 ** 16 - 1;
      const l1Clusters = (n * 8) / CLUSTER;
      // References past the 16-bit maximum overflow: the data cluster's and the L2 table's.
      const overflows = n * perTable - maxRefcount + (n - maxRefcount);
      // Rebuilt refcounts that disagree with the file's: the data cluster, the L2 table, and the
      // L1 table's clusters but its first (qemu-img create counted that one).
      const mismatches = 2 + (l1Clusters - 1);
      // COPIED is set everywhere, but no refcount on disk is 1: every L1 and L2 entry is flagged.
      const copied = n + n * perTable;
      assert.equal(r.corruptions, overflows + mismatches + copied);
      assert.equal(r.leaks, 0);
      assert.equal(r.fragmentation.allocatedClusters, n * perTable);
      assert.equal(r.fragmentation.fragmentedClusters, n * (perTable - 1));
      assert.equal(r.findings.length, CHECK_MAX_LISTED_FINDINGS + 1);
      assert.equal(r.unlistedFindings + CHECK_MAX_LISTED_FINDINGS, r.corruptions);
    });
  });

  it('a file of more than INT_MAX clusters: "Check failed: File too large", as qemu-img', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', 'huge.qcow2', '64M'], dir.path);
    truncateSync(dir.file('huge.qcow2'), 8 * 2 ** 40);
    const ref = qemuImgRun(['check', 'huge.qcow2'], dir.path);
    assert.equal(ref.status, 1);
    assert.equal(ref.stdout, '');
    const expected = ref.stderr.trim().replace(/^qemu-img: /, '');
    await assert.rejects(imageCheck(dir.file('huge.qcow2'), { format: 'qcow2' }), (err) => isImageError(err) && err.code === 'IMAGE_LIMIT' && err.message === expected);
  });

  describe('bitmaps', () => {
    before(() => {
      qemuImg(['create', '-q', '-f', 'qcow2', 'bm.qcow2', '1G'], dir.path);
      for (const name of ['b1', 'b2', 'b3', 'b4']) qemuImg(['bitmap', '--add', 'bm.qcow2', name], dir.path);
    });

    /** Where each directory entry starts. */
    function entries(path: string): number[] {
      const b = readFileSync(path);
      let p = 112;
      while (b.readUInt32BE(p) !== 0x23852875) p += 8 + Math.ceil(b.readUInt32BE(p + 4) / 8) * 8;
      const count = b.readUInt32BE(p + 8);
      let e = u64At(b, p + 24);
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        out.push(e);
        e += Math.ceil((24 + b.readUInt16BE(e + 18) + b.readUInt32BE(e + 20)) / 8) * 8;
      }
      return out;
    }

    type Patch = (path: string, entry: number) => void;
    const flagsOr = (bits: number): Patch => (path, e) => poke(path, e + 12, be32(readFileSync(path).readUInt32BE(e + 12) | bits));
    const granularity9: Patch = (path, e) => poke(path, e + 17, Buffer.from([9]));
    const cases: Array<[string, Patch[], boolean]> = [
      ['a 1 GiB table at 16 MiB', [(path, e) => poke(path, e, Buffer.concat([be64(0x1000000), be32(0x8000000)]))], true],
      ['a table addressing more than 512 MiB', [(path, e) => poke(path, e + 8, be32(0x2001))], true],
      ['reserved flag bit 2', [flagsOr(4)], true],
      ['a table too small for the disk', [granularity9], true],
      ['a table too small for the disk, in use', [granularity9, flagsOr(1)], false],
    ];
    for (const [title, patches, refused] of cases) {
      it(title, async () => {
        const name = `${title.replace(/[^a-z0-9]+/gi, '-')}.qcow2`;
        const path = dir.file(name);
        copyFileSync(dir.file('bm.qcow2'), path);
        for (const e of entries(path)) for (const patch of patches) patch(path, e);
        if (title.includes('1 GiB')) truncateSync(path, 0x1000000 + 2 ** 30);
        const info = qemuImgRun(['info', name], dir.path);
        const check = qemuImgRun(['check', name], dir.path);
        assert.equal(info.status, refused ? 1 : 0);
        assert.equal(check.status, refused ? 1 : 0);
        if (!refused) {
          assert.equal(imageInfoJson(await imageInfo(path, { format: 'qcow2', displayName: name })), qemuImg(['info', '--output=json', name], dir.path));
          assert.equal((await imageCheck(path, { format: 'qcow2', displayName: name })).human, check.stdout);
          return;
        }
        const sameError = (ref: string) => (err: unknown): boolean => isImageError(err) && err.message === qemuOpenError(ref);
        await assert.rejects(imageInfo(path, { format: 'qcow2' }), sameError(info.stderr));
        await assert.rejects(imageCheck(path, { format: 'qcow2' }), sameError(check.stderr));
        const lenient = await imageCheck(path, { format: 'qcow2', lenient: true });
        assert.equal(lenient.result.findings.filter((f) => f.code === 'BITMAP_DIRECTORY_INVALID').length, 4);
      });
    }

    describe('bitmaps not in use are loaded when opening, as qemu loads them', () => {
      const sameError = (ref: string) => (err: unknown): boolean => isImageError(err) && err.message === qemuOpenError(ref);

      /** info, check and map refuse the image with qemu-img's message; a lenient check still runs. */
      async function refusedLikeQemu(name: string): Promise<void> {
        const path = dir.file(name);
        for (const [command, run] of [
          ['info', () => imageInfo(path, { format: 'qcow2' })],
          ['check', () => imageCheck(path, { format: 'qcow2' })],
          ['map', () => imageMapJson(path, { format: 'qcow2' })],
        ] as const) {
          const ref = qemuImgRun([command, name], dir.path);
          assert.equal(ref.status, 1, `qemu-img ${command}`);
          await assert.rejects(run(), sameError(ref.stderr), command);
        }
        const lenient = await imageCheck(path, { format: 'qcow2', lenient: true });
        assert.deepEqual(lenient.openFindings.filter((f) => f.code === 'BITMAPS_INVALID').map((f) => f.message),
          [qemuOpenError(qemuImgRun(['info', name], dir.path).stderr)]);
      }

      it('an invalid entry in the table of one of them', async () => {
        const name = 'unused-badentry.qcow2';
        copyFileSync(dir.file('bm.qcow2'), dir.file(name));
        const e = entries(dir.file(name))[2] as number;
        poke(dir.file(name), u64At(readFileSync(dir.file(name)), e), be64(0x1ff));
        await refusedLikeQemu(name);
      });

      it('a table one cluster longer than the bitmap takes', async () => {
        const name = 'unused-long.qcow2';
        copyFileSync(dir.file('bm.qcow2'), dir.file(name));
        const e = entries(dir.file(name))[1] as number;
        poke(dir.file(name), e + 8, be32(readFileSync(dir.file(name)).readUInt32BE(e + 8) + 1));
        await refusedLikeQemu(name);
      });

      // Cluster size, disk size, granularity: the table qemu-img makes is the one qemu expects.
      const geometries: Array<[number, string, number]> = [
        [512, '1G', 512], [512, '64M', 65536], [4096, '10G', 4096], [65536, '1M', 65536], [65536, '100G', 512 * 1024], [2 * 1024 * 1024, '3G', 1024],
      ];
      for (const [cluster, size, granularity] of geometries) {
        it(`clusters of ${cluster}, a ${size} disk, granularity ${granularity}: opens, and a table one longer does not`, async () => {
          const name = `geo-${cluster}-${size}-${granularity}.qcow2`;
          qemuImg(['create', '-q', '-f', 'qcow2', '-o', `cluster_size=${cluster}`, name, size], dir.path);
          qemuImg(['bitmap', '--add', '-g', String(granularity), name, 'b0'], dir.path);
          const info = await imageInfo(dir.file(name), { format: 'qcow2', displayName: name });
          assert.equal(imageInfoJson(info), qemuImg(['info', '--output=json', name], dir.path));
          const e = entries(dir.file(name))[0] as number;
          poke(dir.file(name), e + 8, be32(readFileSync(dir.file(name)).readUInt32BE(e + 8) + 1));
          const ref = qemuImgRun(['info', name], dir.path);
          assert.equal(ref.status, 1);
          await assert.rejects(imageInfo(dir.file(name), { format: 'qcow2' }), sameError(ref.stderr));
        });
      }
    });

    it('a name of 1024 bytes', async () => {
      const path = dir.file('longname.qcow2');
      copyFileSync(dir.file('bm.qcow2'), path);
      const [first] = entries(path);
      const e = first as number;
      const head = readFileSync(path).subarray(e, e + 24);
      head.writeUInt16BE(1024, 18);
      const entry = Buffer.concat([head, Buffer.alloc(1024, 'n')]);
      poke(path, e, entry);
      // One bitmap left, in a directory of exactly that entry.
      const b = readFileSync(path);
      let p = 112;
      while (b.readUInt32BE(p) !== 0x23852875) p += 8 + Math.ceil(b.readUInt32BE(p + 4) / 8) * 8;
      poke(path, p + 8, be32(1));
      poke(path, p + 16, be64(entry.length));
      const ref = qemuImgRun(['info', 'longname.qcow2'], dir.path);
      assert.equal(ref.status, 1);
      await assert.rejects(imageInfo(path, { format: 'qcow2' }), (err) => isImageError(err) && err.message === qemuOpenError(ref.stderr));
    });

    /**
     * 512-byte clusters: a valid table holds up to 2^20 entries (8 MiB). Enough bitmaps that
     * their tables make more than 1 GiB: all at one offset, or each 512 bytes after the last.
     */
    function manyTables(name: string, flags: number, spread: boolean): string {
      qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=512', name, '64M'], dir.path);
      qemuImg(['bitmap', '--add', name, 'b0'], dir.path);
      const path = dir.file(name);
      const b = readFileSync(path);
      let p = 112;
      while (b.readUInt32BE(p) !== 0x23852875) p += 8 + Math.ceil(b.readUInt32BE(p + 4) / 8) * 8;
      const dirOffset = Math.ceil(b.length / 512) * 512;
      const table = dirOffset + 64 * 1024;
      const count = Math.floor(CHECK_MAX_BITMAP_TABLES_BYTES / (8 * 2 ** 20)) + 1;
      const entry = (i: number): Buffer => {
        const name = Buffer.from(`b${i}`.padEnd(8, '_'));
        return Buffer.concat([be64(table + (spread ? i * 512 : 0)), be32(2 ** 20), be32(flags), Buffer.from([1, 16]), Buffer.from([0, 8]), be32(0), name]);
      };
      const directory = Buffer.concat(Array.from({ length: count }, (_, i) => entry(i)));
      writeFileSync(path, Buffer.concat([b, Buffer.alloc(dirOffset - b.length), directory]));
      truncateSync(path, table + count * 512 + 8 * 2 ** 20);
      poke(path, p + 8, be32(count));
      poke(path, p + 16, Buffer.concat([be64(directory.length), be64(dirOffset)]));
      return path;
    }

    it('more bitmap table bytes than CHECK_MAX_BITMAP_TABLES_BYTES in all: refused, typed', async () => {
      // In use, so not loaded when opening, nor checked against the disk's size.
      const path = manyTables('tables.qcow2', 1, false);
      assert.equal(imageInfoJson(await imageInfo(path, { format: 'qcow2', displayName: 'tables.qcow2' })), qemuImg(['info', '--output=json', 'tables.qcow2'], dir.path));
      await assert.rejects(imageCheck(path, { format: 'qcow2' }), (err) => isImageError(err) && err.code === 'IMAGE_LIMIT');
    });

    it('bitmaps not in use whose distinct tables make more than OPEN_MAX_BITMAP_TABLES_BYTES: the open is refused, typed', async () => {
      const path = manyTables('unused-tables.qcow2', 0, true);
      // qemu reads the first table whole, then refuses its size.
      assert.equal(qemuImgRun(['info', 'unused-tables.qcow2'], dir.path).status, 1);
      await assert.rejects(imageInfo(path, { format: 'qcow2' }), (err) => isImageError(err) && err.code === 'IMAGE_LIMIT');
      // At one offset, they are one table to read.
      const shared = manyTables('unused-shared.qcow2', 0, false);
      const ref = qemuImgRun(['info', 'unused-shared.qcow2'], dir.path);
      assert.equal(ref.status, 1);
      await assert.rejects(imageInfo(shared, { format: 'qcow2' }), (err) => isImageError(err) && err.message === qemuOpenError(ref.stderr));
    });

    it('an invalid table entry of a bitmap in use: the check fails as qemu-img\'s does', async () => {
      const path = dir.file('badentry.qcow2');
      copyFileSync(dir.file('bm.qcow2'), path);
      const [e] = entries(path);
      flagsOr(1)(path, e as number);
      poke(path, u64At(readFileSync(path), e as number), be64(2));
      const ref = qemuImgRun(['check', 'badentry.qcow2'], dir.path);
      assert.equal(ref.status, 1);
      assert.equal(ref.stdout, '');
      const expected = ref.stderr.trim().replace(/^qemu-img: /, '');
      await assert.rejects(imageCheck(path, { format: 'qcow2' }), (err) => isImageError(err) && err.message === expected);
      const lenient = await imageCheck(path, { format: 'qcow2', lenient: true });
      assert.deepEqual(lenient.result.findings.map((f) => f.code), ['BITMAP_TABLE_ENTRY_INVALID']);
    });
  });

  describe('after a lenient open', () => {
    before(() => {
      const data = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
      writeFileSync(dir.file('data.raw'), data);
      qemuImg(['convert', '-O', 'qcow2', 'data.raw', 'data.qcow2'], dir.path);
    });

    for (const clusters of [0x4000, 0x100000]) {
      it(`refcount_table_clusters 0x${clusters.toString(16)}: typed errors from map, reader and check`, async () => {
        const path = dir.file(`reftable-${clusters}.qcow2`);
        copyFileSync(dir.file('data.qcow2'), path);
        poke(path, 56, be32(clusters));
        const typed = (err: unknown): boolean => isImageError(err) && err.code === 'IMAGE_LIMIT';
        await assert.rejects(imageMapJson(path, { format: 'qcow2', lenient: true }), typed);
        await assert.rejects(openGuestReader(path, { format: 'qcow2', lenient: true }).then((o) => {
          try {
            return o.reader.read(0, 4096);
          } finally {
            o.close();
          }
        }), typed);
        await assert.rejects(imageCheck(path, { format: 'qcow2', lenient: true }), typed);
      });
    }

    it('refcount_order 7: the check is refused with qemu\'s reason, info shows the declared width', async () => {
      const path = dir.file('order7.qcow2');
      copyFileSync(dir.file('data.qcow2'), path);
      poke(path, 96, be32(7));
      const ref = qemuImgRun(['check', 'order7.qcow2'], dir.path);
      await assert.rejects(imageCheck(path, { format: 'qcow2', lenient: true }),
        (err) => isImageError(err) && err.code === 'IMAGE_UNSUPPORTED' && err.message === qemuOpenError(ref.stderr));
      const info = await imageInfo(path, { format: 'qcow2', lenient: true });
      assert.equal(info.images[0]?.['format-specific']?.data['refcount-bits'], 128);
      // The mapping does not need refcounts: a lenient map of it is qemu-img's map of the image it was.
      assert.equal(await imageMapJson(path, { format: 'qcow2', lenient: true }), qemuImg(['map', '--output=json', 'data.qcow2'], dir.path));
    });
  });
});

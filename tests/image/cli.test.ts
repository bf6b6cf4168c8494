/**
 * `tsvirt image ...` end to end through runImageCommand: human output equal to qemu-img's,
 * JSON, exit codes, refusals.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { runCli } from './support/cli-run.js';
import { poke, qemuImg, qemuImgRun, qemuIo, TempDir } from './support/qemu.js';

const run = runCli;

describe('tsvirt image CLI', function () {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
    qemuImg(['create', '-q', '-f', 'qcow2', 'base.qcow2', '8M'], dir.path);
    qemuIo('base.qcow2', ['write -P 1 0 1M', 'write -c -P 2 2M 64k'], 'qcow2', dir.path);
    qemuImg(['snapshot', '-c', 'before-upgrade', 'base.qcow2'], dir.path);
    qemuImg(['snapshot', '-c', 'a much longer snapshot name than sixteen', 'base.qcow2'], dir.path);
    qemuImg(['create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', 'top.qcow2'], dir.path);
    qemuImg(['bitmap', '--add', 'top.qcow2', 'dirty'], dir.path);
    qemuIo('top.qcow2', ['write -P 3 4M 64k'], 'qcow2', dir.path);
  });
  after(() => dir.remove());

  it('info (human, and --backing-chain) is the text qemu-img prints', async () => {
    for (const args of [['info', 'base.qcow2'], ['info', 'top.qcow2'], ['info', '--backing-chain', 'top.qcow2']]) {
      const ours = await run([...args, '--allow-backing'], dir.path);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.stdout, qemuImg(args, dir.path), args.join(' '));
    }
  });

  it('snapshots: the qemu-img snapshot -l table, the 9.0 layout, and JSON details', async () => {
    const ours = await run(['snapshots', 'base.qcow2'], dir.path);
    assert.equal(ours.stdout, qemuImg(['snapshot', '-l', 'base.qcow2'], dir.path));
    const v9 = await run(['snapshots', '--layout', '9.0', 'base.qcow2'], dir.path);
    const lines = v9.stdout.split('\n');
    assert.equal(lines[1], 'ID      TAG               VM_SIZE                DATE        VM_CLOCK     ICOUNT');
    assert.match(lines[2] ?? '', /^1       before-upgrade        0 B \d{4}-\d\d-\d\d \d\d:\d\d:\d\d  0000:00:00.000          0$/);
    const details = JSON.parse((await run(['snapshots', '--details', 'base.qcow2'], dir.path)).stdout) as Array<Record<string, unknown>>;
    assert.equal(details.length, 2);
    assert.equal(details[0]?.['disk-size'], 8 * 1024 * 1024);
    assert.deepEqual(details[0]?.['l1-problems'], []);
  });

  it('check: stdout, stderr and exit code of qemu-img check', async () => {
    const good = await run(['check', 'base.qcow2'], dir.path);
    assert.equal(good.code, 0);
    assert.equal(good.stdout, qemuImg(['check', 'base.qcow2'], dir.path));
    copyFileSync(dir.file('base.qcow2'), dir.file('leaky.qcow2'));
    // Shrink nothing, just claim one more reference on the header cluster: a leak qemu reports too.
    const refTable = Number((await import('node:fs')).readFileSync(dir.file('leaky.qcow2')).readBigUInt64BE(48));
    const refBlock = Number((await import('node:fs')).readFileSync(dir.file('leaky.qcow2')).readBigUInt64BE(refTable) & ~0x1ffn);
    poke(dir.file('leaky.qcow2'), refBlock, Buffer.from([0, 2]));
    const ref = qemuImgRun(['check', 'leaky.qcow2'], dir.path);
    const ours = await run(['check', 'leaky.qcow2'], dir.path);
    assert.equal(ours.code, 3);
    assert.equal(ours.code, ref.status);
    assert.equal(ours.stdout, ref.stdout);
    const findings = JSON.parse((await run(['check', '--findings', 'leaky.qcow2'], dir.path)).stdout) as Array<{ code: string }>;
    assert.deepEqual(findings.map((f) => f.code), ['LEAKED_CLUSTER']);
    const raw = await run(['check', '-f', 'raw', 'base.qcow2'], dir.path);
    assert.equal(raw.code, 63);
  });

  it('map: JSON as qemu-img, and a human table that does not stop at compressed clusters', async () => {
    const json = await run(['map', '--json', '--allow-backing', 'top.qcow2'], dir.path);
    assert.equal(json.stdout, qemuImg(['map', '--output=json', 'top.qcow2'], dir.path));
    const refused = await run(['map', '--json', 'top.qcow2'], dir.path);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not opening .*base\.qcow2/);
    const human = await run(['map', '--allow-backing', 'top.qcow2'], dir.path);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /^0x200000 +0x10000 +- +\n/m);
    assert.match(human.stdout, /^0x400000 +0x10000 +0x[0-9a-f]+ +top\.qcow2$/m);
  });

  it('detect: every matching format; a polyglot is ambiguous (exit 2)', async () => {
    const plain = await run(['detect', '--json', 'base.qcow2'], dir.path);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal((JSON.parse(plain.stdout) as { format: string }).format, 'qcow2');
    // VDI's signature lands on qcow2's snapshots_offset, harmless in an image without snapshots.
    qemuImg(['create', '-q', '-f', 'qcow2', 'poly.qcow2', '1M'], dir.path);
    poke(dir.file('poly.qcow2'), 0x40, Buffer.from([0x7f, 0x10, 0xda, 0xbe]));
    const poly = await run(['detect', 'poly.qcow2'], dir.path);
    assert.equal(poly.code, 2);
    assert.match(poly.stdout, /poly\.qcow2: ambiguous/);
    assert.match(poly.stdout, /vdi \(score 100\)/);
    const info = await run(['info', 'poly.qcow2'], dir.path);
    assert.equal(info.code, 1);
    assert.match(info.stderr, /matches several formats/);
    const forced = await run(['info', '-f', 'qcow2', 'poly.qcow2'], dir.path);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, qemuImg(['info', '-f', 'qcow2', 'poly.qcow2'], dir.path));
  });

  it('partitions and usage errors', async () => {
    const disk = Buffer.alloc(1024 * 1024);
    disk.writeUInt8(0x83, 446 + 4);
    disk.writeUInt32LE(2048, 446 + 8);
    disk.writeUInt32LE(100, 446 + 12);
    disk.writeUInt16BE(0x55aa, 510);
    writeFileSync(dir.file('disk.raw'), disk);
    const parts = await run(['partitions', '-f', 'raw', 'disk.raw'], dir.path);
    assert.equal(parts.code, 0);
    assert.match(parts.stdout, /^1 +1048576 +51200  83$/m);
    const help = await run(['--help'], dir.path);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^  check FILE +like qemu-img check/m);
    assert.equal((await run(['frobnicate', 'disk.raw'], dir.path)).code, 1);
    assert.equal((await run(['info'], dir.path)).code, 1);
    assert.equal((await run(['info', '--format', 'nope', 'disk.raw'], dir.path)).code, 1);
  });

  it('--layout: a layout the command does not have is a usage error, not the default layout', async () => {
    for (const [args, message] of [[['snapshots', '--layout', '9'], /unknown layout '9' for snapshots \(7\.2 or 9\.0\)/],
      [['map', '--json', '--layout', '9.0'], /unknown layout '9\.0' for map \(7\.2 or 8\.2\)/], [['info', '--layout', '9.0'], /info takes no --layout/]] as const) {
      const r = await run([...args, 'base.qcow2'], dir.path);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
    const named = await run(['map', '--json', '--layout', '8.2', 'base.qcow2'], dir.path);
    assert.equal(named.code, 0, named.stderr);
    assert.match(named.stdout, /"compressed": /);
  });

  it('an option the command does not read is a usage error, not ignored', async () => {
    for (const [args, message] of [[['detect', '--backing-chain'], /detect takes no --backing-chain \(it takes --json\)/],
      [['partitions', '--findings', '--lenient'], /partitions takes no --findings, --lenient/], [['snapshots', '-f', 'qcow2', '--allow-backing'], /snapshots takes no --allow-backing/],
      [['map', '--details'], /map takes no --details/]] as const) {
      const r = await run([...args, 'base.qcow2'], dir.path);
      assert.equal(r.code, 1, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
    // The spellings of one option count as that option.
    assert.equal((await run(['map', '--output=json', 'base.qcow2'], dir.path)).code, 0);
    assert.equal((await run(['snapshots', '-f', 'qcow2', '--details', 'base.qcow2'], dir.path)).code, 0);
  });

  it('a check that cannot run says so as qemu-img does, not as a failed open', async () => {
    qemuImg(['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', 'huge.qcow2', '64M'], dir.path);
    truncateSync(dir.file('huge.qcow2'), 8 * 2 ** 40);
    const ref = qemuImgRun(['check', 'huge.qcow2'], dir.path);
    const ours = await run(['check', 'huge.qcow2'], dir.path);
    assert.equal(ours.code, ref.status);
    assert.equal(ours.stderr, ref.stderr.replace(/^qemu-img: /, 'tsvirt image: '));
    // A check that fails part-way prints the problems it found first, as qemu-img does.
    copyFileSync(dir.file('base.qcow2'), dir.file('far-l1.qcow2'));
    const snapshots = Number(readFileSync(dir.file('far-l1.qcow2')).readBigUInt64BE(64));
    poke(dir.file('far-l1.qcow2'), snapshots, Buffer.from('7fffffffffff0000', 'hex'));
    const partRef = qemuImgRun(['check', 'far-l1.qcow2'], dir.path);
    const part = await run(['check', 'far-l1.qcow2'], dir.path);
    assert.equal(partRef.status, 1);
    assert.equal(part.code, 1);
    assert.equal(part.stdout, partRef.stdout);
    assert.equal(part.stderr, partRef.stderr.replace(/^qemu-img: /m, 'tsvirt image: '));
  });
});

// The examples run as documented: eight on test:///default, one on an image qemu-img made, two
// against the real daemon.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as v from '../generated/index.js';
import { ScratchPool } from './support/daemon.js';

const root = resolve(import.meta.dirname, '..');
const run = (file: string, ...args: string[]): string =>
  execFileSync(process.execPath, ['--import', 'tsx', resolve(root, 'examples', file), ...args], { cwd: root, encoding: 'utf8' });

describe('examples', function () {
  this.timeout(120_000);

  it('generated-layer.ts lists domains and shows a typed error', () => {
    assert.match(run('generated-layer.ts'), /lookup failed as expected: VIR_ERR_NO_DOMAIN/);
  });

  it('list-domains.ts prints state and memory', () => {
    assert.match(run('list-domains.ts'), /^test +running +2048 MiB +2 vCPU$/m);
  });

  it('start-stop-guest.ts defines, starts, stops and undefines', () => {
    assert.deepEqual(run('start-stop-guest.ts').trim().split('\n'), ['defined example-guest: shutoff', 'started: running', 'stopped: shutoff', 'undefined']);
  });

  it('snapshots.ts prints the tree with the branch after the revert', () => {
    const out = run('snapshots.ts');
    // Children are listed oldest first: the order of the two depends on the clock's second.
    const lines = out.trim().split('\n');
    assert.equal(lines[0], 'base  running');
    assert.deepEqual(lines.slice(1, 3).sort(), ['  experiment  (current)  running', '  upgraded  running']);
    assert.match(out, /after delete: 0 snapshots/);
  });

  it('networks.ts lists the networks and leaves one running with autostart on', () => {
    assert.deepEqual(run('networks.ts').trim().split('\n'), ['default      active   bridge virbr0', 'default: active, autostart on']);
  });

  it('host-devices.ts prints the devices as a tree by parent, with their capabilities', () => {
    assert.deepEqual(run('host-devices.ts').trim().split('\n'), [
      'computer  system',
      '  scsi_host1  scsi_host 1 wwpn 1000000012341234',
      '    scsi_host11  scsi_host 11 wwpn 1000000034563456',
      '  scsi_host2  scsi_host 2 wwpn 1000000056785678',
    ]);
  });

  it('watch-events.ts prints the lifecycle events of stopping, starting, pausing and resuming', () => {
    assert.deepEqual(run('watch-events.ts').trim().split('\n'), ['test: stopped (destroyed)', 'test: started (booted)', 'test: suspended (paused)', 'test: resumed (unpaused)']);
  });

  it('storage.ts creates, clones and removes', () => {
    assert.match(run('storage.ts'), /copy\.qcow2: \/example-pool\/copy\.qcow2, 64 MiB, file\npool removed/);
  });

  it('inspect-image.ts reports format, info, snapshots and check of an image qemu-img made', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsvirt-example-image-'));
    try {
      const disk = join(dir, 'disk.qcow2');
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
      execFileSync('qemu-img', ['snapshot', '-c', 'before-upgrade', disk]);
      const out = run('inspect-image.ts', disk);
      assert.match(out, /^looks like qcow2: magic QFI\\xfb at 0, version 3$/m);
      assert.match(out, /^qcow2, 16777216 bytes virtual, \d+ bytes on disk$/m);
      assert.match(out, /^1 +before-upgrade +0 B /m);
      assert.match(out, /^No errors were found on the image\.$/m);
      assert.match(out, /^partition table: none$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compare-snapshots.ts (real hypervisor) shows a snapshot in libvirt and in the image', () => {
    const scratch = new ScratchPool();
    try {
      const disk = scratch.createVolume({ format: 'qcow2' });
      const guest = scratch.defineGuest({ disk });
      v.virDomainSnapshotFree(v.virDomainSnapshotCreateXML(guest.dom, '<domainsnapshot><name>s1</name></domainsnapshot>', 0));
      const out = run('compare-snapshots.ts', guest.name, 'qemu:///system');
      assert.match(out, new RegExp(`^vda  ${disk.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      assert.match(out, /^ {2}s1 +both +0 bytes of VM state$/m);
    } finally {
      scratch.cleanup();
    }
  });

  it('compare-snapshots.ts says which domain it did not find, without a stack trace', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(root, 'examples/compare-snapshots.ts'), 'tsvirt-no-such-domain', 'test:///default'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^compare-snapshots: VIR_ERR_NO_DOMAIN: Domain not found[^\n]*\n$/);
  });

  it('upload-download.ts (real hypervisor) uploads a sparse qcow2 and gets it back identical, holes as holes', () => {
    const scratch = new ScratchPool();
    try {
      const out = run('upload-download.ts', 'qemu:///system', scratch.name);
      assert.match(out, /^identical: yes/m);
      const m = /^uploaded: (\d+) bytes, (\d+) as data, (\d+) as holes$/m.exec(out);
      assert.ok(m, out);
      assert.ok(Number(m[2]) * 10 < Number(m[1]), 'far less data than the image size');
      assert.match(out, /^downloaded: \d+ bytes, \d+ as data, \d+ as holes$/m);
    } finally {
      scratch.cleanup();
    }
  });
});

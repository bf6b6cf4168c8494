// libvirt's snapshots beside a qcow2 image's table, on images made by qemu-img: every table
// entry is in the comparison, also when several share a name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareImageSnapshots } from '../../src/sdk/index.js';
import type { SnapshotNode } from '../../src/sdk/snapshot-tree.js';

const node = (name: string): SnapshotNode =>
  ({ name, parent: null, children: [], descendants: [], state: 'shutoff', creationTime: 1_700_000_000, memory: 'no', current: false });

describe('qcow2 snapshots beside libvirt\'s', function () {
  this.timeout(30_000);
  let dir: string;
  let image: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsvirt-introspection-'));
    image = join(dir, 'disk.qcow2');
    execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '1M']);
    for (const name of ['dup', 'dup', 'solo', 'dup']) execFileSync('qemu-img', ['snapshot', '-c', name, image]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matches a libvirt snapshot with the first entry of its name and lists the other entries as image-only', async () => {
    const r = await compareImageSnapshots('vda', image, [node('dup'), node('gone')]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.snapshots.map((s) => [s.name, s.where, s.image?.id ?? null]), [
      ['dup', 'both', '1'], ['gone', 'libvirt-only', null], ['dup', 'image-only', '2'], ['solo', 'image-only', '3'], ['dup', 'image-only', '4'],
    ]);
  });

  it('lists two libvirt snapshots of one name (two domains on one volume) once each', async () => {
    const r = await compareImageSnapshots('vol', image, [node('solo'), node('solo')]);
    assert.deepEqual(r.snapshots.map((s) => [s.name, s.where, s.image?.id ?? null]), [
      ['solo', 'both', '3'], ['solo', 'libvirt-only', null], ['dup', 'image-only', '1'], ['dup', 'image-only', '2'], ['dup', 'image-only', '4'],
    ]);
  });

  it('takes a snapshot tree or null as well as a list of nodes', async () => {
    const tree = { roots: ['dup'], nodes: new Map([['dup', node('dup')]]), current: null };
    assert.deepEqual((await compareImageSnapshots('vda', image, tree)).snapshots.map((s) => s.where), ['both', 'image-only', 'image-only', 'image-only']);
    assert.deepEqual((await compareImageSnapshots('vda', image, null)).snapshots.map((s) => s.where), ['image-only', 'image-only', 'image-only', 'image-only']);
  });

  it('says why when the file is not a readable qcow2', async () => {
    const r = await compareImageSnapshots('vda', join(dir, 'missing.qcow2'), [node('a')]);
    assert.match(r.error ?? '', /ENOENT/);
    assert.deepEqual(r.snapshots, []);
  });
});

/**
 * A test:/// node file whose dir pool is a temporary directory holding a real backing chain:
 * base.qcow2 (internal snapshot 'early') under top.qcow2, both volumes of pool 'p', and a
 * domain 'g' whose vda is the volume top.qcow2 (vdb and vdc name a missing pool and volume).
 * libvirt's side has the snapshot 'early' (the test driver keeps metadata only).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '../../src/sdk/index.js';

export const qemuImg = (...args: string[]): void => { execFileSync('qemu-img', args); };

export interface VolumeChain {
  dir: string;
  uri: string;
  /** A connection that keeps the driver state (and the snapshot) while the tests run. */
  conn: Connection;
  cleanup(): Promise<void>;
}

const volumeDisk = (dev: string, pool: string, vol: string): string =>
  `<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='${pool}' volume='${vol}'/><target dev='${dev}'/></disk>`;

export async function volumeChain(): Promise<VolumeChain> {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-voldisk-'));
  let conn: Connection | undefined;
  try {
    qemuImg('create', '-q', '-f', 'qcow2', join(dir, 'base.qcow2'), '1M');
    qemuImg('snapshot', '-c', 'early', join(dir, 'base.qcow2'));
    // As an external snapshot leaves it: the overlay names its backing file relative to itself.
    qemuImg('create', '-q', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', join(dir, 'top.qcow2'));
    const volume = (name: string): string => `<volume type='file'><name>${name}</name><capacity>1048576</capacity></volume>`;
    writeFileSync(join(dir, 'node.xml'), `<node>
  <domain type='test'><name>g</name><memory>65536</memory><os><type>hvm</type></os>
    <devices>${volumeDisk('vda', 'p', 'top.qcow2')}${volumeDisk('vdb', 'nopool', 'x')}${volumeDisk('vdc', 'p', 'novol')}</devices></domain>
  <pool type='dir'><name>p</name><target><path>${dir}</path></target>${volume('top.qcow2')}${volume('base.qcow2')}</pool>
</node>`);
    const uri = `test://${join(dir, 'node.xml')}`;
    const opened = await Connection.open(uri);
    conn = opened;
    {
      using dom = await opened.lookupDomain('g');
      (await dom.createSnapshot({ name: 'early', disks: [] })).free();
    }
    return {
      dir, uri, conn: opened,
      async cleanup() {
        await opened.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    // Whatever step failed, nothing is left: the connection, the images, the directory.
    await conn?.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

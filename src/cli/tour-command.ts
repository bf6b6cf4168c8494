// tsvirt tour: the README's first command. Connects (default test:///default), prints the
// versions, the node, every domain with state and memory, and every storage pool with volumes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from '../../generated/index.js';
import { formatVersion } from '../ffi/index.js';
import { connectUri, noArguments, parseCommandArgs, printTable, type Io } from './args.js';

const stateNames = Object.fromEntries(Object.entries(v.virDomainState).map(([k, n]) => [n, k.replace('VIR_DOMAIN_', '').toLowerCase()]));

export async function runTour(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { connect: { type: 'string', short: 'c' } });
  noArguments('tour', positionals);
  const uri = connectUri(values.connect);
  const conn = v.virConnectOpen(uri);
  try {
    io.stdout.write(`connected to ${uri} (${v.virConnectGetType(conn)} driver, libvirt ${formatVersion(v.virConnectGetLibVersion(conn))})\n`);
    const node = v.virNodeGetInfo(conn);
    io.stdout.write(`node: ${node.cpus} CPUs (${node.model}), ${Number(node.memory / 1024n)} MiB\n\n`);
    listDomains(conn, io);
    io.stdout.write('\n');
    listPools(conn, io);
  } finally {
    v.virConnectClose(conn);
  }
  io.stdout.write('\n');
  return sampleImage(io);
}

/**
 * Makes a small qcow2 image with an internal snapshot (qemu-img) and inspects it offline. Its
 * temporary directory is deleted before the tour ends, so the image is shown by its file name:
 * the full path would name a file that no longer exists once the output is read.
 */
async function sampleImage(io: Io): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tsvirt-tour-'));
  const name = 'sample.qcow2';
  const image = join(dir, name);
  try {
    try {
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', image, '64M']);
      execFileSync('qemu-img', ['snapshot', '-c', 'first', image]);
    } catch {
      io.stdout.write('sample image: skipped (qemu-img from qemu-utils is not installed)\n');
      return 0;
    }
    const { imageInfo } = await import('../image/info-api.js');
    const { infoHumanText } = await import('../image/info-human.js');
    // info lists the internal snapshots too: one table, as qemu-img info prints it.
    const info = await imageInfo(image, { format: 'qcow2', displayName: name });
    io.stdout.write(`sample image ${name} (made by qemu-img in a temporary directory, deleted after the tour), inspected offline:\n`);
    io.stdout.write(info.images.map((i) => infoHumanText(i)).join('\n'));
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function listDomains(conn: v.virConnectPtr, io: Io): void {
  const domains = v.virConnectListAllDomains(conn, 0);
  try {
    printTable(io, ['DOMAIN', 'STATE', 'VCPUS', 'MEMORY (MiB)'], domains.map((d) => {
      const info = v.virDomainGetInfo(d);
      return [v.virDomainGetName(d), stateNames[info.state] ?? String(info.state), String(info.nrVirtCpu), String(info.memory / 1024n)];
    }));
  } finally {
    for (const d of domains) v.virDomainFree(d);
  }
}

function listPools(conn: v.virConnectPtr, io: Io): void {
  const pools = v.virConnectListAllStoragePools(conn, 0);
  try {
    const rows: string[][] = [];
    for (const p of pools) {
      const info = v.virStoragePoolGetInfo(p);
      const volumes = info.state === v.VIR_STORAGE_POOL_RUNNING ? v.virStoragePoolListAllVolumes(p, 0) : [];
      rows.push([v.virStoragePoolGetName(p), String(info.capacity / 1024n ** 3n), String(volumes.length)]);
      for (const vol of volumes) v.virStorageVolFree(vol);
    }
    printTable(io, ['POOL', 'CAPACITY (GiB)', 'VOLUMES'], rows);
  } finally {
    for (const p of pools) v.virStoragePoolFree(p);
  }
}

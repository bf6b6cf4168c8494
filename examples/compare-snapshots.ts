// Compare libvirt's snapshots of a guest with the internal snapshots stored in its qcow2 disks
// and their backing files (read offline from the image files). NEEDS A REAL HYPERVISOR whose
// disk images are readable from this machine, e.g. the local QEMU driver
// (scripts/setup-libvirtd.sh sets one up):
//   npx tsx examples/compare-snapshots.ts DOMAIN [URI=qemu:///system]
import { Connection, isLibvirtError, type DiskSnapshots, type SnapshotComparison } from 'tsvirt/sdk';

const [name, uri = 'qemu:///system'] = process.argv.slice(2);
if (!name) {
  console.error('usage: compare-snapshots.ts DOMAIN [URI]');
  process.exit(2);
}

/** The file a disk had when a snapshot was taken, where it was another, and what stopped reading it. */
function fileThen(image: SnapshotComparison['snapshotImage']): string {
  if (image === undefined) return '';
  const why = image.error ? `: ${image.error}` : image.chainError ? `, its backing chain not read to its base: ${image.chainError}` : '';
  return ` (the disk was ${image.path ?? '?'} then${why})`;
}

function print(disk: DiskSnapshots): void {
  console.log(`${disk.disk}  ${disk.path ?? '(no path)'}${disk.error ? `  (cannot read: ${disk.error})` : ''}`);
  disk.layers.slice(1).forEach((l, i) => console.log(`  backing file ${i + 1}: ${l.path} (${l.format}, ${l.snapshotCount} internal snapshots)`));
  if (disk.chainError) console.log(`  backing chain not read to its base: ${disk.chainError}`);
  for (const s of disk.snapshots) {
    const then = fileThen(s.snapshotImage);
    const detail = s.image ? `${s.image.vmStateSize} bytes of VM state${s.image.layer > 0 ? ` (in backing file ${s.image.layer})` : ''}${then}`
      : s.external ? `overlay ${s.external.overlay ?? '?'}` : then.trim();
    console.log(`  ${s.name.padEnd(20)} ${s.where.padEnd(13)} ${detail}`);
  }
}

try {
  await using conn = await Connection.open(uri);
  using dom = await conn.lookupDomain(name);
  for (const disk of await dom.diskSnapshots()) print(disk);
} catch (err) {
  if (!isLibvirtError(err)) throw err;
  console.error(`compare-snapshots: ${err.codeName}: ${err.message}`);
  process.exit(1);
}

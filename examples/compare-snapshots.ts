// Compare libvirt's snapshots of a guest with the internal snapshots stored in its qcow2 disks
// (read offline from the image files). NEEDS A REAL HYPERVISOR whose disk images are readable
// from this machine, e.g. the local QEMU driver (scripts/setup-libvirtd.sh sets one up):
//   npx tsx examples/compare-snapshots.ts DOMAIN [URI=qemu:///system]
import { Connection } from '../src/sdk/index.js';

const [name, uri = 'qemu:///system'] = process.argv.slice(2);
if (!name) {
  console.error('usage: compare-snapshots.ts DOMAIN [URI]');
  process.exit(2);
}
await using conn = await Connection.open(uri);
using dom = await conn.lookupDomain(name);
for (const disk of await dom.diskSnapshots()) {
  console.log(`${disk.disk}  ${disk.path}${disk.error ? `  (cannot read: ${disk.error})` : ''}`);
  for (const s of disk.snapshots) {
    const vmState = s.image ? `${s.image.vmStateSize} bytes of VM state` : '';
    console.log(`  ${s.name.padEnd(20)} ${s.where.padEnd(13)} ${vmState}`);
  }
}

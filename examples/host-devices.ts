// The host's devices as a tree by parent, each with what its typed XML says of it: what a script
// looks at before it passes a PCI device or a disk through to a guest. Runs on test:///default
// (SCSI hosts) and shows more on a real host (PCI devices, NICs, disks):
//   npx tsx examples/host-devices.ts [URI]
import { Connection, type NodeDeviceCapability, type NodeDeviceDescription } from 'tsvirt/sdk';

await using conn = await Connection.open(process.argv[2] ?? 'test:///default');

const devices: NodeDeviceDescription[] = [];
for (using dev of await conn.listAllNodeDevices()) devices.push(await dev.getDescription());

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

/** One capability in a few words. */
function summary(c: NodeDeviceCapability): string {
  switch (c.type) {
    case 'pci': return `pci ${hex(c.domain, 4)}:${hex(c.bus, 2)}:${hex(c.slot, 2)}.${c.function} vendor ${c.vendor.id} product ${c.product.id}`;
    case 'net': return `net ${c.interface} ${c.address ?? ''}`.trimEnd();
    case 'storage': return `storage ${c.block}${c.size === undefined ? '' : ` ${c.size / 2n ** 20n} MiB`}`;
    case 'scsi_host': return `scsi_host ${c.host ?? ''}${c.fcHost?.wwpn === undefined ? '' : ` wwpn ${c.fcHost.wwpn}`}`;
    default: return c.type;
  }
}

const children = new Map<string | undefined, NodeDeviceDescription[]>();
const names = new Set(devices.map((d) => d.name));
for (const d of devices) {
  // A parent that is not listed (or none at all) makes the device a root.
  const parent = d.parent !== undefined && names.has(d.parent) ? d.parent : undefined;
  children.set(parent, [...(children.get(parent) ?? []), d]);
}

function print(parent: string | undefined, depth: number): void {
  const level = [...(children.get(parent) ?? [])].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  for (const d of level) {
    console.log(`${'  '.repeat(depth)}${d.name}  ${d.capabilities.map(summary).join(', ')}${d.driver ? `  (driver ${d.driver})` : ''}`);
    print(d.name, depth + 1);
  }
}
print(undefined, 0);

// Create a pool and a qcow2 volume, clone it, clean up. Runs on test:///default; on a real
// hypervisor pass its URI and a directory for the pool:
//   npx tsx examples/storage.ts [URI] [POOL-DIR]
import { Connection } from 'tsvirt/sdk';

await using conn = await Connection.open(process.argv[2] ?? 'test:///default');
using pool = await conn.createStoragePool({ type: 'dir', name: 'example-pool', target: { path: process.argv[3] ?? '/example-pool' } });
try {
  using disk = await pool.createVolume({ name: 'disk.qcow2', capacity: { value: 64n, unit: 'MiB' }, target: { format: { type: 'qcow2' } } });
  using copy = await pool.cloneVolume({ name: 'copy.qcow2', capacity: { value: 64n, unit: 'MiB' }, target: { format: { type: 'qcow2' } } }, disk);
  for (const vol of [disk, copy]) {
    const info = await vol.getInfo();
    console.log(`${vol.name}: ${await vol.getPath()}, ${info.capacity / 1048576n} MiB, ${info.type.name}`);
  }
  await copy.delete(0);
  await disk.delete(0);
} finally {
  await pool.destroy(); // a transient pool disappears when stopped
}
console.log('pool removed');

// Upload a sparse qcow2 image into a storage pool and download it back, with a progress bar:
// holes travel as holes both ways, and the copy comes back as sparse as the original. NEEDS A
// REAL HYPERVISOR (the test driver has no volume upload or download) and qemu-img:
//   npx tsx examples/upload-download.ts [URI=qemu:///system] [POOL]
// Without POOL, a transient dir pool is made in a temporary directory and removed at the end.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, type StoragePool, type TransferProgress } from 'tsvirt/sdk';

const [uri = 'qemu:///system', poolName] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'tsvirt-example-'));

/** A bar on the terminal (nothing when stderr is not one). */
function progress(label: string): (p: TransferProgress) => void {
  return (p) => {
    if (!process.stderr.isTTY || !p.total) return;
    const share = p.bytes / p.total;
    process.stderr.write(`\r${label} [${'#'.repeat(Math.round(share * 40)).padEnd(40)}] ${(share * 100).toFixed(0).padStart(3)}%`);
    if (p.bytes === p.total) process.stderr.write('\n');
  };
}

async function transfer(pool: StoragePool): Promise<void> {
  // 64 MiB of capacity, metadata preallocated (a sparse file), 2 MiB of data written into it.
  const image = join(dir, 'disk.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', 'preallocation=metadata', image, '64M']);
  execFileSync('qemu-io', ['-c', 'write -P 0xab 1M 2M', image], { stdio: 'ignore' });
  console.log(`image: ${statSync(image).size} bytes, ${statSync(image).blocks * 512} allocated`);

  using vol = await pool.createVolume({ name: `example-${process.pid}.qcow2`, capacity: { value: 64n, unit: 'MiB' }, target: { format: { type: 'qcow2' } } });
  try {
    const up = await vol.uploadFile(image, { onProgress: progress('upload  ') });
    console.log(`uploaded: ${up.bytes} bytes, ${up.dataBytes} as data, ${up.holeBytes} as holes`);
    const copy = join(dir, 'copy.qcow2');
    const down = await vol.downloadToFile(copy, { onProgress: progress('download') });
    console.log(`downloaded: ${down.bytes} bytes, ${down.dataBytes} as data, ${down.holeBytes} as holes`);
    console.log(`identical: ${readFileSync(copy).equals(readFileSync(image)) ? 'yes' : 'NO'}, copy allocated: ${statSync(copy).blocks * 512}`);
  } finally {
    await vol.delete(0);
  }
}

try {
  await using conn = await Connection.open(uri);
  if (poolName) {
    using pool = await conn.lookupStoragePool(poolName);
    await transfer(pool);
  } else {
    mkdirSync(join(dir, 'pool'));
    using pool = await conn.createStoragePool({ type: 'dir', name: `example-transfer-${process.pid}`, target: { path: join(dir, 'pool') } });
    try {
      await transfer(pool);
    } finally {
      await pool.destroy(); // a transient pool disappears when stopped
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

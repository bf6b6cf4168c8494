/**
 * Inspecting a disk image offline, without libvirt: what format it is, what qemu-img info would
 * say, its snapshots, a consistency check, and the partitions of the guest disk.
 *
 *   npx tsx examples/inspect-image.ts disk.qcow2 [--allow-backing]
 */
import {
  detectFormat, formatSnapshotList, ImageFile, imageCheck, imageInfo, imageSnapshots, isImageError, openGuestReader, readPartitions,
} from 'tsvirt/image';

async function main(path: string, allowBacking: boolean): Promise<void> {
  // 1. Detection is only a report: it never decides how the file is read.
  const file = ImageFile.open(path);
  const detected = detectFormat(file);
  file.close();
  for (const m of detected.matches) console.log(`looks like ${m.format}: ${m.evidence}`);
  if (detected.format === undefined) throw new Error('the file matches several formats; refusing to guess');
  const format = detected.format;

  // 2. The same facts as `qemu-img info --output=json`, typed.
  const info = await imageInfo(path, { format });
  const top = info.images[0];
  console.log(`${top?.format}, ${top?.['virtual-size']} bytes virtual, ${top?.['actual-size']} bytes on disk`);
  if (top?.['backing-filename']) console.log(`backing file: ${top['backing-filename']} (opened only with --allow-backing)`);
  for (const f of info.findings[0] ?? []) console.log(`finding ${f.code}: ${f.message}`);

  // 3. Internal snapshots, as `qemu-img snapshot -l` prints them.
  process.stdout.write(formatSnapshotList((await imageSnapshots(path, { format })).snapshots));

  // 4. A read-only check with qemu-img's verdict and exit code.
  const check = await imageCheck(path, { format });
  process.stdout.write(check.human);

  // 5. The guest's partition table, read through the backing chain when allowed.
  try {
    const opened = await openGuestReader(path, { format, allowBacking });
    try {
      const table = readPartitions(opened.reader);
      console.log(`partition table: ${table.scheme}`);
      for (const p of table.partitions) console.log(`  #${p.number} start ${p.start} size ${p.size} type ${p.type}${p.name ? ` "${p.name}"` : ''}`);
    } finally {
      opened.close();
    }
  } catch (err) {
    if (!isImageError(err)) throw err;
    console.log(`guest data not read: ${err.message}`);
  }
}

const [path, ...flags] = process.argv.slice(2);
if (!path) {
  console.error('usage: tsx examples/inspect-image.ts IMAGE [--allow-backing]');
  process.exit(1);
}
main(path, flags.includes('--allow-backing')).catch((err: unknown) => {
  console.error(isImageError(err) ? `${err.code}: ${err.message}` : err);
  process.exit(1);
});

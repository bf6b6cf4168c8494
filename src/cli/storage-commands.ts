// tsvirt pool list|info and vol list|info|create|clone|delete|snapshots|upload|download.
import { checkSize, isXmlDocumentError, unitMultiplier, volumeSnapshots, type Connection, type DiskSnapshots, type SizeValue, type StoragePool, type StorageVolume,
  type StoragePoolInfo, type StorageVolumeDescription, type StorageVolumeInfo } from '../sdk/index.js';
import { binarySize, parseCommandArgs, printFields, printJson, printRows, printTable, rowsOf, UsageError, type Io } from './args.js';
import { connectOptions as common, onObject, onObjectWith, runSubcommand, type ConnectValues, type Subcommand } from './connect.js';
import { reportAction } from './action-report.js';
import { choice } from './option-tables.js';
import { byteCount, transfer } from './vol-transfer.js';

/** How the text of pool and vol list and info shows their sizes (bytes in JSON). */
const SIZES = { capacity: binarySize, allocation: binarySize, available: binarySize };

/**
 * The formats `--format` takes: the names libvirt gives volume formats, the file formats of a
 * dir, fs or netfs pool (virStorageFileFormat but 'none', which such a pool refuses) and the
 * partition types of a disk pool (virStorageVolFormatDisk). Another word would reach libvirt,
 * which fails with an XML error instead of a usage error.
 */
const VOLUME_FORMATS = [
  'raw', 'dir', 'bochs', 'cloop', 'dmg', 'iso', 'vpc', 'vdi', 'fat', 'vhd', 'ploop', 'cow', 'qcow', 'qcow2', 'qed', 'vmdk',
  'none', 'linux', 'fat16', 'fat32', 'linux-swap', 'linux-lvm', 'linux-raid', 'extended',
] as const;

const volumeFormat = (format: string | undefined): string | null => (format === undefined ? null : choice('--format', format, VOLUME_FORMATS));

const lookupPool = (conn: Connection, name: string): Promise<StoragePool> => conn.lookupStoragePool(name);
const onPool = onObject<StoragePool, ConnectValues>('NAME', lookupPool);

const poolCommands: Record<string, Subcommand<ConnectValues>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) => printRows(io, values.json, await rowsOf(await conn.listAllStoragePools(), poolRow), {
      NAME: (r) => r.name, STATE: (r) => r.state, CAPACITY: (r) => binarySize(r.capacity), AVAILABLE: (r) => binarySize(r.available), AUTOSTART: (r) => r.autostart,
    }),
  },
  info: onPool(async (pool, values, io) => {
    const [info, desc] = await Promise.all([pool.getInfo(), pool.getDescription()]);
    return printFields(io, values.json, { name: pool.name, uuid: pool.getUUIDString(), type: desc.type, path: desc.target?.path ?? null, ...info }, SIZES);
  }),
};

/** What `pool list` shows of a pool. */
async function poolRow(p: StoragePool): Promise<{ name: string } & StoragePoolInfo & { autostart: boolean }> {
  const [info, autostart] = await Promise.all([p.getInfo(), p.getAutostart()]);
  return { name: p.name, ...info, autostart: autostart === 1 };
}

export async function runPool(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, common);
  return runSubcommand('pool', poolCommands, positionals, values, io);
}

const volOptions = { ...common, format: { type: 'string' }, capacity: { type: 'string' }, allocation: { type: 'string' },
  'no-sparse': { type: 'boolean' }, force: { type: 'boolean' }, offset: { type: 'string' }, length: { type: 'string' } } as const;
type VolValues = ReturnType<typeof parseCommandArgs<typeof volOptions>>['values'];

/** A subcommand on one pool's volumes: the pool is looked up first. */
const inPool = onObjectWith<StoragePool, VolValues>('POOL', lookupPool);

/**
 * A subcommand on one volume of a pool (the pool, then the volume, looked up); `words` are those
 * after the volume's name. `run` gets the pool's name too, which its report gives.
 */
const onVolume = (words: string, run: (vol: StorageVolume, pool: string, rest: string[], values: VolValues, io: Io, conn: Connection) => Promise<number>,
  more: Pick<Subcommand<VolValues>, 'options' | 'check'> = {}): Subcommand<VolValues> =>
  inPool(words ? `VOL ${words}` : 'VOL', async (pool, [name, ...rest], values, io, conn) => {
    using vol = await pool.lookupVolume(name as string);
    return await run(vol, pool.name, rest, values, io, conn);
  }, more);

/** What `vol list` and `vol info` show of a volume (info adds its key after the name). */
async function volumeRow(vol: StorageVolume): Promise<{ name: string; path: string } & StorageVolumeInfo> {
  const [path, info] = await Promise.all([vol.getPath(), vol.getInfo()]);
  return { name: vol.name, path, ...info };
}

const volCommands: Record<string, Subcommand<VolValues>> = {
  list: inPool('', async (pool, _n, values, io) => printRows(io, values.json, await rowsOf(await pool.listAllVolumes(), volumeRow), {
    NAME: (r) => r.name, PATH: (r) => r.path, CAPACITY: (r) => binarySize(r.capacity), ALLOCATION: (r) => binarySize(r.allocation),
  })),
  info: onVolume('', async (vol, _p, _r, values, io) => {
    const { name, ...rest } = await volumeRow(vol);
    return printFields(io, values.json, { name, key: vol.key, ...rest }, SIZES);
  }),
  create: inPool('VOL', async (pool, [name], values, io) => {
    using vol = await pool.createVolume(newVolume(name as string, values));
    const path = await vol.getPath();
    return reportAction(io, values.json, { kind: 'volume', name: vol.name, action: 'create', pool: pool.name, path }, `at ${path}`);
  }, { options: ['capacity', 'format', 'allocation'], check: (values) => { newVolume('', values); } }),
  clone: inPool('SOURCE NEW', async (pool, [from, name], values, io) => {
    using source = await pool.lookupVolume(from as string);
    const info = await source.getInfo();
    using clone = await pool.cloneVolume(volume(name as string, { value: info.capacity }, volumeFormat(values.format), undefined), source);
    return reportAction(io, values.json, { kind: 'volume', name: clone.name, action: 'clone', pool: pool.name, source: source.name }, `from ${source.name}`);
  }, { options: ['format'], check: (values) => { volumeFormat(values.format); } }),
  delete: onVolume('', async (vol, pool, _r, values, io) => {
    const name = vol.name;
    await vol.delete(0);
    return reportAction(io, values.json, { kind: 'volume', name, action: 'delete', pool });
  }),
  snapshots: onVolume('', async (vol, _p, _r, values, io, conn) => {
    const domains = await conn.listAllDomains();
    try {
      return printVolumeSnapshots(await volumeSnapshots(vol, domains), io, values.json);
    } finally {
      for (const d of domains) d.free();
    }
  }),
  upload: transferCommand('upload', ['no-sparse', 'offset']),
  download: transferCommand('download', ['no-sparse', 'offset', 'length', 'force']),
};

export async function runVol(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, volOptions);
  return runSubcommand('vol', volCommands, positionals, values, io);
}

function transferCommand(sub: 'upload' | 'download', options: string[]): Subcommand<VolValues> {
  const range = (values: VolValues): { offset: number | undefined; length: number | undefined } =>
    ({ offset: byteCount('--offset', values.offset), length: byteCount('--length', values.length) });
  return onVolume('FILE', (vol, pool, [file], values, io) => transfer(sub, vol, pool, file as string, { ...values, ...range(values) }, io), { options, check: range });
}

/** The description `vol create` makes: --capacity is required, --format defaults to qcow2. */
function newVolume(name: string, values: VolValues): StorageVolumeDescription {
  if (values.capacity === undefined) throw new UsageError('vol create needs --capacity SIZE (bytes, or with a unit: 64M, 10G)');
  const allocation = values.allocation === undefined ? undefined : size('--allocation', values.allocation);
  return volume(name, size('--capacity', values.capacity), volumeFormat(values.format) ?? 'qcow2', allocation);
}

/**
 * A size option: bytes, or a number with one of libvirt's units (64M, 10G, 1TiB, 500MB), held
 * to the typed builders' rules (checkSize: at most 2^64-1 bytes), as a usage error.
 */
function size(option: string, s: string): SizeValue {
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(s.trim());
  if (!m || (m[2] && unitMultiplier(m[2]) === undefined)) throw new UsageError(`${option}: not a size: ${s} (bytes, or with a unit: 64M, 10G, 1TiB, 500MB)`);
  const value: SizeValue = m[2] ? { value: BigInt(m[1] as string), unit: m[2] } : { value: BigInt(m[1] as string) };
  try {
    checkSize(value, option);
  } catch (err) {
    if (isXmlDocumentError(err)) throw new UsageError(err.message); // "--capacity: 16E is more than 2^64-1 bytes"
    throw err;
  }
  return value;
}

function volume(name: string, capacity: SizeValue, format: string | null, allocation: SizeValue | undefined): StorageVolumeDescription {
  return {
    name, capacity,
    ...(allocation ? { allocation } : {}),
    ...(format === null ? {} : { target: { format: { type: format } } }),
  };
}

function printVolumeSnapshots(s: DiskSnapshots, io: Io, json: boolean | undefined): number {
  // An image that could not be read fails the command in both forms; JSON still says why.
  if (json) { printJson(io, s); return s.error ? 1 : 0; }
  if (s.error) { io.stderr.write(`tsvirt: ${s.path}: ${s.error}\n`); return 1; }
  printTable(io, ['NAME', 'WHERE', 'VM STATE (bytes)', 'IMAGE DATE', 'VM CLOCK (s)', 'LIBVIRT STATE', 'FILE', 'PROBLEMS'], s.snapshots.map((x) => [
    x.name, x.where, x.image ? String(x.image.vmStateSize) : '', x.image ? new Date(x.image.dateSec * 1000).toISOString() : '',
    x.image ? (Number(x.image.vmClockNsec) / 1e9).toFixed(3) : '', x.libvirt?.state ?? '', snapshotFile(x), x.image?.problems.join('; ') ?? '']));
  if (s.chainError) io.stderr.write(`tsvirt: warning: ${s.path}: backing chain read only ${s.layers.length} image(s) deep: ${s.chainError}\n`);
  return 0;
}

/** Where a snapshot's data is when it is not in the volume's own image: a backing file, or an external snapshot's overlay. */
function snapshotFile(x: DiskSnapshots['snapshots'][number]): string {
  if (x.image && x.image.layer > 0) return x.image.imagePath;
  return x.external?.overlay ? `overlay ${x.external.overlay}` : '';
}

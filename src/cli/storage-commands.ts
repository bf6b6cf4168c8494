// tsvirt pool list|info and vol list|info|create|clone|delete|snapshots|upload|download.
import { checkSize, isXmlDocumentError, unitMultiplier, volumeSnapshots, type Connection, type DiskSnapshots, type SizeValue, type StoragePool, type StorageVolume,
  type StoragePoolInfo, type StorageVolumeDescription, type StorageVolumeInfo, type TransferResult } from '../sdk/index.js';
import { interruptible, parseCommandArgs, printFields, printJson, printRows, printTable, rowsOf, UsageError, type Io } from './args.js';
import { connectOptions as common, onObject, onObjectWith, report, runSubcommand, type ConnectValues, type Subcommand } from './connect.js';
import { progressBar } from './image-command.js';

const gib = (n: bigint): string => (Number(n) / 2 ** 30).toFixed(2);

const lookupPool = (conn: Connection, name: string): Promise<StoragePool> => conn.lookupStoragePool(name);
const onPool = onObject<StoragePool, ConnectValues>('NAME', lookupPool);

const poolCommands: Record<string, Subcommand<ConnectValues>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) => printRows(io, values.json, await rowsOf(await conn.listAllStoragePools(), poolRow), {
      NAME: (r) => r.name, STATE: (r) => r.state, 'CAPACITY (GiB)': (r) => gib(r.capacity), 'AVAILABLE (GiB)': (r) => gib(r.available), AUTOSTART: (r) => r.autostart,
    }),
  },
  info: onPool(async (pool, values, io) => {
    const [info, desc] = await Promise.all([pool.getInfo(), pool.getDescription()]);
    return printFields(io, values.json, { name: pool.name, uuid: pool.getUUIDString(), type: desc.type, path: desc.target?.path ?? null, ...info });
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

/** A subcommand on one volume of a pool (the pool, then the volume, looked up); `words` are those after the volume's name. */
const onVolume = (words: string, run: (vol: StorageVolume, rest: string[], values: VolValues, io: Io, conn: Connection) => Promise<number>,
  more: Pick<Subcommand<VolValues>, 'options' | 'check'> = {}): Subcommand<VolValues> =>
  inPool(words ? `VOL ${words}` : 'VOL', async (pool, [name, ...rest], values, io, conn) => {
    using vol = await pool.lookupVolume(name as string);
    return await run(vol, rest, values, io, conn);
  }, more);

/** What `vol list` and `vol info` show of a volume (info adds its key after the name). */
async function volumeRow(vol: StorageVolume): Promise<{ name: string; path: string } & StorageVolumeInfo> {
  const [path, info] = await Promise.all([vol.getPath(), vol.getInfo()]);
  return { name: vol.name, path, ...info };
}

const volCommands: Record<string, Subcommand<VolValues>> = {
  list: inPool('', async (pool, _n, values, io) => printRows(io, values.json, await rowsOf(await pool.listAllVolumes(), volumeRow), {
    NAME: (r) => r.name, PATH: (r) => r.path, 'CAPACITY (GiB)': (r) => gib(r.capacity), 'ALLOCATION (GiB)': (r) => gib(r.allocation),
  })),
  info: onVolume('', async (vol, _r, values, io) => {
    const { name, ...rest } = await volumeRow(vol);
    return printFields(io, values.json, { name, key: vol.key, ...rest });
  }),
  create: inPool('VOL', async (pool, [name], values, io) => {
    using vol = await pool.createVolume(newVolume(name as string, values));
    const path = await vol.getPath();
    return report(io, values.json, { created: name, path }, `volume ${name} created at ${path}`);
  }, { options: ['capacity', 'format', 'allocation'], check: (values) => { newVolume('', values); } }),
  clone: inPool('SOURCE NEW', async (pool, [from, name], values, io) => {
    using source = await pool.lookupVolume(from as string);
    const info = await source.getInfo();
    (await pool.cloneVolume(volume(name as string, { value: info.capacity }, values.format ?? null, undefined), source)).free();
    return report(io, values.json, { cloned: from, to: name }, `volume ${from} cloned to ${name}`);
  }, { options: ['format'] }),
  delete: onVolume('', async (vol, _r, values, io) => {
    const name = vol.name;
    await vol.delete(0);
    return report(io, values.json, { deleted: name }, `volume ${name} deleted`);
  }),
  snapshots: onVolume('', async (vol, _r, values, io, conn) => {
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
  return onVolume('FILE', (vol, [file], values, io) => transfer(sub, vol, file as string, { ...values, ...range(values) }, io), { options, check: range });
}

interface TransferFlags {
  json?: boolean | undefined; 'no-sparse'?: boolean | undefined; force?: boolean | undefined; offset: number | undefined; length: number | undefined;
}

function byteCount(option: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`${option}: not a byte count: ${s}`);
  return Number(s);
}

/**
 * vol upload / vol download: holes travel as lengths unless --no-sparse (a download keeps them
 * in the file; an upload sends them where that loses nothing of the volume, else zeros); a
 * progress bar on a terminal's stderr. download refuses to replace FILE unless --force, and
 * never leaves a partial FILE behind.
 */
function transfer(sub: 'upload' | 'download', vol: StorageVolume, file: string, values: TransferFlags, io: Io): Promise<number> {
  const what = sub === 'upload' ? `the upload was aborted; volume ${vol.name} holds part of ${file}` : `the download was aborted; ${file} was not written`;
  return interruptible(io, what, (signal) => transferUntil(signal, sub, vol, file, values, io));
}

async function transferUntil(signal: AbortSignal, sub: 'upload' | 'download', vol: StorageVolume, file: string, values: TransferFlags, io: Io): Promise<number> {
  const { offset, length } = values;
  const bar = progressBar(io, true);
  const common = {
    signal,
    sparse: values['no-sparse'] !== true,
    onProgress: (p: { bytes: number; total: number | null }) => bar.tick(p.bytes, p.total ?? 0),
  };
  let r: TransferResult;
  try {
    r = sub === 'upload'
      ? await vol.uploadFile(file, { ...common, ...(offset === undefined ? {} : { offset }) })
      : await vol.downloadToFile(file, { ...common, force: values.force === true, ...(offset === undefined ? {} : { offset }),
        ...(length === undefined ? {} : { length }) });
  } finally {
    bar.end();
  }
  const what = { [sub === 'upload' ? 'uploaded' : 'downloaded']: file, volume: vol.name, bytes: r.bytes, dataBytes: r.dataBytes, holeBytes: r.holeBytes, total: r.total };
  const text = `${sub === 'upload' ? `uploaded ${file} to` : `downloaded ${file} from`} volume ${vol.name}: ${r.bytes} bytes (${r.dataBytes} as data, ${r.holeBytes} as holes)`;
  return report(io, values.json, what, text);
}

/** The description `vol create` makes: --capacity is required, --format defaults to qcow2. */
function newVolume(name: string, values: VolValues): StorageVolumeDescription {
  if (values.capacity === undefined) throw new UsageError('vol create needs --capacity SIZE (bytes, or with a unit: 64M, 10G)');
  const allocation = values.allocation === undefined ? undefined : size('--allocation', values.allocation);
  return volume(name, size('--capacity', values.capacity), values.format ?? 'qcow2', allocation);
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

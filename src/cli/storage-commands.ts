// tsvirt pool list|info and vol list|info|create|clone|delete|snapshots|upload|download.
import { volumeSnapshots, type DiskSnapshots, type SizeValue, type StoragePool, type StorageVolume, type StorageVolumeDescription,
  type TransferResult } from '../sdk/index.js';
import { parseCommandArgs, printJson, printTable, UsageError, type Io } from './args.js';
import { connectOptions as common, report, withConnection } from './connect.js';
import { progressBar } from './image-command.js';

const gib = (n: bigint): string => (Number(n) / 2 ** 30).toFixed(2);

export async function runPool(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, common);
  const [sub, name] = positionals;
  return withConnection(values.connect, async (conn) => {
    if (sub === 'list') {
      const pools = await conn.listAllStoragePools();
      try {
        const rows = await Promise.all(pools.map(async (p) => ({ name: p.name, ...(await p.getInfo()), autostart: (await p.getAutostart()) === 1 })));
        if (values.json) { printJson(io, rows); return 0; }
        printTable(io, ['NAME', 'STATE', 'CAPACITY (GiB)', 'AVAILABLE (GiB)', 'AUTOSTART'], rows.map((r) => [r.name, r.state.name, gib(r.capacity), gib(r.available), r.autostart ? 'yes' : 'no']));
        return 0;
      } finally {
        for (const p of pools) p.free();
      }
    }
    if (sub === 'info' && name) {
      using pool = await conn.lookupStoragePool(name);
      const [info, desc] = await Promise.all([pool.getInfo(), pool.getDescription()]);
      const row = { name, uuid: pool.getUUIDString(), type: desc.type, path: desc.target?.path ?? null, ...info };
      if (values.json) { printJson(io, row); return 0; }
      printTable(io, ['FIELD', 'VALUE'], Object.entries(row).map(([k, v]) => [k, typeof v === 'object' && v !== null ? (v as { name: string }).name : String(v)]));
      return 0;
    }
    throw new UsageError('pool list | pool info NAME');
  });
}

export async function runVol(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...common, format: { type: 'string' }, capacity: { type: 'string' }, allocation: { type: 'string' },
    ...transferOptions });
  const [sub, poolName, volName, extra] = positionals;
  if (!sub || !poolName) throw new UsageError('vol list|info|create|clone|delete|snapshots|upload|download POOL [VOL] ...');
  return withConnection(values.connect, async (conn) => {
    using pool = await conn.lookupStoragePool(poolName);
    switch (sub) {
      case 'list': return await listVolumes(pool, io, values.json);
      case 'info': {
        using vol = await pool.lookupVolume(required(volName, 'vol info POOL VOL'));
        const [info, path] = await Promise.all([vol.getInfo(), vol.getPath()]);
        const row = { name: vol.name, key: vol.key, path, type: info.type.name, capacity: info.capacity, allocation: info.allocation };
        if (values.json) printJson(io, row);
        else printTable(io, ['FIELD', 'VALUE'], Object.entries(row).map(([k, v]) => [k, String(v)]));
        return 0;
      }
      case 'create': {
        const name = required(volName, 'vol create POOL VOL --capacity SIZE [--format qcow2|raw]');
        const capacity = required(values.capacity, '--capacity SIZE (bytes, or with a unit: 64M, 10G)');
        const vol = await pool.createVolume(volume(name, capacity, values.format ?? 'qcow2', values.allocation));
        const path = await vol.getPath();
        vol.free();
        return report(io, values.json, { created: name, path }, `volume ${name} created at ${path}`);
      }
      case 'clone': {
        const from = required(volName, 'vol clone POOL SOURCE NEW');
        const name = required(extra, 'vol clone POOL SOURCE NEW');
        using source = await pool.lookupVolume(from);
        const info = await source.getInfo();
        const vol = await pool.cloneVolume(volume(name, String(info.capacity), values.format ?? null, undefined), source);
        vol.free();
        return report(io, values.json, { cloned: from, to: name }, `volume ${from} cloned to ${name}`);
      }
      case 'delete': {
        using vol = await pool.lookupVolume(required(volName, 'vol delete POOL VOL'));
        await vol.delete(0);
        return report(io, values.json, { deleted: volName }, `volume ${volName} deleted`);
      }
      case 'snapshots': {
        using vol = await pool.lookupVolume(required(volName, 'vol snapshots POOL VOL'));
        const domains = await conn.listAllDomains();
        try {
          return printVolumeSnapshots(await volumeSnapshots(vol, domains), io, values.json);
        } finally {
          for (const d of domains) d.free();
        }
      }
      case 'upload': case 'download': {
        const usage = `vol ${sub} POOL VOL FILE [--no-sparse] [--offset N]${sub === 'download' ? ' [--length N] [--force]' : ''}`;
        const [name, file] = [required(volName, usage), required(extra, usage)];
        // An upload sends all of FILE and writes no local file: the two would be silently ignored.
        if (sub === 'upload' && (values.length !== undefined || values.force === true)) throw new UsageError(`vol upload takes no --length or --force\nusage: tsvirt ${usage}`);
        const range = { offset: byteCount('--offset', values.offset), length: byteCount('--length', values.length) };
        using vol = await pool.lookupVolume(name);
        return await transfer(sub, vol, file, { ...values, ...range }, io);
      }
      default: throw new UsageError(`vol: unknown subcommand ${sub}`);
    }
  });
}

const transferOptions = {
  'no-sparse': { type: 'boolean' }, force: { type: 'boolean' }, offset: { type: 'string' }, length: { type: 'string' },
} as const;

interface TransferFlags {
  json?: boolean | undefined; 'no-sparse'?: boolean | undefined; force?: boolean | undefined; offset: number | undefined; length: number | undefined;
}

function byteCount(option: string, s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`${option}: not a byte count: ${s}`);
  return Number(s);
}

/**
 * vol upload / vol download: sparse unless --no-sparse (holes travel as lengths, and a
 * download keeps them in the file); a progress bar on a terminal's stderr. download refuses to
 * replace FILE unless --force, and never leaves a partial FILE behind.
 */
async function transfer(sub: 'upload' | 'download', vol: StorageVolume, file: string, values: TransferFlags, io: Io): Promise<number> {
  const { offset, length } = values;
  const bar = progressBar(io, true);
  const common = {
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

function required(value: string | undefined, usage: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing argument: ${usage}`);
  return value;
}

/** A typed volume description; sizes take libvirt's units (64M, 10G) or bytes. */
function volume(name: string, capacity: string, format: string | null, allocation: string | undefined): StorageVolumeDescription {
  const size = (option: string, s: string): SizeValue => {
    const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(s.trim());
    if (!m) throw new UsageError(`${option}: not a size: ${s}`);
    return { value: BigInt(m[1] as string), unit: m[2] || 'bytes' };
  };
  return {
    name, capacity: size('--capacity', capacity),
    ...(allocation ? { allocation: size('--allocation', allocation) } : {}),
    ...(format === null ? {} : { target: { format: { type: format } } }),
  };
}

async function listVolumes(pool: StoragePool, io: Io, json: boolean | undefined): Promise<number> {
  const vols = await pool.listAllVolumes();
  try {
    const rows = await Promise.all(vols.map(async (v) => ({ name: v.name, path: await v.getPath(), ...(await v.getInfo()) })));
    if (json) { printJson(io, rows); return 0; }
    printTable(io, ['NAME', 'PATH', 'CAPACITY (GiB)', 'ALLOCATION (GiB)'], rows.map((r) => [r.name, r.path, gib(r.capacity), gib(r.allocation)]));
    return 0;
  } finally {
    for (const v of vols) v.free();
  }
}

function printVolumeSnapshots(s: DiskSnapshots, io: Io, json: boolean | undefined): number {
  if (json) { printJson(io, s); return 0; }
  if (s.error) { io.stderr.write(`tsvirt: ${s.path}: ${s.error}\n`); return 1; }
  printTable(io, ['NAME', 'WHERE', 'VM STATE (bytes)', 'IMAGE DATE', 'VM CLOCK (s)', 'LIBVIRT STATE', 'PROBLEMS'], s.snapshots.map((x) => [
    x.name, x.where, x.image ? String(x.image.vmStateSize) : '', x.image ? new Date(x.image.dateSec * 1000).toISOString() : '',
    x.image ? (Number(x.image.vmClockNsec) / 1e9).toFixed(3) : '', x.libvirt?.state ?? '', x.image?.problems.join('; ') ?? '']));
  return 0;
}

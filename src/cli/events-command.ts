// tsvirt events [--domain NAME] [--types a,b] [--count N] [--json]: prints events as they
// happen until interrupted (Ctrl-C), or until N events were printed. One line per event: text,
// or JSON (JSON lines) with --json. A line on stderr says when libvirt delivers the events.
// Without --types: every event type of the families (domain, network, ...) that the
// connection's driver supports; the others are named on stderr. QEMU monitor events (raw QMP,
// which repeat what the domain events say) only when asked for: --types qemu:monitor.
import { isLibvirtError, VIR_ERR_NO_SUPPORT } from '../ffi/index.js';
import { eventCatalog, LibvirtObject, type Connection, type ConnectionEvent, type LibvirtEventName } from '../sdk/index.js';
import { families } from '../sdk/events/catalog.js';
import { UsageError, noArguments, parseCommandArgs, withInterruptSignal, type Io } from './args.js';
import { connectOptions, noDomain, withConnection } from './connect.js';

const options = { ...connectOptions, domain: { type: 'string', short: 'd' }, types: { type: 'string' }, count: { type: 'string' } } as const;

export async function runEvents(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, options);
  noArguments('events', positionals);
  const types = parseTypes(values.types);
  const all = values.types === undefined;
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0) || (count !== Infinity && !Number.isInteger(count))) throw new UsageError(`--count must be a positive integer, got ${values.count}`);
  return withConnection(values.connect, async (conn) => {
    // Registration failures reach the loop below through the stream; no process warnings too.
    const quiet = (): void => undefined;
    conn.on('error', quiet);
    try {
      const chosen = all ? await supportedTypes(conn, types, io) : types;
      return await watch(conn, io, { types: chosen, count, json: values.json === true, domain: values.domain });
    } finally {
      conn.off('error', quiet);
    }
  }, io);
}

/** `types` without the families whose registration the driver refuses (test:/// has no secret events). */
async function supportedTypes(conn: Connection, types: LibvirtEventName[], io: Io): Promise<LibvirtEventName[]> {
  const familyOf = (t: string): string => t.slice(0, t.indexOf(':'));
  const unsupported = new Set<string>();
  for (const family of new Set(types.map(familyOf))) {
    const probe = types.find((t) => familyOf(t) === family) as LibvirtEventName;
    const noop = (): void => undefined;
    conn.on(probe, noop);
    try {
      await conn.eventsReady();
    } catch (err) {
      if (!isLibvirtError(err) || err.code !== VIR_ERR_NO_SUPPORT) throw err;
      unsupported.add(family);
    } finally {
      conn.off(probe, noop);
    }
  }
  if (unsupported.size > 0) io.stderr.write(`tsvirt: this connection's driver has no ${[...unsupported].join(', ')} events\n`);
  return types.filter((t) => !unsupported.has(familyOf(t)));
}

function parseTypes(flag: string | undefined): LibvirtEventName[] {
  if (flag === undefined) return [...eventCatalog.values()].filter((s) => !families[s.family].onlyWhenNamed).map((s) => s.name) as LibvirtEventName[];
  const types = flag.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  // A watch of no types would register nothing, and nothing would keep the process alive.
  if (types.length === 0) throw new UsageError(`--types names no event type (got '${flag}'; one of: ${[...eventCatalog.keys()].join(', ')})`);
  const unknown = types.filter((t) => !eventCatalog.has(t));
  if (unknown.length > 0) throw new UsageError(`--types: unknown event type ${unknown.join(', ')} (one of: ${[...eventCatalog.keys()].join(', ')})`);
  return types as LibvirtEventName[];
}

interface WatchOptions { types: LibvirtEventName[]; count: number; json: boolean; domain: string | undefined }

/** Prints events until --count or Ctrl-C (the normal end here: exit 0). */
function watch(conn: Connection, io: Io, o: WatchOptions): Promise<number> {
  return withInterruptSignal((signal) => watchUntil(signal, conn, io, o));
}

async function watchUntil(signal: AbortSignal, conn: Connection, io: Io, o: WatchOptions): Promise<number> {
  const stream = conn.events({ types: o.types, signal, ...(o.domain === undefined ? {} : { domain: o.domain }) });
  let printed = 0;
  try {
    await stream.ready;
    if (o.domain !== undefined && !(await domainExists(conn, o.domain))) {
      // Not refused: a watch may wait for the domain to be defined; said, in case of a typo.
      io.stderr.write(`tsvirt: no domain '${o.domain}' exists now; its events show if one by that name or UUID appears\n`);
    }
    io.stderr.write(`tsvirt: watching ${o.types.length === eventCatalog.size ? 'all' : o.types.length} event type${o.types.length === 1 ? '' : 's'}${o.domain ? ` of ${o.domain}` : ''} (Ctrl-C to stop)\n`);
    for await (const e of stream) {
      io.stdout.write(`${o.json ? JSON.stringify(plain(e), bigints) : text(e)}\n`);
      release(e);
      if (++printed >= o.count) break;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  return 0;
}

async function domainExists(conn: Connection, key: string): Promise<boolean> {
  try {
    (await conn.lookupDomain(key)).free();
    return true;
  } catch (err) {
    if (noDomain(err)) return false;
    throw err;
  }
}

const bigints = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? v.toString() : v);

/** The event without its SDK objects (their names and UUIDs are fields of their own). */
function plain(e: ConnectionEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { time: new Date().toISOString() };
  for (const [k, v] of Object.entries(e)) if (!(v instanceof LibvirtObject)) out[k] = v;
  return out;
}

/** Frees the event's objects (its domain, pool, network, device or secret). */
function release(e: ConnectionEvent): void {
  for (const v of Object.values(e)) if (v instanceof LibvirtObject) v.free();
}

/** `TIME TYPE SUBJECT details`: named values by name, the rest as key=value. */
function text(e: ConnectionEvent): string {
  const p = plain(e);
  const subject = p['domainName'] ?? p['poolName'] ?? p['networkName'] ?? p['deviceName'] ?? p['secretUuid'] ?? '';
  const skip = new Set(['time', 'type', 'domainName', 'domainUuid', 'poolName', 'poolUuid', 'networkName', 'networkUuid', 'deviceName', 'secretUuid']);
  const details = Object.entries(p).filter(([k]) => !skip.has(k)).map(([k, v]) => {
    if (v !== null && typeof v === 'object' && 'name' in v && 'code' in v) return `${k}=${String((v as { name: string }).name)}`;
    return `${k}=${typeof v === 'object' ? JSON.stringify(v, bigints) : String(v)}`;
  });
  return `${String(p['time'])} ${e.type} ${String(subject)} ${details.join(' ')}`.trimEnd();
}

// tsvirt domain|snapshot: VM management through the SDK. Every command takes
// --connect URI and --json; libvirt failures print the error name and message (main.ts).
import { addAbortSignal } from 'node:stream';
import { SnapshotDeleteMode, type Connection, type Domain, type SnapshotDiskDescription, type SnapshotTree } from '../sdk/index.js';
import { withOutputFile } from '../sdk/output-file.js';
import * as v from '../../generated/index.js';
import { interruptible, parseCommandArgs, printJson, printTable, readXml, UsageError, type Io } from './args.js';
import { connectOptions as common, noDomain, report as done, runSubcommand, type Subcommand } from './connect.js';

// ---- domain -----------------------------------------------------------------------------------

/** IDs are C ints: a longer run of digits can only be a name. */
const MAX_DOMAIN_ID = 2 ** 31 - 1;

/**
 * The domain a user named by name, UUID or ID, as virsh takes them: digits are tried as a
 * running domain's ID first, then as a name. A failure names what was looked up, which some
 * drivers' errors do not ("Domain not found").
 */
async function findDomain(conn: Connection, key: string): Promise<Domain> {
  try {
    if (/^\d+$/.test(key) && Number(key) <= MAX_DOMAIN_ID) {
      try {
        return await conn.lookupDomain(Number(key));
      } catch (err) {
        if (!noDomain(err)) throw err;
      }
    }
    return await conn.lookupDomain(key);
  } catch (err) {
    if (noDomain(err) && !err.message.includes(`'${key}'`)) err.message += ` (no domain has the name, UUID or ID '${key}')`;
    throw err;
  }
}

const domainOptions = { ...common, screen: { type: 'string' }, force: { type: 'boolean' }, inactive: { type: 'boolean' } } as const;
type DomainValues = ReturnType<typeof parseCommandArgs<typeof domainOptions>>['values'];

/** An action on one domain by name, reported as `{ domain, action }`. */
const action = (verb: string, act: (d: Domain) => Promise<unknown>): Subcommand<DomainValues> => ({
  words: 'NAME',
  run: async (conn, [name], values, io) => {
    using d = await findDomain(conn, name as string);
    await act(d);
    return done(io, values.json, { domain: name, action: verb }, `domain ${name}: ${verb} done`);
  },
});

const domainCommands: Record<string, Subcommand<DomainValues>> = {
  list: { words: '', run: (conn, _w, values, io) => listDomains(conn, io, values.json) },
  info: { words: 'NAME', run: (conn, [name], values, io) => domainInfo(conn, name as string, io, values.json) },
  define: {
    words: 'FILE',
    run: async (conn, [file], values, io) => {
      const d = await conn.defineDomain(readXml(file as string));
      const name = d.name;
      d.free();
      return done(io, values.json, { defined: name }, `domain ${name} defined`);
    },
  },
  xml: {
    words: 'NAME', options: ['inactive'],
    run: async (conn, [name], values, io) => {
      using d = await findDomain(conn, name as string);
      const xml = await d.getXml(values.inactive ? v.VIR_DOMAIN_XML_INACTIVE : 0);
      if (values.json) printJson(io, { domain: d.name, xml });
      else io.stdout.write(xml.endsWith('\n') ? xml : `${xml}\n`);
      return 0;
    },
  },
  screenshot: {
    words: 'NAME FILE', options: ['screen', 'force'], check: (values) => { screenNumber(values.screen); },
    run: async (conn, [name, file], values, io) => {
      using d = await findDomain(conn, name as string);
      return await screenshot(d, file as string, values, io);
    },
  },
  start: action('start', (d) => d.start()),
  shutdown: action('shutdown', (d) => d.shutdown()),
  destroy: action('destroy', (d) => d.destroy()),
  reboot: action('reboot', (d) => d.reboot(0)),
  suspend: action('suspend', (d) => d.suspend()),
  resume: action('resume', (d) => d.resume()),
  undefine: action('undefine', (d) => d.undefine()),
};

export async function runDomain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, domainOptions);
  return runSubcommand('domain', domainCommands, positionals, values, io);
}

async function domainInfo(conn: Connection, name: string, io: Io, json: boolean | undefined): Promise<number> {
  using d = await findDomain(conn, name);
  const info = await d.getInfo();
  if (json) { printJson(io, { name: d.name, uuid: d.uuid, ...info }); return 0; }
  printTable(io, ['FIELD', 'VALUE'], [['name', d.name], ['uuid', d.uuid], ['state', info.state.name], ['vcpus', String(info.vcpus)],
    ['memory (KiB)', String(info.memoryKiB)], ['max memory (KiB)', String(info.maxMemoryKiB)], ['cpu time (ns)', String(info.cpuTimeNs)]]);
  return 0;
}

function screenNumber(s: string | undefined): number {
  const screen = s === undefined ? 0 : Number(s);
  if (!/^\d+$/.test(s ?? '0') || !Number.isSafeInteger(screen)) throw new UsageError(`--screen: not a screen number: ${s ?? ''}`);
  return screen;
}

/**
 * Saves a screenshot to FILE and prints its MIME type (the format is the hypervisor's: PNG from
 * the test driver and from QEMU 7.2). FILE is not replaced unless --force, and a failed transfer
 * leaves no FILE behind.
 */
async function screenshot(d: Domain, file: string, values: { json?: boolean | undefined; screen?: string | undefined; force?: boolean | undefined },
  io: Io): Promise<number> {
  const screen = screenNumber(values.screen);
  return interruptible(io, `the screenshot was aborted; ${file} was not written`, async (signal) => {
    const { mimeType, bytes } = await withOutputFile(file, values.force === true, async (fh) => {
      const shot = await d.screenshot(screen);
      let bytes = 0;
      for await (const chunk of addAbortSignal(signal, shot.data) as AsyncIterable<Buffer>) {
        await fh.write(chunk);
        bytes += chunk.length;
      }
      return { mimeType: shot.mimeType, bytes };
    });
    return done(io, values.json, { domain: d.name, file, mimeType, bytes }, mimeType);
  });
}

async function listDomains(conn: Connection, io: Io, json: boolean | undefined): Promise<number> {
  const domains = await conn.listAllDomains();
  try {
    const infos = await Promise.all(domains.map((d) => d.getInfo()));
    const rows = domains.map((d, i) => ({ name: d.name, uuid: d.uuid, ...(infos[i] as NonNullable<(typeof infos)[number]>) }));
    if (json) { printJson(io, rows); return 0; }
    printTable(io, ['NAME', 'STATE', 'VCPUS', 'MEMORY (MiB)'], rows.map((r) => [r.name, r.state.name, String(r.vcpus), String(r.memoryKiB / 1024n)]));
    return 0;
  } finally {
    for (const d of domains) d.free();
  }
}

// ---- snapshot ---------------------------------------------------------------------------------

const snapshotOptions = { ...common, tree: { type: 'boolean' }, description: { type: 'string' }, 'disk-only': { type: 'boolean' }, overlay: { type: 'string', multiple: true },
  children: { type: 'boolean' }, 'children-only': { type: 'boolean' }, 'metadata-only': { type: 'boolean' } } as const;
type SnapshotValues = ReturnType<typeof parseCommandArgs<typeof snapshotOptions>>['values'];

/** A subcommand on one domain's snapshots: the domain is looked up first. */
const onDomain = (words: string, run: (dom: Domain, names: string[], values: SnapshotValues, io: Io) => Promise<number>,
  more: Partial<Subcommand<SnapshotValues>> = {}): Subcommand<SnapshotValues> => ({
  ...more,
  words: `DOMAIN${words ? ` ${words}` : ''}`,
  run: async (conn, [domainName, ...names], values, io) => {
    using dom = await findDomain(conn, domainName as string);
    return await run(dom, names, values, io);
  },
});

const snapshotCommands: Record<string, Subcommand<SnapshotValues>> = {
  list: onDomain('', async (dom, _n, values, io) => printSnapshots(await dom.snapshotTree(), io, values.json, values.tree), { options: ['tree'] }),
  current: onDomain('', async (dom, _n, values, io) => {
    const cur = await dom.currentSnapshot();
    const name = cur?.name ?? null;
    cur?.free();
    return done(io, values.json, { current: name }, name ?? '(no current snapshot)');
  }),
  create: onDomain('[NAME]', async (dom, [snapName], values, io) => {
    const name = snapName ?? `snap-${Math.floor(Date.now() / 1000)}`;
    const flags = values['disk-only'] ? 16 /* VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY */ : 0;
    const disks = overlayDisks(values);
    const s = await dom.createSnapshot({ name, ...(values.description ? { description: values.description } : {}), disks }, flags);
    s.free();
    return done(io, values.json, { created: name }, `snapshot ${name} created`);
  }, { options: ['description', 'disk-only', 'overlay'], check: overlayDisks }),
  revert: onDomain('NAME', async (dom, [name], values, io) => {
    using s = await dom.lookupSnapshot(name as string);
    await s.revert();
    return done(io, values.json, { snapshot: name, action: 'revert' }, `snapshot ${name}: revert done`);
  }),
  delete: onDomain('NAME', async (dom, [name], values, io) => {
    using s = await dom.lookupSnapshot(name as string);
    await s.delete(deleteMode(values));
    return done(io, values.json, { snapshot: name, action: 'delete' }, `snapshot ${name}: delete done`);
  }, { options: ['children', 'children-only', 'metadata-only'], check: deleteMode }),
};

/**
 * The disks of a disk-only snapshot from `--overlay DISK=FILE` (repeatable): each named disk
 * gets the overlay FILE, which libvirt cannot name itself for a pool volume's disk. Disks not
 * named get libvirt's default.
 */
export function overlayDisks(values: Pick<SnapshotValues, 'overlay' | 'disk-only'>): SnapshotDiskDescription[] {
  const specs = values.overlay ?? [];
  if (specs.length > 0 && !values['disk-only']) throw new UsageError('--overlay applies to a --disk-only snapshot');
  const seen = new Set<string>();
  return specs.map((spec) => {
    const m = /^([^=]+)=(\/.*)$/.exec(spec);
    if (!m) throw new UsageError(`--overlay: expected DISK=/absolute/path, got ${spec}`);
    const [, disk, file] = m as unknown as [string, string, string];
    if (seen.has(disk)) throw new UsageError(`--overlay: disk ${disk} named twice`);
    seen.add(disk);
    return { name: disk, snapshot: 'external', source: { file } };
  });
}

export async function runSnapshot(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, snapshotOptions);
  return runSubcommand('snapshot', snapshotCommands, positionals, values, io);
}

/**
 * virDomainSnapshotDelete's flags from the options. --metadata-only combines with either of the
 * others (libvirt keeps the disk data of every snapshot it deletes); the two are exclusive.
 */
export function deleteMode(values: Pick<SnapshotValues, 'children' | 'children-only' | 'metadata-only'>): number {
  if (values.children && values['children-only']) throw new UsageError('snapshot delete: --children and --children-only exclude each other');
  return (values.children ? SnapshotDeleteMode.withChildren : 0) | (values['children-only'] ? SnapshotDeleteMode.childrenOnly : 0)
    | (values['metadata-only'] ? SnapshotDeleteMode.metadataOnly : 0);
}

function printSnapshots(tree: SnapshotTree, io: Io, json: boolean | undefined, asTree: boolean | undefined): number {
  const nodes = [...tree.nodes.values()];
  if (json) { printJson(io, asTree ? { roots: tree.roots, current: tree.current, nodes } : nodes); return 0; }
  if (asTree) {
    // Depth first with a stack of its own: a chain of snapshots can be thousands deep.
    const stack = [...tree.roots].reverse().map((name) => ({ name, depth: 0 }));
    for (let top = stack.pop(); top; top = stack.pop()) {
      const n = tree.nodes.get(top.name);
      if (!n) continue;
      io.stdout.write(`${'  '.repeat(top.depth)}${n.current ? '* ' : ''}${n.name}\n`);
      for (let i = n.children.length - 1; i >= 0; i--) stack.push({ name: n.children[i] as string, depth: top.depth + 1 });
    }
    return 0;
  }
  printTable(io, ['NAME', 'CREATED', 'STATE', 'PARENT', 'CURRENT'], nodes.map((n) => [n.name,
    n.creationTime === null ? '' : new Date(n.creationTime * 1000).toISOString(), n.state ?? '', n.parent ?? '', n.current ? 'yes' : '']));
  return 0;
}

// tsvirt domain|snapshot: VM management through the SDK. Every command takes
// --connect URI and --json; libvirt failures print the error name and message (main.ts).
import { addAbortSignal } from 'node:stream';
import { SnapshotDeleteMode, type Connection, type Domain, type DomainInfo, type SnapshotDiskDescription, type SnapshotTree } from '../sdk/index.js';
import { withOutputFile } from '../sdk/output-file.js';
import * as v from '../../generated/index.js';
import { interruptible, parseCommandArgs, printFields, printJson, printRows, readXml, rowsOf, sortedRows, UsageError, type Io } from './args.js';
import { connectOptions as common, noDomain, onObject, onObjectWith, report as done, runSubcommand, type Subcommand } from './connect.js';

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

/** What `domain list` and `domain info` show of a domain. */
async function domainRow(d: Domain): Promise<{ name: string; uuid: string } & DomainInfo> {
  return { name: d.name, uuid: d.uuid, ...(await d.getInfo()) };
}

const onDomain = onObject<Domain, DomainValues>('NAME', findDomain);

/** An action on one domain, reported as `{ domain, action }` with the domain's name (also when it was named by UUID or ID). */
const action = (verb: string, act: (d: Domain) => Promise<unknown>): Subcommand<DomainValues> => onDomain(async (d, values, io) => {
  const name = d.name;
  await act(d);
  return done(io, values.json, { domain: name, action: verb }, `domain ${name}: ${verb} done`);
});

const domainCommands: Record<string, Subcommand<DomainValues>> = {
  list: {
    words: '',
    run: async (conn, _w, values, io) => printRows(io, values.json, await rowsOf(await conn.listAllDomains(), domainRow), {
      NAME: (r) => r.name, STATE: (r) => r.state, VCPUS: (r) => r.vcpus, 'MEMORY (MiB)': (r) => r.memoryKiB / 1024n,
    }),
  },
  info: onDomain(async (d, values, io) => printFields(io, values.json, await domainRow(d))),
  define: {
    words: 'FILE',
    run: async (conn, [file], values, io) => {
      using d = await conn.defineDomain(readXml(file as string));
      return done(io, values.json, { defined: d.name }, `domain ${d.name} defined`);
    },
  },
  xml: onDomain(async (d, values, io) => {
    const xml = await d.getXml(values.inactive ? v.VIR_DOMAIN_XML_INACTIVE : 0);
    if (values.json) printJson(io, { domain: d.name, xml });
    else io.stdout.write(xml.endsWith('\n') ? xml : `${xml}\n`);
    return 0;
  }, { options: ['inactive'] }),
  screenshot: onObjectWith<Domain, DomainValues>('NAME', findDomain)('FILE', (d, [file], values, io) => screenshot(d, file as string, values, io), {
    options: ['screen', 'force'], check: (values) => { screenNumber(values.screen); },
  }),
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

// ---- snapshot ---------------------------------------------------------------------------------

const snapshotOptions = { ...common, tree: { type: 'boolean' }, description: { type: 'string' }, 'disk-only': { type: 'boolean' }, overlay: { type: 'string', multiple: true },
  children: { type: 'boolean' }, 'children-only': { type: 'boolean' }, 'metadata-only': { type: 'boolean' } } as const;
type SnapshotValues = ReturnType<typeof parseCommandArgs<typeof snapshotOptions>>['values'];

/** A subcommand on one domain's snapshots: the domain is looked up first. */
const inDomain = onObjectWith<Domain, SnapshotValues>('DOMAIN', findDomain);

const snapshotCommands: Record<string, Subcommand<SnapshotValues>> = {
  list: inDomain('', async (dom, _n, values, io) => printSnapshots(await dom.snapshotTree(), io, values.json, values.tree), { options: ['tree'] }),
  current: inDomain('', async (dom, _n, values, io) => {
    using cur = await dom.currentSnapshot();
    const name = cur?.name ?? null;
    return done(io, values.json, { current: name }, name ?? '(no current snapshot)');
  }),
  create: inDomain('[NAME]', async (dom, [snapName], values, io) => {
    const name = snapName ?? `snap-${Math.floor(Date.now() / 1000)}`;
    const flags = values['disk-only'] ? 16 /* VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY */ : 0;
    const disks = overlayDisks(values);
    (await dom.createSnapshot({ name, ...(values.description ? { description: values.description } : {}), disks }, flags)).free();
    return done(io, values.json, { created: name }, `snapshot ${name} created`);
  }, { options: ['description', 'disk-only', 'overlay'], check: overlayDisks }),
  revert: inDomain('NAME', async (dom, [name], values, io) => {
    using s = await dom.lookupSnapshot(name as string);
    await s.revert();
    return done(io, values.json, { snapshot: name, action: 'revert' }, `snapshot ${name}: revert done`);
  }),
  delete: inDomain('NAME', async (dom, [name], values, io) => {
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

/**
 * `snapshot list`: by name (a node's first field), as the other lists and virsh's snapshot-list,
 * where the tree has them oldest first; --tree prints the tree.
 */
function printSnapshots(tree: SnapshotTree, io: Io, json: boolean | undefined, asTree: boolean | undefined): number {
  if (asTree) return printSnapshotTree(tree, io, json);
  return printRows(io, json, sortedRows([...tree.nodes.values()]), {
    NAME: (n) => n.name, CREATED: (n) => (n.creationTime === null ? null : new Date(n.creationTime * 1000).toISOString()),
    STATE: (n) => n.state, PARENT: (n) => n.parent, CURRENT: (n) => n.current,
  });
}

/** Each snapshot under its parent, children oldest first; as JSON the tree's roots, current snapshot and nodes. */
function printSnapshotTree(tree: SnapshotTree, io: Io, json: boolean | undefined): number {
  if (json) { printJson(io, { roots: tree.roots, current: tree.current, nodes: [...tree.nodes.values()] }); return 0; }
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

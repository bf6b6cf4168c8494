// tsvirt snapshot: a domain's snapshots, as virsh's snapshot-list, snapshot-create-as,
// snapshot-current, snapshot-revert and snapshot-delete.
import { SnapshotDeleteMode, type Domain, type SnapshotDiskDescription, type SnapshotTree } from '../sdk/index.js';
import * as v from '../../generated/index.js';
import { parseCommandArgs, printJson, printRows, sortedRows, UsageError, type Io } from './args.js';
import { connectOptions as common, onObjectWith, runSubcommand, type Subcommand } from './connect.js';
import { reportAction } from './action-report.js';
import { findDomain } from './domain-commands.js';
import { exclusive, flagsOf, switches, type FlagTable } from './option-tables.js';

/** `snapshot create`'s switches, as virsh's snapshot-create-as. */
export const CREATE_FLAGS = {
  'disk-only': { flag: v.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY, why: 'the disks only, as external overlays (--overlay names them), no memory state' },
  live: { flag: v.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE, why: 'the guest keeps running while its memory is saved' },
  halt: { flag: v.VIR_DOMAIN_SNAPSHOT_CREATE_HALT, why: 'the guest is stopped once the snapshot is taken' },
  quiesce: { flag: v.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE, why: 'the guest agent freezes the file systems while the disks are taken' },
  atomic: { flag: v.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC, why: 'every disk or none (libvirt refuses where it cannot promise that)' },
} as const satisfies FlagTable;

/** `snapshot revert`'s switches, as virsh's snapshot-revert. */
export const REVERT_FLAGS = {
  running: { flag: v.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING, why: 'the domain runs afterwards, whatever state the snapshot was taken in' },
  paused: { flag: v.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED, why: 'the domain is paused afterwards' },
  force: { flag: v.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE, why: 'revert where libvirt finds it risky (a definition it cannot check against the running guest)' },
} as const satisfies FlagTable;

const snapshotOptions = {
  ...common, tree: { type: 'boolean' }, description: { type: 'string' }, overlay: { type: 'string', multiple: true },
  children: { type: 'boolean' }, 'children-only': { type: 'boolean' }, 'metadata-only': { type: 'boolean' },
  ...switches(CREATE_FLAGS), ...switches(REVERT_FLAGS),
} as const;
type SnapshotValues = ReturnType<typeof parseCommandArgs<typeof snapshotOptions>>['values'];

/** A subcommand on one domain's snapshots: the domain is looked up first. */
const inDomain = onObjectWith<Domain, SnapshotValues>('DOMAIN', findDomain);

const snapshotCommands: Record<string, Subcommand<SnapshotValues>> = {
  list: inDomain('', async (dom, _n, values, io) => printSnapshots(await dom.snapshotTree(), io, values.json, values.tree), { options: ['tree'] }),
  current: inDomain('', async (dom, _n, values, io) => {
    using cur = await dom.currentSnapshot();
    const name = cur?.name ?? null;
    if (values.json) printJson(io, { current: name });
    else io.stdout.write(`${name ?? '(no current snapshot)'}\n`);
    return 0;
  }),
  create: inDomain('[NAME]', async (dom, [snapName], values, io) => {
    const name = snapName ?? `snap-${Math.floor(Date.now() / 1000)}`;
    const disks = overlayDisks(values);
    (await dom.createSnapshot({ name, ...(values.description ? { description: values.description } : {}), disks }, flagsOf(CREATE_FLAGS, values))).free();
    return reportAction(io, values.json, { kind: 'snapshot', name, action: 'create', domain: dom.name });
  }, { options: ['description', 'overlay', ...Object.keys(CREATE_FLAGS)], check: overlayDisks }),
  revert: inDomain('NAME', async (dom, [name], values, io) => {
    using s = await dom.lookupSnapshot(name as string);
    await s.revert(revertFlags(values));
    return reportAction(io, values.json, { kind: 'snapshot', name: s.name, action: 'revert', domain: dom.name });
  }, { options: Object.keys(REVERT_FLAGS), check: revertFlags }),
  delete: inDomain('NAME', async (dom, [name], values, io) => {
    using s = await dom.lookupSnapshot(name as string);
    await s.delete(deleteMode(values));
    return reportAction(io, values.json, { kind: 'snapshot', name: s.name, action: 'delete', domain: dom.name });
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

/** virDomainRevertToSnapshot's flags from the options: --running and --paused exclude each other, as in libvirt. */
export function revertFlags(values: Readonly<Record<string, unknown>>): number {
  exclusive('snapshot revert', values, 'running', 'paused');
  return flagsOf(REVERT_FLAGS, values);
}

/**
 * virDomainSnapshotDelete's flags from the options. --metadata-only combines with either of the
 * others (libvirt keeps the disk data of every snapshot it deletes); the two are exclusive.
 */
export function deleteMode(values: Pick<SnapshotValues, 'children' | 'children-only' | 'metadata-only'>): number {
  exclusive('snapshot delete', values, 'children', 'children-only');
  return (values.children ? SnapshotDeleteMode.withChildren : 0) | (values['children-only'] ? SnapshotDeleteMode.childrenOnly : 0)
    | (values['metadata-only'] ? SnapshotDeleteMode.metadataOnly : 0);
}

/** What `snapshot list` prints, with or without --tree, for a domain that has none. */
const NO_SNAPSHOTS = '(no snapshots)';

/**
 * `snapshot list`: by name (a node's first field), as the other lists and virsh's snapshot-list,
 * where the tree has them oldest first; --tree prints the tree.
 */
function printSnapshots(tree: SnapshotTree, io: Io, json: boolean | undefined, asTree: boolean | undefined): number {
  if (!json && tree.nodes.size === 0) {
    io.stdout.write(`${NO_SNAPSHOTS}\n`);
    return 0;
  }
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

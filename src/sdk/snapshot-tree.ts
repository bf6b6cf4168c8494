// A domain's snapshots as a tree, read in one pass: the list, then every snapshot's XML in one
// message to a call thread. Nodes carry names and metadata; no handle is left open.
import { sharedPool, fromClone, toError } from './engine/call-pool.js';
import { invoke } from './surface.js';
import { VIR_ERR_NO_DOMAIN_SNAPSHOT } from '../../generated/index.js';
import type { Domain } from './domain.js';
import type { DomainSnapshot } from './domain-snapshot.js';
import { parseSnapshotXml } from './xml/index.js';
import { savedSourceOf, type SnapshotDiskSource } from './disk-images.js';

export interface SnapshotNode {
  name: string;
  parent: string | null;
  /** Direct children, oldest first (then by name). */
  children: string[];
  /** Every snapshot below this one, depth first. */
  descendants: string[];
  /** The domain state the snapshot captured (running, shutoff, disk-snapshot, ...). */
  state: string | null;
  /** Seconds since the epoch, as libvirt records it. */
  creationTime: number | null;
  /** 'internal', 'external' or 'no' (no memory state). */
  memory: string | null;
  current: boolean;
  /**
   * What the snapshot did with each disk, as its XML says: `name` is the disk's target (vda;
   * libvirt lists every disk the domain had, by target, also one given by path when the
   * snapshot was made) or, in nodes built by hand, a source path; `snapshot` 'internal',
   * 'external', 'no' or 'manual', and `file` the overlay an external snapshot created. Empty
   * when the XML has no disk list; absent when the nodes were built by hand.
   */
  disks?: readonly SnapshotNodeDisk[];
  /**
   * Where each disk's image was when the snapshot was taken, from the domain definition libvirt
   * saved with it: a path, a pool and a volume, or a network disk's protocol and name. Absent
   * when libvirt saved no definition, or the nodes were built by hand.
   */
  diskSources?: readonly SnapshotDiskSource[];
}

export interface SnapshotNodeDisk {
  readonly name: string;
  readonly snapshot: string | null;
  readonly file: string | null;
}

export interface SnapshotTree {
  /** Snapshots without a parent, oldest first (then by name). */
  roots: string[];
  /** Every snapshot by name, oldest first (then by name). */
  nodes: Map<string, SnapshotNode>;
  /** The current snapshot; null also when it was made after the listing (it is not in `nodes`). */
  current: string | null;
}

/** The fields of <domainsnapshot> the tree needs, from the typed snapshot document. */
function summary(xml: string): Pick<SnapshotNode, 'name' | 'parent' | 'state' | 'creationTime' | 'memory' | 'disks' | 'diskSources'> {
  const d = parseSnapshotXml(xml);
  const disks = d.disks.map((x) => ({ name: x.name, snapshot: x.snapshot ?? null, file: x.source?.file ?? x.source?.dev ?? null }));
  const out = { name: d.name, parent: d.parent ?? null, state: d.state ?? null, creationTime: d.creationTime ?? null, memory: d.memory?.snapshot ?? null, disks };
  if (d.domain === undefined) return out;
  const diskSources = d.domain.devices.disks.filter((x) => (x.device ?? 'disk') === 'disk').flatMap((x) => savedSourceOf(x) ?? []);
  return { ...out, diskSources };
}

export async function snapshotTree(domain: Domain): Promise<SnapshotTree> {
  const snapshots = (await invoke('virDomainListAllSnapshots', [domain, 0])) as DomainSnapshot[];
  try {
    // Both settle before the snapshots are freed (finally), also when one fails.
    const [read, cur] = await Promise.allSettled([
      sharedPool().each('virDomainSnapshotGetXMLDesc', snapshots.map((s) => [s.handle, 0])),
      domain.currentSnapshot(),
    ]);
    const current = cur.status === 'fulfilled' ? cur.value : null;
    const currentName = current?.name ?? null;
    current?.free();
    if (read.status === 'rejected') throw read.reason;
    if (cur.status === 'rejected') throw cur.reason;
    const xmls = read.value;
    const nodes = new Map<string, SnapshotNode>();
    for (const o of xmls) {
      // A snapshot deleted since the listing is left out, as if listed a moment later.
      if (!o.ok && o.error.code === VIR_ERR_NO_DOMAIN_SNAPSHOT) continue;
      if (!o.ok) throw toError(o.error);
      const s = summary(fromClone(o.value) as string);
      nodes.set(s.name, { ...s, children: [], descendants: [], current: s.name === currentName });
    }
    // Named only when listed: a current snapshot made since the listing is not in the tree.
    return link(nodes, currentName !== null && nodes.has(currentName) ? currentName : null);
  } finally {
    for (const s of snapshots) s.free();
  }
}

function link(listed: Map<string, SnapshotNode>, current: string | null): SnapshotTree {
  // libvirt lists in no fixed order: oldest first, then by name, so output is stable. The map
  // is built in that order too, so its iteration order is the listing's.
  const older = (x: SnapshotNode, y: SnapshotNode): number => (x.creationTime ?? 0) - (y.creationTime ?? 0) || x.name.localeCompare(y.name);
  const nodes = new Map([...listed.values()].sort(older).map((n) => [n.name, n]));
  const roots: string[] = [];
  for (const n of nodes.values()) {
    const parent = n.parent === null ? undefined : nodes.get(n.parent);
    if (parent) parent.children.push(n.name);
    else roots.push(n.name);
  }
  fillDescendants(nodes, roots);
  return { roots, nodes, current };
}

/**
 * Each node's descendants, depth first, from its children's lists: nodes are visited parents
 * first without recursion (a chain of thousands of snapshots is as deep as it is long), then
 * filled children first, so that every list is built once, from lists already built.
 */
function fillDescendants(nodes: Map<string, SnapshotNode>, roots: readonly string[]): void {
  const parentsFirst: SnapshotNode[] = [];
  const stack = roots.map((r) => nodes.get(r) as SnapshotNode);
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    parentsFirst.push(n);
    for (const c of n.children) stack.push(nodes.get(c) as SnapshotNode);
  }
  for (let i = parentsFirst.length - 1; i >= 0; i--) {
    const n = parentsFirst[i] as SnapshotNode;
    const out: string[] = [];
    for (const c of n.children) {
      out.push(c);
      for (const d of (nodes.get(c) as SnapshotNode).descendants) out.push(d);
    }
    n.descendants = out;
  }
}

// tsvirt domain|snapshot|pool|vol: VM management through the SDK. Every command takes
// --connect URI and --json; libvirt failures print the error name and message (main.ts).
import { readFileSync } from 'node:fs';
import { SnapshotDeleteMode, type Connection, type Domain, type SnapshotTree } from '../sdk/index.js';
import { withOutputFile } from '../sdk/output-file.js';
import { parseCommandArgs, printJson, printTable, UsageError, type Io } from './args.js';
import { connectOptions as common, report as done, withConnection } from './connect.js';

function need(positionals: string[], count: number, usage: string): string[] {
  if (positionals.length < count) throw new UsageError(`missing arguments: ${usage}`);
  return positionals;
}

/** XML from a file argument, or "-" for standard input. */
function readXml(path: string): string {
  return readFileSync(path === '-' ? 0 : path, 'utf8');
}

// ---- domain -----------------------------------------------------------------------------------

const domainActions: Record<string, (d: Domain) => Promise<unknown>> = {
  start: (d) => d.start(),
  shutdown: (d) => d.shutdown(),
  destroy: (d) => d.destroy(),
  reboot: (d) => d.reboot(0),
  suspend: (d) => d.suspend(),
  resume: (d) => d.resume(),
  undefine: (d) => d.undefine(),
};

export async function runDomain(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...common, screen: { type: 'string' }, force: { type: 'boolean' } });
  const [sub, ...rest] = positionals;
  return withConnection(values.connect, async (conn) => {
    if (sub === 'list') return listDomains(conn, io, values.json);
    if (sub === 'define') {
      const [file] = need(rest, 1, 'domain define FILE.xml');
      const d = await conn.defineDomain(readXml(file as string));
      const name = d.name;
      d.free();
      return done(io, values.json, { defined: name }, `domain ${name} defined`);
    }
    if (sub === 'info') {
      const [name] = need(rest, 1, 'domain info NAME');
      using d = await conn.lookupDomain(name as string);
      const info = await d.getInfo();
      if (values.json) { printJson(io, { name: d.name, uuid: d.uuid, ...info }); return 0; }
      printTable(io, ['FIELD', 'VALUE'], [['name', d.name], ['uuid', d.uuid], ['state', info.state.name], ['vcpus', String(info.vcpus)],
        ['memory (KiB)', String(info.memoryKiB)], ['max memory (KiB)', String(info.maxMemoryKiB)], ['cpu time (ns)', String(info.cpuTimeNs)]]);
      return 0;
    }
    if (sub === 'screenshot') {
      const [name, file] = need(rest, 2, 'domain screenshot NAME FILE [--screen N] [--force]');
      using d = await conn.lookupDomain(name as string);
      return await screenshot(d, file as string, values, io);
    }
    const action = sub === undefined ? undefined : domainActions[sub];
    if (!action) throw new UsageError(`domain: unknown subcommand ${sub ?? '(none)'}`);
    const [name] = need(rest, 1, `domain ${sub} NAME`);
    using d = await conn.lookupDomain(name as string);
    await action(d);
    return done(io, values.json, { domain: name, action: sub }, `domain ${name}: ${sub} done`);
  });
}

/**
 * Saves a screenshot to FILE and prints its MIME type (the format is the hypervisor's: PNG from
 * the test driver and from QEMU 7.2). FILE is not replaced unless --force, and a failed transfer
 * leaves no FILE behind.
 */
async function screenshot(d: Domain, file: string, values: { json?: boolean | undefined; screen?: string | undefined; force?: boolean | undefined },
  io: Io): Promise<number> {
  const screen = values.screen === undefined ? 0 : Number(values.screen);
  if (!Number.isInteger(screen) || screen < 0) throw new UsageError(`--screen: not a screen number: ${values.screen ?? ''}`);
  const { mimeType, bytes } = await withOutputFile(file, values.force === true, async (fh) => {
    const shot = await d.screenshot(screen);
    let bytes = 0;
    for await (const chunk of shot.data as AsyncIterable<Buffer>) {
      await fh.write(chunk);
      bytes += chunk.length;
    }
    return { mimeType: shot.mimeType, bytes };
  });
  return done(io, values.json, { domain: d.name, file, mimeType, bytes }, mimeType);
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

export async function runSnapshot(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...common, tree: { type: 'boolean' }, description: { type: 'string' },
    'disk-only': { type: 'boolean' }, children: { type: 'boolean' }, 'children-only': { type: 'boolean' }, 'metadata-only': { type: 'boolean' } });
  const [sub, domainName, snapName] = positionals;
  if (!sub || !domainName) throw new UsageError('snapshot list|create|current|revert|delete DOMAIN [NAME]');
  return withConnection(values.connect, async (conn) => {
    using dom = await conn.lookupDomain(domainName);
    switch (sub) {
      case 'list': return printSnapshots(await dom.snapshotTree(), io, values.json, values.tree);
      case 'current': {
        const cur = await dom.currentSnapshot();
        const name = cur?.name ?? null;
        cur?.free();
        return done(io, values.json, { current: name }, name ?? '(no current snapshot)');
      }
      case 'create': {
        const name = snapName ?? `snap-${Math.floor(Date.now() / 1000)}`;
        const flags = values['disk-only'] ? 16 /* VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY */ : 0;
        const s = await dom.createSnapshot({ name, ...(values.description ? { description: values.description } : {}), disks: [] }, flags);
        s.free();
        return done(io, values.json, { created: name }, `snapshot ${name} created`);
      }
      case 'revert': case 'delete': {
        if (!snapName) throw new UsageError(`snapshot ${sub} DOMAIN NAME`);
        using s = await dom.lookupSnapshot(snapName);
        if (sub === 'revert') await s.revert();
        else await s.delete(values.children ? SnapshotDeleteMode.withChildren : values['children-only'] ? SnapshotDeleteMode.childrenOnly
          : values['metadata-only'] ? SnapshotDeleteMode.metadataOnly : SnapshotDeleteMode.self);
        return done(io, values.json, { snapshot: snapName, action: sub }, `snapshot ${snapName}: ${sub} done`);
      }
      default: throw new UsageError(`snapshot: unknown subcommand ${sub}`);
    }
  });
}

function printSnapshots(tree: SnapshotTree, io: Io, json: boolean | undefined, asTree: boolean | undefined): number {
  const nodes = [...tree.nodes.values()];
  if (json) { printJson(io, asTree ? { roots: tree.roots, current: tree.current, nodes } : nodes); return 0; }
  if (asTree) {
    const walk = (name: string, depth: number): void => {
      const n = tree.nodes.get(name);
      if (!n) return;
      io.stdout.write(`${'  '.repeat(depth)}${n.current ? '* ' : ''}${n.name}\n`);
      for (const c of n.children) walk(c, depth + 1);
    };
    for (const r of tree.roots) walk(r, 0);
    return 0;
  }
  printTable(io, ['NAME', 'CREATED', 'STATE', 'PARENT', 'CURRENT'], nodes.map((n) => [n.name,
    n.creationTime === null ? '' : new Date(n.creationTime * 1000).toISOString(), n.state ?? '', n.parent ?? '', n.current ? 'yes' : '']));
  return 0;
}

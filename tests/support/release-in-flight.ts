// Releases SDK objects while calls on them are still on their way, for tests/sdk/safety.test.ts,
// which runs this with G_SLICE=always-malloc: glib then hands freed objects straight back to
// malloc, so a call that reached a freed object would crash the process rather than fail.
// Prints one JSON line: how many calls of each kind succeeded, and the snapshot tree's error.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, Domain } from '../../src/sdk/index.js';

const settle = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (e: Error) => e.message);

const conn = await Connection.open('test:///default');

// 20 domain objects, each released (await using) with 20 calls still queued on it.
const onDomains: Promise<string>[] = [];
for (let i = 0; i < 20; i++) {
  await using dom = await conn.lookupDomain('test');
  for (let j = 0; j < 20; j++) onDomains.push(settle(dom.getXml()));
}

// A second connection closed with 300 calls on their way.
const other = await Connection.open('test:///default');
const onConnection = Array.from({ length: 300 }, () => settle(other.getHostname()));
const closed = other.close();

// A bulk read of 1000 domains' info, all of them freed while it runs.
const dir = mkdtempSync(join(tmpdir(), 'tsvirt-release-'));
let many: Connection;
try {
  const doms = Array.from({ length: 1000 }, (_, i) => `<domain type='test'><name>d${i}</name><memory>65536</memory><os><type>hvm</type></os></domain>`);
  writeFileSync(join(dir, 'node.xml'), `<node>${doms.join('')}</node>`);
  many = await Connection.open(`test://${join(dir, 'node.xml')}`);
} finally {
  rmSync(dir, { recursive: true, force: true }); // read once opened
}
const listed = await many.listAllDomains();
const bulk = Domain.getInfoOf(listed).then((infos) => infos.length, (e: Error) => e.message);
for (const d of listed) d.free();
const bulkInfos = await bulk;
await many.close();

// The snapshot tree fails part-way (the current-snapshot query) while its XML reads run.
const dom = await conn.lookupDomain('test');
for (let i = 0; i < 50; i++) (await dom.createSnapshot(`<domainsnapshot><name>s${i}</name></domainsnapshot>`)).free();
dom.currentSnapshot = () => Promise.reject(new Error('current snapshot failed'));
const treeError = await dom.snapshotTree().then(() => null, (e: Error) => e.message);

const ok = (xs: string[]): number => xs.filter((x) => x === 'ok').length;
const domains = await Promise.all(onDomains);
const connection = await Promise.all(onConnection);
await closed;
// A call after all that still works: nothing was corrupted.
const name = dom.name;
dom.free();
await conn.close();
console.log(JSON.stringify({
  domainCalls: ok(domains), domainErrors: [...new Set(domains.filter((x) => x !== 'ok'))],
  connectionCalls: ok(connection), connectionErrors: [...new Set(connection.filter((x) => x !== 'ok'))],
  bulkInfos, treeError, name,
}));

/**
 * tsvirt SDK side of the listing benchmark (same protocol as list.c), written
 * as an application would: listAllDomains, the name and UUID getters (local
 * reads), Domain.getInfoOf for all info in one message per call thread, free.
 *
 * Usage: list-tsvirt.ts URI WARMUP
 * Runs WARMUP listings, prints `count <domains>` and `ready`, then serves
 * part-list.ts as list.c does: for each line on stdin, one untimed listing and
 * a timed one, printed as `list <ms> <cpu us>` (CPU of this process, all threads).
 */
import { createInterface } from 'node:readline';
import { Connection, Domain } from '../../src/sdk/index.js';
import { clientUs } from './burst-cpu.js';

let sink = 0;

async function listOnce(conn: Connection): Promise<number> {
  const domains = await conn.listAllDomains();
  for (const d of domains) sink += d.name.length + d.uuid.length;
  for (const info of await Domain.getInfoOf(domains)) sink += Number(info.memoryKiB);
  for (const d of domains) d.free();
  return domains.length;
}

async function main(): Promise<number> {
  const [uri, warmup] = process.argv.slice(2);
  if (uri === undefined || !Number.isInteger(Number(warmup))) {
    process.stderr.write('usage: list-tsvirt.ts URI WARMUP\n');
    return 2;
  }
  const conn = await Connection.open(uri);
  let count = 0;
  for (let i = 0; i < Number(warmup); i++) count = await listOnce(conn);
  process.stdout.write(`count ${count}\nready\n`);
  for await (const _line of createInterface({ input: process.stdin })) {
    await listOnce(conn); // untimed: the machine may still be settling from another listing
    const c0 = clientUs();
    const t0 = performance.now();
    await listOnce(conn);
    const ms = performance.now() - t0;
    process.stdout.write(`list ${ms.toFixed(3)} ${clientUs() - c0}\n`);
  }
  await conn.close();
  return sink > 0 ? 0 : 1;
}

process.exitCode = await main();

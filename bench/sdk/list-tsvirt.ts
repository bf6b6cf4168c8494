/**
 * tsvirt SDK side of the listing benchmark (same protocol as list.c), written
 * as an application would: listAllDomains, the name and UUID getters (local
 * reads), Domain.getInfoOf for all info in one message to a call thread, free.
 *
 * Usage: list-tsvirt.ts URI WARMUP REPS
 * Output: `list <ms per rep...>` then `count <domains>`.
 */
import { Connection, Domain } from '../../src/sdk/index.js';

let sink = 0;

async function listOnce(conn: Connection): Promise<number> {
  const domains = await conn.listAllDomains();
  for (const d of domains) sink += d.name.length + d.uuid.length;
  for (const info of await Domain.getInfoOf(domains)) sink += Number(info.memoryKiB);
  for (const d of domains) d.free();
  return domains.length;
}

async function main(): Promise<number> {
  const [uri, warmup, reps] = process.argv.slice(2);
  if (uri === undefined || !Number.isInteger(Number(warmup)) || !Number.isInteger(Number(reps))) {
    process.stderr.write('usage: list-tsvirt.ts URI WARMUP REPS\n');
    return 2;
  }
  const conn = await Connection.open(uri);
  let count = 0;
  for (let i = 0; i < Number(warmup); i++) count = await listOnce(conn);
  const out = ['list'];
  for (let r = 0; r < Number(reps); r++) {
    const t0 = process.hrtime.bigint();
    count = await listOnce(conn);
    out.push((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3));
  }
  process.stdout.write(`${out.join(' ')}\ncount ${count}\n`);
  await conn.close();
  return sink > 0 ? 0 : 1;
}

process.exitCode = await main();

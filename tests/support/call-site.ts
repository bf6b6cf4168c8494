// A failing call from a function named for the purpose; prints the error's stack as JSON. Then
// 50 calls rejected together by closing the call pool under them (one error for all): prints
// how many call sites that error's stack got. tests/sdk/safety.test.ts runs it with and without
// TSVIRT_CALL_STACKS=1.
import { Connection, sharedPool } from '../../src/sdk/index.js';

async function scriptLooksUpAMissingDomain(conn: Connection): Promise<unknown> {
  return conn.lookupDomain('no-such-domain');
}

const conn = await Connection.open('test:///default');
let stack: string | null = null;
let code: string | undefined;
try {
  await scriptLooksUpAMissingDomain(conn);
} catch (err) {
  stack = (err as Error).stack ?? null;
  code = (err as { codeName?: string }).codeName;
}
const calls = Array.from({ length: 50 }, () => conn.lookupDomain('test'));
await sharedPool().close();
const outcomes = await Promise.allSettled(calls);
const errors = new Set(outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error] : [])));
const shared = [...errors][0];
const sites = shared?.stack?.split('--- the call was made here').length ?? 0;
process.stdout.write(`${JSON.stringify({ stack, code, rejected: outcomes.filter((o) => o.status === 'rejected').length, errors: errors.size, sharedSites: sites - 1 })}\n`);
conn.free();

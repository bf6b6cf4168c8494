// A failing call from a function named for the purpose; prints the error's stack as JSON.
// tests/sdk/safety.test.ts runs it with and without TSVIRT_CALL_STACKS=1.
import { Connection } from '../../src/sdk/index.js';

async function scriptLooksUpAMissingDomain(conn: Connection): Promise<unknown> {
  return conn.lookupDomain('no-such-domain');
}

const conn = await Connection.open('test:///default');
try {
  await scriptLooksUpAMissingDomain(conn);
  process.stdout.write(`${JSON.stringify({ stack: null })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ stack: (err as Error).stack, code: (err as { codeName?: string }).codeName })}\n`);
} finally {
  await conn.close();
}
